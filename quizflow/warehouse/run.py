"""One pipeline run in this process: ingest, projections, checks, publish.

``quizflow pipeline run`` and the tests call ``run_pipeline``; the Dagster assets call the same
steps one by one (pipelines/). The whole run holds the writer lock, so runs started at the same
time (the sensor, a person) take turns instead of failing on DuckDB's file lock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from quizflow.settings import Settings
from quizflow.warehouse.checks import CheckResult, run_checks
from quizflow.warehouse.config import PipelineConfig
from quizflow.warehouse.duck import connect_warehouse, writer_lock
from quizflow.warehouse.ingest import IngestResult, ingest
from quizflow.warehouse.projections import (
    PROJECTIONS_DIR,
    ProjectionResult,
    apply_projections,
    load_projections,
)
from quizflow.warehouse.publish import copy_snapshot

Say = Callable[[str], None]


@dataclass(frozen=True)
class RunSummary:
    ingest: IngestResult
    projections: list[ProjectionResult]
    published: Path
    seconds: float
    checks: list[CheckResult] = field(default_factory=list)

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
            "published": str(self.published),
            "seconds": round(self.seconds, 3),
        }


def run_pipeline(
    settings: Settings,
    url: str,
    *,
    config: PipelineConfig | None = None,
    projections_dir: Path = PROJECTIONS_DIR,
    rebuild: bool = False,
    checks: bool = True,
    say: Say | None = None,
) -> RunSummary:
    """Bring the warehouse up to date with the store at ``url`` and publish it.

    ``url`` is used as given: in production the pipeline's read-only login
    (``quizflow.database.login_database_url("pipeline")``).
    """
    config = config or PipelineConfig.from_env()
    report = say or (lambda _message: None)
    started = time.monotonic()
    projections = load_projections(projections_dir)  # fail on a bad file before touching data
    with writer_lock(settings.warehouse_path, config.lock_timeout_seconds):
        con = connect_warehouse(settings.warehouse_path, config.memory_limit)
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
                results = run_checks(con, url, config)
        finally:
            con.close()
        published = copy_snapshot(settings.warehouse_path, settings.published_path)
    report(f"published {published}")
    return RunSummary(ingested, applied, published, time.monotonic() - started, results)
