"""The pipeline reads a hot standby: the ingest's (tx, position) horizon holds there as on the
primary. A standby cannot run pg_current_xact_id(), but pg_current_snapshot() is the standby's
own view of the primary's running transactions (replayed from the WAL), so an event committed
behind a transaction still open on the primary is not read until that one ends."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import psycopg
import pytest

from quizflow.eventstore import NewEvent
from quizflow.eventstore.logins import apply_logins, login_url
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.eventstore.rows import PreparedAppend
from quizflow.settings import Settings, load_settings
from quizflow.warehouse import open_published, run_pipeline
from quizflow.warehouse.ingest import read_cursor
from tests.hot_standby import HotStandby, hot_standby
from tests.integration import eventfactory
from tests.throwaway_postgres import ThrowawayPostgres, throwaway_postgres

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def primary() -> Iterator[ThrowawayPostgres]:
    with throwaway_postgres() as pg:
        yield pg


@pytest.fixture(scope="module")
def standby(primary: ThrowawayPostgres) -> Iterator[HotStandby]:
    with hot_standby(primary) as replica:
        yield replica


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("QUIZFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("QUIZFLOW_WAREHOUSE", raising=False)
    return load_settings()


def _event(n: int) -> NewEvent:
    return NewEvent(
        "roster/SchoolRegistered",
        {"school_id": f"held-{n}", "name": f"School {n}"},
        occurred_at=datetime(2025, 3, 3, 9, tzinfo=UTC),
    )


def _ids(url: str, query: str, *params: object) -> set[str]:
    with psycopg.connect(url) as conn:
        return {str(row[0]) for row in conn.execute(query, params).fetchall()}


def test_the_pipeline_ingests_from_a_hot_standby_and_waits_for_a_transaction_open_on_the_primary(
    primary: ThrowawayPostgres, standby: HotStandby, settings: Settings
) -> None:
    owner = primary.database(f"standby_{uuid.uuid4().hex[:8]}")
    # The pipeline's read-only login (roles and their passwords replicate with the cluster).
    pipeline = login_url(
        standby.url(owner), "pipeline", apply_logins(owner, load_settings().db_logins_path)
    )
    store = PostgresEventStore(owner)
    try:
        eventfactory.populate(store, students=3, days=1)
        standby.wait_replayed(owner)
        first = run_pipeline(settings, pipeline)
        assert first.ok, first.to_dict()
        assert first.ingest.cursor == store.head()

        # A transaction on the primary appends an event and stays open; a later one appends
        # and commits. The standby has replayed both appends and the second commit.
        held = psycopg.connect(owner)
        try:
            held.execute("set role quizflow_writer")
            early = PreparedAppend("held-stream", "no-stream", [_event(1)])
            held.execute(early.sql, early.params).fetchall()
            late = store.append("late-stream", "no-stream", [_event(2)])[0]
            standby.wait_replayed(owner)
            # A reader by position alone would take the later event now, and never see the
            # earlier one's lower position once it commits.
            visible = _ids(
                standby.url(owner),
                "select event_id from quizflow.events where position > %s",
                first.ingest.cursor.position,
            )
            assert visible == {str(late.event_id)}
            second = run_pipeline(settings, pipeline, checks=False)
            assert second.ingest.events == 0
            held.commit()
        finally:
            held.close()
        standby.wait_replayed(owner)
        third = run_pipeline(settings, pipeline)
        assert third.ok, third.to_dict()
        assert third.ingest.events == 2
        assert third.ingest.cursor == store.head()
    finally:
        store.close()
    everything = _ids(owner, "select event_id from quizflow.events")
    with open_published(settings.published_path) as con:
        ingested = [str(r[0]) for r in con.execute("select event_id from events").fetchall()]
    assert len(ingested) == len(set(ingested)) and set(ingested) == everything
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        assert read_cursor(con) == third.ingest.cursor
