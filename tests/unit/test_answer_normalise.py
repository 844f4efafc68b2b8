"""One comparable text per answer, for grouping the answers students give."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizflow.quiz import check, normalise
from quizflow.quiz.testing import tiny_course

BASICS = tiny_course().chapter("basics")
assert BASICS is not None
Q1_FRACTION = BASICS.question("q1")
Q2_NUMBER = BASICS.question("q2")
Q3_TEXT = BASICS.question("q3")
Q4_TWO_FIELDS = BASICS.question("q4")


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [(".5", "0.5"), ("0.50", "0.5"), ("0,5", "0.5"), ("1e-1", "0.1"), ("-0", "0"), ("7.", "7")],
)
def test_numbers_are_written_one_way(typed: str, normalised: str) -> None:
    assert normalise(Q2_NUMBER, {"_INPUT_1_": typed}) == normalised


def test_fractions_are_written_in_lowest_terms() -> None:
    assert normalise(Q1_FRACTION, {"_INPUT_1_": "6/8"}) == "3/4"
    assert normalise(Q1_FRACTION, {"_INPUT_1_": "0.75"}) == "3/4"
    assert normalise(Q1_FRACTION, {"_INPUT_1_": "1 1/2"}) == "3/2"


def test_text_is_trimmed_lowercased_and_single_spaced() -> None:
    assert normalise(Q3_TEXT, {"_INPUT_1_": "  New   YORK "}) == "new york"
    assert normalise(Q3_TEXT, {"_INPUT_1_": " 1 / 2 "}) == "1/2"


def test_an_answer_that_does_not_parse_is_kept_as_text() -> None:
    assert normalise(Q2_NUMBER, {"_INPUT_1_": " Six "}) == "six"


def test_several_fields_are_joined_by_field_name() -> None:
    inputs = {"_INPUT_2_": "3.0", "_INPUT_1_": " 7 "}
    assert normalise(Q4_TWO_FIELDS, inputs) == "_INPUT_1_=7; _INPUT_2_=3"


def test_without_the_question_numbers_are_still_written_one_way() -> None:
    assert normalise(None, {"_INPUT_1_": ".50"}) == "0.5"
    assert normalise(None, {"_INPUT_1_": "1/2"}) == "1/2"
    assert normalise(None, {"_INPUT_1_": " Paris"}) == "paris"


_typed = st.text(alphabet=st.sampled_from("0123456789.,/-+ eE%abc"), max_size=12)


@given(_typed)
def test_normalising_twice_changes_nothing(typed: str) -> None:
    for question in (Q1_FRACTION, Q2_NUMBER, Q3_TEXT, None):
        once = normalise(question, {"_INPUT_1_": typed})
        assert normalise(question, {"_INPUT_1_": once}) == once


@given(_typed)
def test_a_parsed_answer_is_right_exactly_when_it_normalises_like_the_accepted_one(
    typed: str,
) -> None:
    for question, accepted in ((Q1_FRACTION, "3/4"), (Q2_NUMBER, "6"), (Q3_TEXT, "paris")):
        assert question is not None
        same = normalise(question, {"_INPUT_1_": typed}) == normalise(
            question, {"_INPUT_1_": accepted}
        )
        assert check(question, {"_INPUT_1_": typed}) == same
