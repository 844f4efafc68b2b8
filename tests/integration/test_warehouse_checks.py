"""The data-quality checks: reconciliation, uniqueness, quarantine, runaway streams, freshness."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from unittest.mock import ANY

import pytest

from quizflow.eventstore import NewEvent
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.privacy.keys import names_of
from quizflow.privacy.pseudonyms import pseudonym
from quizflow.settings import Settings
from quizflow.warehouse import PipelineConfig, open_published, open_warehouse, run_pipeline
from quizflow.warehouse.checks import reconciliation, review_quarantine, run_checks
from tests.integration import eventfactory


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", database_url=None)


@pytest.fixture
def store(pg_url: str) -> Iterator[PostgresEventStore]:
    with PostgresEventStore(pg_url) as store:
        yield store


def _by_name(summary_checks: list) -> dict:  # type: ignore[type-arg]
    return {c.name: c for c in summary_checks}


def test_every_check_passes_on_clean_data(
    settings: Settings, store: PostgresEventStore, pg_url: str
) -> None:
    eventfactory.populate(store, students=3, days=2)
    summary = run_pipeline(settings, pg_url)
    assert summary.ok
    assert [c.name for c in summary.checks if not c.passed] == []


def test_malformed_events_are_quarantined_with_reasons_and_the_rest_carries_on(
    settings: Settings, store: PostgresEventStore, pg_url: str
) -> None:
    eventfactory.populate(store, students=2, days=1)
    eventfactory.append_malformed(store)
    summary = run_pipeline(settings, pg_url)

    check = _by_name(summary.checks)["quarantine_reviewed"]
    assert not summary.ok and not check.passed and check.severity == "error"
    assert "unknown event type mystery/Happened" in check.description
    assert "inputs is missing or not an object" in check.description
    with open_published(settings.published_path) as con:
        quarantined = con.execute("select event_id::varchar from quarantine").fetchall()
        assert len(quarantined) == 2
        # The answer without inputs is not in answers; every well-formed answer is.
        s99 = pseudonym("s99", names_of(store).secret("pseudonym"))
        assert con.execute(
            "select count(*) from answers where student_id = ?", [s99]
        ).fetchone() == (0,)
        assert con.execute("select count(*) from answers").fetchone() != (0,)

    with open_warehouse(settings.warehouse_path) as con:
        assert review_quarantine(con, [r[0] for r in quarantined], "test data") == 2
    again = run_pipeline(settings, pg_url)
    assert again.ok and _by_name(again.checks)["quarantine_reviewed"].passed


def test_a_stream_writing_implausibly_fast_is_flagged_as_runaway(
    settings: Settings, store: PostgresEventStore, pg_url: str
) -> None:
    ids = {"student_id": "bot", "course_id": "math-1", "chapter_id": "ch-1", "attempt": 1}
    at = eventfactory.START_AT
    store.append(
        "chapter-quiz-bot-math-1-ch-1",
        "any",
        [
            NewEvent(
                "chapter-quiz/QuestionAssigned",
                {**ids, "question_id": "q-1-1"},
                occurred_at=at + timedelta(milliseconds=50 * n),
            )
            for n in range(30)
        ],
    )
    # Enrolling a class writes a burst too, by design: not a runaway.
    store.append(
        "roster-school-1",
        "any",
        [
            NewEvent(
                "roster/StudentEnrolled",
                {"school_id": "school-1", "class_id": "c1", "student_id": f"s{n}", "name": "A"},
                occurred_at=at,
            )
            for n in range(40)
        ],
    )
    loose = run_pipeline(settings, pg_url, config=PipelineConfig(runaway_events_per_minute=100))
    assert _by_name(loose.checks)["runaway_streams"].passed
    strict = run_pipeline(settings, pg_url, config=PipelineConfig(runaway_events_per_minute=20))
    check = _by_name(strict.checks)["runaway_streams"]
    assert not check.passed and check.severity == "warn"
    # The warehouse knows the stream by a pseudonym (it names its student).
    secret = names_of(store).secret("pseudonym")
    flagged = "stream-" + pseudonym("chapter-quiz-bot-math-1-ch-1", secret)
    assert check.metadata["streams"] == {flagged: {"minute": ANY, "events": 30}}
    assert check.description.startswith("1 quiz stream wrote more than 20 events in one minute")
    assert "{" not in check.description
    assert strict.ok  # a warning: someone should look, the data is still usable


def test_reconciliation_fails_when_the_warehouse_lost_an_event(
    settings: Settings, store: PostgresEventStore, pg_url: str
) -> None:
    eventfactory.populate(store, students=2, days=1)
    run_pipeline(settings, pg_url)
    with open_warehouse(settings.warehouse_path) as con:
        assert reconciliation(con, pg_url).passed  # it is the deletion that breaks it
        (lost_type,) = con.execute(
            "delete from events where position = (select max(position) from events) returning type"
        ).fetchone()
        check = reconciliation(con, pg_url)
    assert not check.passed and check.blocks_publishing
    (differing,) = check.metadata["differences"].items()
    assert differing[0] == lost_type
    assert differing[1]["postgres"] - differing[1]["warehouse"] == 1
    assert "PostgreSQL holds 1 event" in check.description


def test_freshness_warns_when_events_wait_longer_than_the_limit(
    settings: Settings, store: PostgresEventStore, pg_url: str
) -> None:
    eventfactory.populate(store, students=1, days=1)
    run_pipeline(settings, pg_url)
    eventfactory.register_roster(store, "school-9", "class-9", ["late"])
    with open_warehouse(settings.warehouse_path) as con:
        checks = _by_name(run_checks(con, pg_url, PipelineConfig(max_lag_seconds=0)))
        relaxed = _by_name(run_checks(con, pg_url, PipelineConfig(max_lag_seconds=3600)))
    assert not checks["freshness"].passed and checks["freshness"].metadata["lag_seconds"] > 0
    assert relaxed["freshness"].passed
