"""The lake's side of `quizflow bench ingest --warehouse lake`: its ingest and rebuild, measured
in a child process each, on a lake of their own (a fresh catalog database and a fresh folder or
S3 prefix) so the figures never mix with a real lake's tables."""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

LAKE_MODES = ("lake-ingest", "lake-rebuild")


@contextmanager
def scratch_lake(
    server_url: str, scratch: Path, say: Callable[[str], None]
) -> Iterator[dict[str, str]]:
    """The environment that points a child at a lake of its own; dropped afterwards.

    Files go where ``QUIZFLOW_LAKE_WAREHOUSE`` says (S3 included), under a prefix of their own;
    unset, into ``scratch``. The catalog is a fresh database on the benchmark's server.
    """
    import os

    from quizflow.eventstore.admin import create_database, drop_database
    from quizflow.warehouse.lake.settings import configured_location

    tag = uuid.uuid4().hex[:8]
    name = f"quizflow_bench_lake_{os.getpid()}_{tag}"
    catalog_url = create_database(server_url, name)
    configured = configured_location()
    location = f"{configured.rstrip('/')}/bench-{tag}" if configured else str(scratch / "lake")
    say(f"the lake: {location}, its catalog in database {name} (dropped afterwards)")
    try:
        yield {"QUIZFLOW_LAKE_CATALOG_URL": catalog_url, "QUIZFLOW_LAKE_WAREHOUSE": location}
    finally:
        drop_database(server_url, name)


@contextmanager
def _timed_commits() -> Iterator[list[float]]:
    """Every Iceberg commit's seconds while inside: the lake's write latency, as readers wait
    for it (the commit is one catalog transaction and one metadata file)."""
    from pyiceberg.table import Transaction

    seconds: list[float] = []
    commit = Transaction.commit_transaction

    def timed(self: Transaction) -> Any:
        started = time.monotonic()
        try:
            return commit(self)
        finally:
            seconds.append(time.monotonic() - started)

    Transaction.commit_transaction = timed  # type: ignore[method-assign]
    try:
        yield seconds
    finally:
        Transaction.commit_transaction = commit  # type: ignore[method-assign]


def commit_figures(seconds: list[float]) -> dict[str, Any]:
    if not seconds:
        return {"commits": 0, "median_ms": None, "max_ms": None}
    return {
        "commits": len(seconds),
        "median_ms": round(statistics.median(seconds) * 1000, 1),
        "max_ms": round(max(seconds) * 1000, 1),
    }


def measure_lake(mode: str, url: str, scratch: Path) -> dict[str, Any]:
    """One lake measurement (``lake-ingest`` or ``lake-rebuild``) in this process."""
    from quizflow.settings import Settings
    from quizflow.warehouse.config import PipelineConfig
    from quizflow.warehouse.lake.catalog import open_lake
    from quizflow.warehouse.lake.ingest import ingest_lake
    from quizflow.warehouse.lake.run import run_lake_pipeline

    settings = Settings(home=scratch / "lake-home", database_url=url)
    settings.home.mkdir(parents=True, exist_ok=True)
    config = PipelineConfig.from_env()
    started = time.monotonic()
    if mode == "lake-ingest":
        lake = open_lake(settings)
        try:
            with _timed_commits() as commits:
                events = ingest_lake(lake, url).events
        finally:
            lake.close()
        return {
            "mode": mode,
            "events": events,
            "seconds": time.monotonic() - started,
            "commit": commit_figures(commits),
        }
    summary = run_lake_pipeline(settings, url, config=config, rebuild=True, checks=False)
    return {
        "mode": mode,
        "events": _lake_events(settings),
        "seconds": time.monotonic() - started,
        "projections_s": {p.name: round(p.seconds, 2) for p in summary.projections},
    }


def _lake_events(settings: Any) -> int:
    from quizflow.warehouse.lake.catalog import open_lake
    from quizflow.warehouse.lake.ingest import EVENTS, events_of

    lake = open_lake(settings)
    try:
        return events_of(lake.table(EVENTS))
    finally:
        lake.close()
