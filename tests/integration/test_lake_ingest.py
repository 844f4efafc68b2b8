"""Ingest into the lake: exactly once, also with two ingests committing at the same moment, and
bad lake settings fail in one sentence before anything is written."""

from __future__ import annotations

import random
import socket
import threading
import time
from pathlib import Path

import psycopg
import pyarrow.parquet as pq
import pytest

from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.settings import Settings
from quizflow.warehouse import PipelineError, run_pipeline
from quizflow.warehouse.ingest import IngestResult
from quizflow.warehouse.lake.catalog import LakeError, open_lake
from quizflow.warehouse.lake.ingest import EVENTS, cursor_of, ingest_lake
from tests.integration import eventfactory
from tests.integration.eventfactory import START_AT
from tests.lake_s3 import LakeEnv, lake_env, s3_server  # noqa: F401 (fixtures)


def _store_ids(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return sorted(str(r[0]) for r in conn.execute("select event_id from quizflow.events"))


def _lake_ids(settings: Settings) -> list[str]:
    lake = open_lake(settings)
    try:
        table = lake.table(EVENTS)
        assert table is not None
        return sorted(table.scan(selected_fields=("event_id",)).to_arrow()["event_id"].to_pylist())
    finally:
        lake.close()


def _ingest_until(settings: Settings, url: str, count: int) -> list[IngestResult]:
    """Ingest until the lake holds ``count`` events (another test's open transaction on the
    shared server may hold the horizon back for a while)."""
    results, deadline = [], time.monotonic() + 120
    while True:
        lake = open_lake(settings)
        try:
            results.append(ingest_lake(lake, url))
            table = lake.table(EVENTS)
            held = int(table.properties.get("quizflow.ingest.events", 0)) if table else 0
        finally:
            lake.close()
        if held >= count or time.monotonic() > deadline:
            assert held == count
            return results
        time.sleep(0.2)


def _wait_until_every_event_is_readable(url: str) -> None:
    """Until no open transaction on the shared server (another test's) holds the ingest's
    horizon below the newest event: the horizon only moves on, so it then stays readable."""
    deadline = time.monotonic() + 120
    while True:
        with psycopg.connect(url, autocommit=True) as conn:
            row = conn.execute(
                "select max(tx) < pg_snapshot_xmin(pg_current_snapshot()) from quizflow.events"
            ).fetchone()
        if row and row[0]:
            return
        assert time.monotonic() < deadline, "another transaction held the horizon back"
        time.sleep(0.1)


def _waiting_on_locks(catalog_url: str) -> int:
    with psycopg.connect(catalog_url, autocommit=True) as conn:
        row = conn.execute(
            "select count(*) from pg_stat_activity"
            " where datname = current_database() and wait_event_type = 'Lock'"
        ).fetchone()
    return int(row[0]) if row else 0


def test_two_ingests_committing_at_once_store_every_event_exactly_once(
    tmp_path: Path,
    pg_url: str,
    lake_env: LakeEnv,  # noqa: F811 (the fixture)
) -> None:
    settings = Settings(home=tmp_path / "home", database_url=None)
    with PostgresEventStore(pg_url) as store:
        course = eventfactory.populate(store, students=2, days=1)
    _ingest_until(settings, pg_url, len(_store_ids(pg_url)))
    with PostgresEventStore(pg_url) as store:
        eventfactory.register_roster(store, "school-9", "class-9", ["late"])
        chapter = next(iter(course.chapters))
        eventfactory.run_quiz(store, course, "late", chapter, random.Random(9), START_AT)
    expected = _store_ids(pg_url)
    _wait_until_every_event_is_readable(pg_url)

    # Both ingests read the same cursor and the same new events, then both reach the catalog's
    # commit while this transaction holds the events table's row: neither can commit before
    # the other has arrived, so one of them is certain to find its commit refused.
    results: dict[str, IngestResult | BaseException] = {}
    lock = psycopg.connect(lake_env.catalog_url)
    try:
        lock.execute("select 1 from iceberg_tables where table_name = %s for update", [EVENTS])

        def ingest(name: str) -> None:
            lake = open_lake(settings)
            try:
                results[name] = ingest_lake(lake, pg_url)
            except BaseException as error:
                results[name] = error
            finally:
                lake.close()

        threads = [threading.Thread(target=ingest, args=(n,)) for n in ("a", "b")]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 120
        while _waiting_on_locks(lake_env.catalog_url) < 2:
            assert time.monotonic() < deadline, (
                f"the ingests never both reached the commit: {results}"
            )
            assert all(t.is_alive() for t in threads), f"an ingest ended early: {results}"
            time.sleep(0.05)
    finally:
        lock.rollback()
        lock.close()
    for thread in threads:
        thread.join(timeout=120)
    a, b = results["a"], results["b"]
    assert isinstance(a, IngestResult) and isinstance(b, IngestResult), results
    # One committed the new events; the other was refused, read the winner's cursor and found
    # nothing left to add.
    assert sorted([a.events, b.events])[0] == 0 and max(a.events, b.events) > 0
    assert a.cursor == b.cursor
    assert _lake_ids(settings) == expected  # every event, once


def test_an_ingest_that_finds_nothing_new_commits_nothing(
    tmp_path: Path,
    pg_url: str,
    lake_env: LakeEnv,  # noqa: F811 (the fixture)
) -> None:
    settings = Settings(home=tmp_path / "home", database_url=None)
    with PostgresEventStore(pg_url) as store:
        eventfactory.populate(store, students=1, days=1)
    _ingest_until(settings, pg_url, len(_store_ids(pg_url)))
    lake = open_lake(settings)
    try:
        table = lake.table(EVENTS)
        assert table is not None
        before = (table.current_snapshot(), cursor_of(table))
        again = ingest_lake(lake, pg_url)
        table = lake.table(EVENTS)
        assert table is not None
        assert again.events == 0 and again.chunks == 0
        assert (table.current_snapshot(), cursor_of(table)) == before
    finally:
        lake.close()
    assert _lake_ids(settings) == _store_ids(pg_url)


def _catalog_tables(catalog_url: str) -> int:
    with psycopg.connect(catalog_url, autocommit=True) as conn:
        exists = conn.execute("select to_regclass('iceberg_tables')").fetchone()
        if exists is None or exists[0] is None:
            return 0
        row = conn.execute("select count(*) from iceberg_tables").fetchone()
    return int(row[0]) if row else 0


def _closed_port() -> int:
    """A port nothing listens on: the OS chose it free, and it was closed again."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("problem", ["unreachable endpoint", "missing bucket"])
def test_bad_lake_settings_fail_in_one_sentence_and_write_nothing(
    problem: str,
    tmp_path: Path,
    pg_url: str,
    lake_env: LakeEnv,  # noqa: F811 (the fixture)
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = Settings(home=tmp_path / "home", database_url=None)
    with PostgresEventStore(pg_url) as store:
        eventfactory.populate(store, students=1, days=1)
    if problem == "unreachable endpoint":
        monkeypatch.setenv("QUIZFLOW_LAKE_S3_ENDPOINT", f"http://127.0.0.1:{_closed_port()}")
        expected = "cannot reach the lake's object storage at http://127.0.0.1:"
    else:
        monkeypatch.setenv("QUIZFLOW_LAKE_WAREHOUSE", "s3://no-such-bucket/warehouse")
        expected = "the lake's bucket 'no-such-bucket' does not exist"
    with pytest.raises(LakeError) as failed:
        run_pipeline(settings, pg_url)
    message = str(failed.value)
    assert isinstance(failed.value, PipelineError)
    assert message.startswith(expected), message
    assert "\n" not in message
    assert _catalog_tables(lake_env.catalog_url) == 0
    listed = lake_env.s3.client().list_objects_v2(Bucket=lake_env.bucket)
    assert listed.get("KeyCount", 0) == 0
    names = {b["Name"] for b in lake_env.s3.client().list_buckets()["Buckets"]}
    assert "no-such-bucket" not in names


def test_the_lake_keeps_the_events_in_store_order(
    tmp_path: Path,
    pg_url: str,
    lake_env: LakeEnv,  # noqa: F811 (the fixture)
) -> None:
    settings = Settings(home=tmp_path / "home", database_url=None)
    with PostgresEventStore(pg_url) as store:
        eventfactory.populate(store, students=3, days=2)
    _ingest_until(settings, pg_url, len(_store_ids(pg_url)))
    lake = open_lake(settings)
    try:
        table = lake.table(EVENTS)
        assert table is not None
        files = [task.file.file_path for task in table.scan().plan_files()]
        assert files
        for path in files:
            with table.io.new_input(path).open() as stream:
                rows = pq.read_table(stream, columns=["tx", "position"])
            # Readers' cursor filters skip row groups only because each file is in this order.
            keys = list(zip(rows["tx"].to_pylist(), rows["position"].to_pylist(), strict=True))
            assert keys == sorted(keys), path
    finally:
        lake.close()


@pytest.mark.parametrize("value", ["0", "many"])
def test_a_bad_lake_chunk_size_fails_in_one_sentence_and_writes_nothing(
    value: str,
    tmp_path: Path,
    pg_url: str,
    lake_env: LakeEnv,  # noqa: F811 (the fixture)
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = Settings(home=tmp_path / "home", database_url=None)
    with PostgresEventStore(pg_url) as store:
        eventfactory.populate(store, students=1, days=1)
    monkeypatch.setenv("QUIZFLOW_LAKE_CHUNK_ROWS", value)
    with pytest.raises(ValueError) as failed:
        run_pipeline(settings, pg_url)
    assert str(failed.value) == (
        f"QUIZFLOW_LAKE_CHUNK_ROWS must be a positive number of rows, got {value!r}"
    )
    assert _catalog_tables(lake_env.catalog_url) == 0
    assert lake_env.s3.client().list_objects_v2(Bucket=lake_env.bucket).get("KeyCount", 0) == 0
