"""One pipeline run on the lake: ingest, projections, checks, release.

The same steps as quizflow/warehouse/run.py, with Iceberg for storage: the raw events of the
ingested snapshot are read once into an in-memory DuckDB (the run's workbench), the projection
SQL runs there, each projection's rows are committed to its Iceberg table, the checks run over
those commits, and a run whose blocking checks pass records a release (release.py) instead of
publishing a copy. There is no writer lock: concurrent runs (on other machines too) meet at the
catalog's commits, and each step retries its own conflicts.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from quizflow.settings import Settings
from quizflow.warehouse.check_scope import EVERYTHING
from quizflow.warehouse.checks import CheckResult, run_checks
from quizflow.warehouse.config import PipelineConfig
from quizflow.warehouse.duck import Say, first_row
from quizflow.warehouse.ingest import read_cursor
from quizflow.warehouse.lake.catalog import Lake, open_lake
from quizflow.warehouse.lake.ingest import (
    EVENTS,
    cursor_of,
    events_of,
    ingest_lake,
)
from quizflow.warehouse.lake.projections import apply_lake_projections, needs_work
from quizflow.warehouse.lake.read import snapshot_select
from quizflow.warehouse.lake.release import Release, latest_release, write_release
from quizflow.warehouse.lake.reviews import load_reviews
from quizflow.warehouse.lake.settings import lake_chunk_rows
from quizflow.warehouse.projections import PROJECTIONS_DIR, load_projections
from quizflow.warehouse.publish import PublishBlockedError
from quizflow.warehouse.run import RunSummary
from quizflow.warehouse.sqlfiles import schema_statements


def run_lake_pipeline(
    settings: Settings,
    url: str,
    *,
    config: PipelineConfig | None = None,
    projections_dir: Path = PROJECTIONS_DIR,
    rebuild: bool = False,
    checks: bool = True,
    full_checks: bool = False,
    say: Say | None = None,
) -> RunSummary:
    """Bring the lake up to date with the store at ``url`` and release it (see run_pipeline,
    whose contract this keeps: ``PublishBlockedError`` when a blocking check fails, and then
    readers keep the previous release)."""
    config = config or PipelineConfig.from_env()
    report = say or (lambda _message: None)
    started = time.monotonic()
    projections = load_projections(projections_dir)  # fail on a bad file before touching data
    chunk_rows = lake_chunk_rows()
    lake = open_lake(settings)
    try:
        report("ingesting new events into the lake")
        ingested = ingest_lake(
            lake,
            url,
            chunk_rows=chunk_rows,
            progress=lambda n, cursor: report(f"ingested {n:,} events (cursor {cursor})"),
        )
        report(f"ingested {ingested.events:,} events in {ingested.seconds:.1f}s")
        previous = latest_release(lake)
        con, events_snapshot, events = _workbench(lake, settings, config, previous)
        try:
            upto = read_cursor(con)
            if any(needs_work(lake, p, upto, rebuild=rebuild) for p in projections):
                _read_events(con)
            applied = apply_lake_projections(lake, con, projections, upto, rebuild=rebuild)
            for a in applied:
                report(f"projection {a.result.name}: {a.result.mode}, {a.result.rows:,} rows")
            results: list[CheckResult] = []
            if checks:
                report("running checks")
                scope = EVERYTHING if full_checks or rebuild else None
                results = run_checks(con, url, config, scope)
            row = first_row(con, "select full_checked_at from check_state where id = 1")
        finally:
            con.close()
        outcomes = [a.result for a in applied]
        blocked = [c for c in results if c.blocks_publishing]
        if blocked:
            summary = RunSummary(ingested, outcomes, None, time.monotonic() - started, results)
            raise PublishBlockedError(blocked, summary)
        snapshots = {EVENTS: events_snapshot, **{a.result.name: a.snapshot_id for a in applied}}
        if any(a.ahead for a in applied):
            # A concurrent run built some projections past this run's events: a release of
            # both would not agree with itself. That run releases; readers keep the newest.
            report("a concurrent run is further along and releases its own tables")
            release = latest_release(lake) or Release(0, datetime.now(UTC), upto, 0, {})
        else:
            release = write_release(lake, upto, events, snapshots, row[0] if row else None)
    finally:
        lake.close()
    report(f"released {release.release_id} (cursor {release.cursor})")
    return RunSummary(
        ingested,
        outcomes,
        None,
        time.monotonic() - started,
        results,
        release=release.release_id or None,
    )


def _workbench(
    lake: Lake, settings: Settings, config: PipelineConfig, previous: Release | None
) -> tuple[duckdb.DuckDBPyConnection, int | None, int]:
    """An in-memory DuckDB with the warehouse's tables, the raw events of the lake's current
    events snapshot read into it once, and the cursor and check state that snapshot carries."""
    con = duckdb.connect()
    try:
        con.execute("set memory_limit = ?", [config.memory_limit])
        con.execute("set temp_directory = ?", [str(settings.home / "lake.tmp")])
        con.execute("set TimeZone = 'UTC'")
        for statement in schema_statements():
            con.execute(statement)
        table = lake.table(EVENTS)
        snapshot = table.current_snapshot() if table is not None else None
        if table is not None and snapshot is not None:
            # A view at first: the checks read only the columns and row groups their filters
            # leave (the files are in (tx, position) order). ``_read_events`` copies it in
            # when projections have work to do, which reads the events several times.
            con.execute("drop table events")
            select = snapshot_select(lake, con, table, snapshot.snapshot_id)
            con.execute(f"create view events as {select}")
        cursor, events = cursor_of(table), events_of(table)
        con.execute(
            "insert into ingest_checkpoint values (1, ?, ?, ?, now())",
            [cursor.tx, cursor.position, events],
        )
        load_reviews(lake, con)
        if previous is not None and previous.full_checked_at is not None:
            con.execute("insert into check_state values (1, ?)", [previous.full_checked_at])
    except BaseException:
        con.close()
        raise
    return con, (snapshot.snapshot_id if snapshot is not None else None), events


def _read_events(con: duckdb.DuckDBPyConnection) -> None:
    """Replace the ``events`` view by a copy in the workbench (one read of the files)."""
    kind = first_row(
        con, "select table_type from information_schema.tables where table_name = 'events'"
    )
    if kind and kind[0] == "VIEW":
        con.execute("create table qf_events_copy as select * from events")
        con.execute("drop view events")
        con.execute("alter table qf_events_copy rename to events")
