"""The lake mode (Iceberg on a local S3 server, catalog in PostgreSQL) builds the same tables and
answers the named queries with the same rows as the DuckDB mode, on the same events, run by run."""

from __future__ import annotations

import random
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pytest

from quizflow.eventstore import NewEvent
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.eventstore.types import Cursor
from quizflow.queries.catalog import load_queries
from quizflow.queries.run import run_query
from quizflow.settings import Settings
from quizflow.warehouse import open_published, run_pipeline
from quizflow.warehouse.lake.catalog import open_lake
from quizflow.warehouse.lake.reviews import review_quarantine_lake
from quizflow.warehouse.run import RunSummary
from tests.integration import eventfactory
from tests.integration.eventfactory import START_AT
from tests.lake_s3 import LakeEnv, lake_env, s3_server  # noqa: F401 (fixtures)

TABLES = [
    "events",
    "quarantine",
    "answers",
    "attempts",
    "known_wrong_answers",
    "questions",
    "roster",
    "student_days",
    "unreadable_answers",
]


def _last(url: str) -> Cursor:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "select tx::text::bigint, position from quizflow.events"
            " order by tx desc, position desc limit 1"
        ).fetchone()
    assert row is not None
    return Cursor(*row)


def _run(monkeypatch: pytest.MonkeyPatch, mode: str, settings: Settings, url: str) -> RunSummary:
    """A run in ``mode``, again until it has every event (another test's open transaction on
    the shared server holds the ingest back for a while: lag, never loss)."""
    monkeypatch.setenv("QUIZFLOW_WAREHOUSE", mode)
    last, deadline = _last(url), time.monotonic() + 120
    while True:
        summary = run_pipeline(settings, url)
        if summary.ingest.cursor >= last or time.monotonic() > deadline:
            assert summary.ingest.cursor >= last, "the ingest never caught up"
            return summary
        time.sleep(0.2)


def _rows(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[Any, ...]]:
    columns = sorted(
        row[0]
        for row in con.execute(
            "select column_name from information_schema.columns where table_name = ?", [table]
        ).fetchall()
    )
    assert columns, f"{table} has no columns"
    select = ", ".join(f'"{c}"::varchar' for c in columns)
    rows = con.execute(f'select {select} from "{table}"').fetchall()
    return sorted(rows, key=lambda r: tuple("" if v is None else v for v in r))


def _types(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    return dict(
        con.execute(
            "select column_name, data_type from information_schema.columns where table_name = ?",
            [table],
        ).fetchall()
    )


def _open(monkeypatch: pytest.MonkeyPatch, mode: str, settings: Settings) -> Any:
    monkeypatch.setenv("QUIZFLOW_WAREHOUSE", mode)
    monkeypatch.setenv("QUIZFLOW_HOME", str(settings.home))
    return open_published(settings.published_path)


def _assert_same_tables(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    with (
        _open(monkeypatch, "duckdb", settings) as duck,
        _open(monkeypatch, "lake", settings) as lake,
    ):
        for table in TABLES:
            assert _types(lake, table) == _types(duck, table), table
            expected = _rows(duck, table)
            assert _rows(lake, table) == expected, table
        assert all(_rows(duck, t) for t in ("events", "answers", "attempts", "quarantine"))


def _parameters(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """A value for every required parameter of the named queries, from the data."""
    row = con.execute(
        "select a.question_id, a.student_id, strftime(a.occurred_at, '%G-W%V'), r.class_id"
        " from answers as a, roster as r order by a.position, r.class_id limit 1"
    ).fetchone()
    assert row is not None
    return dict(zip(("question_id", "student_id", "week", "class_id"), row, strict=True))


def _assert_same_answers(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    with (
        _open(monkeypatch, "duckdb", settings) as duck,
        _open(monkeypatch, "lake", settings) as lake,
    ):
        values = _parameters(duck)
        answered = 0
        for query in load_queries().values():
            params = {p.name: values[p.name] for p in query.parameters if p.required}
            expected = run_query(duck, query, params)
            got = run_query(lake, query, params)
            assert got.columns == expected.columns, query.name
            assert sorted(map(repr, got.rows)) == sorted(map(repr, expected.rows)), query.name
            answered += bool(expected.rows)
        assert answered >= 5


def _grow(store: PostgresEventStore, course: eventfactory.Course, round_: int) -> None:
    rng = random.Random(round_)
    later = START_AT + timedelta(days=10 * round_)
    eventfactory.register_roster(store, "school-1", f"class-{round_}", [f"n{round_}"], at=later)
    # A school on another clock: its students' days move (student_days is rebuilt).
    zone = NewEvent(
        "roster/SchoolTimeZoneChanged",
        {"school_id": "school-1", "time_zone": "America/New_York"},
        occurred_at=later,
    )
    store.append("roster-school-1", "any", [zone])
    for student in ("s1", f"n{round_}"):
        for chapter in course.chapters:
            later = eventfactory.run_quiz(store, course, student, chapter, rng, later)


@pytest.mark.slow
def test_the_lake_builds_every_table_and_answer_as_duckdb_does_run_by_run(
    tmp_path: Path,
    pg_url: str,
    lake_env: LakeEnv,  # noqa: F811 (the fixture)
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = Settings(home=tmp_path / "home", database_url=None)
    with PostgresEventStore(pg_url) as store:
        course = eventfactory.populate(store, students=3, days=2)
        eventfactory.append_malformed(store)
    _run(monkeypatch, "duckdb", settings, pg_url)
    first = _run(monkeypatch, "lake", settings, pg_url)
    # ok is False: the malformed event waits in quarantine for review (a warning-level error).
    assert first.release == 1 and first.published is None
    assert not any(c.blocks_publishing for c in first.checks)
    assert {p.mode for p in first.projections} == {"rebuild"}
    _assert_same_tables(monkeypatch, settings)

    with PostgresEventStore(pg_url) as store:
        _grow(store, course, 1)
    _run(monkeypatch, "duckdb", settings, pg_url)
    second = _run(monkeypatch, "lake", settings, pg_url)
    assert second.release == 2
    modes = {p.name: p.mode for p in second.projections}
    # The school's new time zone rebuilds student_days (in whichever run ingested it).
    modes.pop("student_days")
    assert modes["answers"] == "incremental" and set(modes.values()) <= {
        "incremental",
        "unchanged",
    }
    _assert_same_tables(monkeypatch, settings)
    _assert_same_answers(monkeypatch, settings)
    with _open(monkeypatch, "lake", settings) as lake:
        # Students without new events have their earlier days on the new clock too.
        zones = lake.execute("select distinct time_zone from student_days").fetchall()
        assert zones == [("America/New_York",)]

    # Nothing new: nothing ingested, nothing rewritten, no new release.
    again = _run(monkeypatch, "lake", settings, pg_url)
    assert again.ingest.events == 0
    assert {p.mode for p in again.projections} == {"unchanged"}
    assert again.release == 2
    _assert_same_tables(monkeypatch, settings)

    # The malformed event is reviewed: the quarantine check passes on the next run.
    lake = open_lake(settings)
    try:
        quarantined = lake.table("quarantine")
        assert quarantined is not None
        ids = quarantined.scan().to_arrow()["event_id"].to_pylist()
        assert ids and review_quarantine_lake(lake, ids, "looked at it") == len(ids)
    finally:
        lake.close()
    reviewed = _run(monkeypatch, "lake", settings, pg_url)
    assert reviewed.ok, [c.description for c in reviewed.checks if not c.passed]
