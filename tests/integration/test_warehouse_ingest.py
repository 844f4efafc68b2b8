"""Ingest from PostgreSQL into DuckDB, the answers projection, and the published snapshot."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from quizflow.eventstore import NewEvent
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.privacy.keys import names_of
from quizflow.privacy.pseudonyms import pseudonym
from quizflow.settings import Settings, load_settings
from quizflow.warehouse import PipelineConfig, SourceUnavailableError, open_published, run_pipeline
from quizflow.warehouse.ingest import read_cursor
from tests.integration import eventfactory


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("QUIZFLOW_HOME", str(tmp_path / "home"))
    return load_settings()


@pytest.fixture
def store(pg_url: str) -> Iterator[PostgresEventStore]:
    with PostgresEventStore(pg_url) as store:
        yield store


def test_the_pipeline_copies_every_event_once_and_publishes_the_answers(
    settings: Settings, store: PostgresEventStore, pg_url: str
) -> None:
    eventfactory.populate(store, students=4, days=2)
    summary = run_pipeline(settings, pg_url, checks=False)

    head = store.head()
    assert summary.ingest.cursor == head
    expected = store.count_by_type(head)
    with open_published(settings.published_path) as con:
        counts = dict(con.execute("select type, count(*) from events group by type").fetchall())
        assert counts == expected
        assert con.execute("select count(distinct event_id) = count(*) from events").fetchone() == (
            True,
        )
        answers = con.execute("select count(*) from answers").fetchone()
    assert answers == (
        expected.get("chapter-quiz/QuestionAnsweredCorrectly", 0)
        + expected.get("chapter-quiz/QuestionAnsweredIncorrectly", 0),
    )


def test_a_second_run_reads_only_the_events_appended_since(
    settings: Settings, store: PostgresEventStore, pg_url: str
) -> None:
    course = eventfactory.populate(store, students=2, days=1)
    first = run_pipeline(settings, pg_url, checks=False)
    eventfactory.run_quiz(
        store, course, "s1", "ch-1", random.Random(3), eventfactory.START_AT + timedelta(days=9)
    )
    second = run_pipeline(settings, pg_url, checks=False)

    assert second.ingest.cursor_before == first.ingest.cursor
    assert second.ingest.events == sum(store.count_by_type(store.head()).values()) - sum(
        store.count_by_type(first.ingest.cursor).values()
    )
    third = run_pipeline(settings, pg_url, checks=False)
    assert third.ingest.events == 0
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        assert read_cursor(con) == store.head()


def test_answers_hold_the_contract_columns_normalised_answers_and_response_times(
    settings: Settings, store: PostgresEventStore, pg_url: str
) -> None:
    at = eventfactory.START_AT
    ids = {"student_id": "s1", "course_id": "math-1", "chapter_id": "ch-1", "attempt": 1}
    stream = "chapter-quiz-s1-math-1-ch-1"
    store.append(
        stream,
        "no-stream",
        [
            NewEvent("chapter-quiz/QuizStarted", ids, occurred_at=at),
            NewEvent("chapter-quiz/QuestionAssigned", {**ids, "question_id": "q1"}, occurred_at=at),
        ],
    )
    store.append(
        stream,
        2,
        [
            NewEvent(
                "chapter-quiz/QuestionAnsweredCorrectly",
                {**ids, "question_id": "q1", "inputs": {"_INPUT_1_": " .50 "}, "streak": 1},
                occurred_at=at + timedelta(seconds=12, milliseconds=345),
            ),
            NewEvent(
                "chapter-quiz/QuestionAssigned",
                {**ids, "question_id": "q2"},
                occurred_at=at + timedelta(seconds=13),
            ),
        ],
    )
    store.append(
        stream,
        4,
        [
            NewEvent(
                "chapter-quiz/QuestionAnsweredIncorrectly",
                # The assignment says q2: the answer's own question wins, its time is unknown.
                {**ids, "question_id": "q3", "inputs": {"b": "  Two   Words ", "a": "007"}},
                occurred_at=at + timedelta(seconds=20),
            ),
        ],
    )
    run_pipeline(settings, pg_url, checks=False)

    with open_published(settings.published_path) as con:
        rows = con.execute(
            "select question_id, correct, answer, response_ms, inputs::varchar, student_id,"
            " course_id, chapter_id, position, occurred_at, event_id"
            " from answers order by position"
        ).fetchall()
    assert [r[:4] for r in rows] == [
        ("q1", True, "0.5", 12_345),
        ("q3", False, "a=7; b=two words", None),
    ]
    assert json.loads(rows[0][4]) == {"_INPUT_1_": " .50 "}
    # The snapshot knows the student by a pseudonym: the same HMAC here as in PostgreSQL.
    secret = names_of(store).secret("pseudonym")
    assert rows[0][5:8] == (pseudonym("s1", secret), "math-1", "ch-1")
    assert rows[0][5] != "s1" and rows[0][5].startswith("p-")


def test_an_unreachable_postgres_is_a_clear_error_that_writes_nothing_and_then_catches_up(
    settings: Settings, store: PostgresEventStore, pg_url: str, tmp_path: Path
) -> None:
    eventfactory.populate(store, students=1, days=1)
    url = f"postgresql://nobody:@/nowhere?host={tmp_path}/no-socket-here"
    with pytest.raises(SourceUnavailableError, match="cannot reach PostgreSQL"):
        run_pipeline(settings, url, config=PipelineConfig(lock_timeout_seconds=5))
    assert not settings.published_path.exists()
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        assert con.execute("select count(*) from events").fetchall() == [(0,)]
        assert read_cursor(con).position == 0

    summary = run_pipeline(settings, pg_url)
    assert summary.ok and summary.ingest.cursor == store.head()
