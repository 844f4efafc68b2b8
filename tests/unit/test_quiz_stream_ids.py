"""A quiz's stream id names that quiz alone, whatever characters its ids hold."""

from __future__ import annotations

from urllib.parse import unquote

from hypothesis import given
from hypothesis import strategies as st

from quizflow.quiz import legacy_quiz_stream_id, quiz_stream_id

# Any text, lone surrogates and NUL included (imported data need not match the web's id rule).
TEXT = st.text(st.characters(blacklist_categories=()), max_size=12)
TRIPLE = st.tuples(TEXT, TEXT, TEXT)


def test_quizzes_whose_ids_joined_with_dashes_alike_get_different_streams() -> None:
    first, second = ("ann-x", "maths", "ch-1"), ("ann", "x-maths", "ch-1")
    assert legacy_quiz_stream_id(*first) == legacy_quiz_stream_id(*second)  # the old clash
    assert quiz_stream_id(*first) != quiz_stream_id(*second)
    clashing = [("a/b", "c", "d"), ("a", "b/c", "d"), ("a%2Fb", "c", "d"), ("a", "", "b/c")]
    assert len({quiz_stream_id(*ids) for ids in clashing}) == len(clashing)


@given(TRIPLE)
def test_a_stream_id_gives_back_the_ids_it_was_made_of(ids: tuple[str, str, str]) -> None:
    """Decodable, so injective: two quizzes share a stream only when they are the same quiz."""
    prefix, _, rest = quiz_stream_id(*ids).partition("/")
    assert prefix == "chapter-quiz"
    assert tuple(unquote(part, errors="surrogatepass") for part in rest.split("/")) == ids


@given(TRIPLE, TRIPLE)
def test_a_stream_id_never_names_a_legacy_stream(
    first: tuple[str, str, str], second: tuple[str, str, str]
) -> None:
    assert quiz_stream_id(*first) != legacy_quiz_stream_id(*second)


def test_ids_the_web_accepts_stay_readable() -> None:
    assert quiz_stream_id("alice", "sample-maths", "fractions") == (
        "chapter-quiz/alice/sample-maths/fractions"
    )
    assert quiz_stream_id("s1:7a", "m_1.2", "ch-1") == "chapter-quiz/s1:7a/m_1.2/ch-1"
    assert quiz_stream_id("é", "a b", "x\x00") == "chapter-quiz/%C3%A9/a%20b/x%00"
