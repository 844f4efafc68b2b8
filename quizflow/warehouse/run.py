"""One pipeline run in this process: ingest, projections, checks, publish.

``quizflow pipeline run`` and the tests call ``run_pipeline``; the Dagster assets call the same
steps one by one (pipelines/). The whole run holds the writer lock, so runs started at the same
time (the sensor, a person) take turns instead of failing on DuckDB's file lock.

A run never reports success it did not have: a failed write (a full disk) raises
``WarehouseWriteError`` and a failed blocking check ``PublishBlockedError``; either way the
published snapshot stays the previous one.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from quizflow.settings import Settings
from quizflow.warehouse.check_scope import EVERYTHING
from quizflow.warehouse.checks import CheckResult, run_checks
from quizflow.warehouse.config import PipelineConfig
from quizflow.warehouse.duck import (
    PipelineError,
    Say,
    close_warehouse,
    connect_warehouse,
    write_error,
    writer_lock,
)
from quizflow.warehouse.ingest import IngestResult, ingest
from quizflow.warehouse.lake.settings import warehouse_mode
from quizflow.warehouse.projections import (
    PROJECTIONS_DIR,
    ProjectionResult,
    apply_projections,
    load_projections,
)
from quizflow.warehouse.publish import PublishBlockedError
from quizflow.warehouse.snapshot import publish_snapshot

__all__ = ["PublishBlockedError", "RunSummary", "Say", "run_pipeline"]


@dataclass(frozen=True)
class RunSummary:
    ingest: IngestResult
    projections: list[ProjectionResult]
    published: Path | None  # None: a blocking check failed, nothing was published
    seconds: float
    checks: list[CheckResult] = field(default_factory=list)
    release: int | None = None  # lake mode: the release readers now open (docs/lakehouse.md)

    @property
    def ok(self) -> bool:
        return all(c.passed or c.severity != "error" for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        ingest = asdict(self.ingest)
        ingest["cursor_before"] = str(self.ingest.cursor_before)
        ingest["cursor"] = str(self.ingest.cursor)
        return {
            "ok": self.ok,
            "ingest": ingest,
            "projections": [asdict(p) for p in self.projections],
            "checks": [c.to_dict() for c in self.checks],
            "published": str(self.published) if self.published else None,
            "seconds": round(self.seconds, 3),
            **({"release": self.release} if self.release is not None else {}),
        }


def run_pipeline(
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
    """Bring the warehouse up to date with the store at ``url`` and publish it (in the lake
    mode, ``QUIZFLOW_WAREHOUSE=lake``, the lake's run instead: quizflow/warehouse/lake/run.py).

    The checks look at the recent events, or at all of them when a full check is due, or
    ``full_checks`` or ``rebuild`` asks (check_scope.py).

    ``url`` is used as given: in production the pipeline's read-only login
    (``quizflow.database.login_database_url("pipeline")``).
    """
    try:
        mode = warehouse_mode()
    except ValueError as error:
        raise PipelineError(str(error)) from None
    if mode == "lake":
        from quizflow.warehouse.lake.run import run_lake_pipeline

        return run_lake_pipeline(
            settings,
            url,
            config=config,
            projections_dir=projections_dir,
            rebuild=rebuild,
            checks=checks,
            full_checks=full_checks,
            say=say,
        )
    config = config or PipelineConfig.from_env()
    report = say or (lambda _message: None)
    started = time.monotonic()
    projections = load_projections(projections_dir)  # fail on a bad file before touching data
    path = settings.warehouse_path
    with writer_lock(path, config.lock_timeout_seconds, report):
        try:
            con = connect_warehouse(path, config.memory_limit)
        except (duckdb.Error, OSError) as error:
            raise _unwritten(write_error(f"the warehouse {path}", error)) from error
        try:
            report("ingesting new events")
            ingested = ingest(
                con,
                url,
                chunk_rows=config.chunk_rows,
                progress=lambda n, cursor: report(f"ingested {n:,} events (cursor {cursor})"),
            )
            report(f"ingested {ingested.events:,} events in {ingested.seconds:.1f}s")
            applied = apply_projections(con, projections, rebuild=rebuild)
            for p in applied:
                report(f"projection {p.name}: {p.mode}, {p.rows:,} rows")
            results: list[CheckResult] = []
            if checks:
                report("running checks")
                # A rebuild rewrote every partition: check every event, as a full check would.
                scope = EVERYTHING if full_checks or rebuild else None
                results = run_checks(con, url, config, scope)
        except (duckdb.Error, OSError) as error:
            con.close()
            raise _unwritten(write_error(f"the warehouse {path}", error)) from error
        except BaseException:
            con.close()
            raise
        try:
            close_warehouse(con, path)
        except PipelineError as error:
            raise _unwritten(error) from error
        blocked = [c for c in results if c.blocks_publishing]
        if blocked:
            summary = RunSummary(ingested, applied, None, time.monotonic() - started, results)
            raise PublishBlockedError(blocked, summary)
        try:
            published = publish_snapshot(
                path,
                settings.published_path,
                projections=projections,
                full=rebuild,
                grace_s=config.snapshot_grace_seconds,
                memory_limit=config.memory_limit,
                say=report,
            )
        except PipelineError as error:
            raise _unwritten(error) from error
    report(f"published {published}")
    return RunSummary(ingested, applied, published, time.monotonic() - started, results)


def _unwritten(error: PipelineError) -> PipelineError:
    """The error, its message ending with what it means for readers."""
    return type(error)(
        f"{error}; nothing was published, readers keep the previous snapshot, and the next "
        "run carries on from what was committed"
    )
