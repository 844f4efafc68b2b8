"""The lake pipeline's steps one at a time, for Dagster's assets: project, check, release.

``run_lake_pipeline`` does them in one go. Dagster materialises them as separate assets (each
records what it wrote), so each step here opens the lake again and builds its own workbench
over the tables' current snapshots. The release step takes nothing on trust from the steps
before it: it checks that every projection covers the events' snapshot, runs the blocking
checks over exactly the snapshots it is about to release, and releases only when they pass
(``PublishBlockedError`` otherwise, and readers keep the previous release).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb

from quizflow.settings import Settings
from quizflow.warehouse.checks import CheckResult, run_checks
from quizflow.warehouse.config import PipelineConfig
from quizflow.warehouse.duck import PipelineError, first_row
from quizflow.warehouse.ingest import read_cursor
from quizflow.warehouse.lake.catalog import Lake, open_lake
from quizflow.warehouse.lake.ingest import EVENTS
from quizflow.warehouse.lake.projections import Applied, apply_lake_projections, needs_work
from quizflow.warehouse.lake.release import Release, latest_release, write_release
from quizflow.warehouse.lake.run import _read_events, _workbench
from quizflow.warehouse.projections import Projection
from quizflow.warehouse.publish import PublishBlockedError


class ProjectionsBehindError(PipelineError):
    """A release was asked for while some projection does not cover the ingested events."""


@dataclass(frozen=True)
class Workbench:
    lake: Lake
    con: duckdb.DuckDBPyConnection
    events_snapshot: int | None
    events: int


@contextmanager
def workbench(settings: Settings, config: PipelineConfig) -> Iterator[Workbench]:
    """The lake and an in-memory DuckDB over the events table's current snapshot; both closed
    afterwards."""
    lake = open_lake(settings)
    try:
        con, snapshot, events = _workbench(lake, settings, config, latest_release(lake))
        try:
            yield Workbench(lake, con, snapshot, events)
        finally:
            con.close()
    finally:
        lake.close()


@contextmanager
def projected(
    settings: Settings, config: PipelineConfig, projections: list[Projection]
) -> Iterator[tuple[Workbench, list[Applied]]]:
    """Bring every projection's table up to the events table's current snapshot; inside, each
    projection is a view on the workbench over the snapshot written."""
    with workbench(settings, config) as bench:
        upto = read_cursor(bench.con)
        if any(needs_work(bench.lake, p, upto) for p in projections):
            _read_events(bench.con)
        yield bench, apply_lake_projections(bench.lake, bench.con, projections, upto)


@contextmanager
def built_tables(
    settings: Settings, config: PipelineConfig, projections: list[Projection]
) -> Iterator[tuple[Workbench, list[Applied]]]:
    """A workbench with every projection as a view over its current snapshot, which covers the
    events' snapshot; ``ProjectionsBehindError`` when one does not (nothing is computed)."""
    with workbench(settings, config) as bench:
        upto = read_cursor(bench.con)
        behind = [p.name for p in projections if needs_work(bench.lake, p, upto)]
        if behind:
            raise ProjectionsBehindError(
                f"the lake's projections {', '.join(behind)} do not cover the ingested events"
                f" (cursor {upto}): materialise them first"
            )
        yield bench, apply_lake_projections(bench.lake, bench.con, projections, upto)


def release_lake(
    settings: Settings,
    url: str,
    config: PipelineConfig,
    projections: list[Projection],
    *,
    full_checks: bool = False,
) -> tuple[Release, list[CheckResult]]:
    """Run the checks over the tables' current snapshots and release exactly those snapshots
    when no blocking check fails (``PublishBlockedError`` otherwise)."""
    from quizflow.warehouse.check_scope import EVERYTHING

    with built_tables(settings, config, projections) as (bench, applied):
        upto = read_cursor(bench.con)
        results = run_checks(bench.con, url, config, EVERYTHING if full_checks else None)
        blocked = [c for c in results if c.blocks_publishing]
        if blocked:
            raise PublishBlockedError(blocked)
        row = first_row(bench.con, "select full_checked_at from check_state where id = 1")
        snapshots = {
            EVENTS: bench.events_snapshot,
            **{a.result.name: a.snapshot_id for a in applied},
        }
        release = write_release(bench.lake, upto, bench.events, snapshots, row[0] if row else None)
    return release, results
