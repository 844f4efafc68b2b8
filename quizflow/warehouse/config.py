"""Pipeline knobs, with defaults that suit a laptop; each can be set from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class PipelineConfig:
    # Rows per DuckDB transaction. Large enough that DuckDB writes whole row groups straight to
    # the file (below ~122k rows it goes through the WAL and is written twice), small enough that
    # memory stays bounded whatever the backlog.
    chunk_rows: int = 500_000
    # DuckDB's own memory cap; it spills to a temp folder beyond it. Keeps the ingest under 1 GiB.
    memory_limit: str = "600MB"
    # A stream writing more events than this in any minute (of occurred_at) is flagged as runaway.
    runaway_events_per_minute: int = 120
    # Warn when the oldest event not yet in the warehouse was recorded longer ago than this.
    max_lag_seconds: float = 300.0
    # How long a run waits for another run holding the warehouse before giving up.
    lock_timeout_seconds: float = 600.0
    # How long a published file no snapshot reads any more is kept: a reader may keep one
    # connection to an older snapshot open this long (see docs/publishing.md).
    snapshot_grace_seconds: float = 3600.0
    # Each run's checks look at this many positions back; all events are checked at least this
    # often (see quizflow/warehouse/check_scope.py).
    recent_check_events: int = 100_000
    full_check_seconds: float = 86_400.0

    @classmethod
    def from_env(cls) -> PipelineConfig:
        defaults = cls()
        return cls(
            chunk_rows=int(os.environ.get("QUIZFLOW_INGEST_CHUNK_ROWS", defaults.chunk_rows)),
            memory_limit=os.environ.get("QUIZFLOW_DUCKDB_MEMORY_LIMIT", defaults.memory_limit),
            runaway_events_per_minute=int(
                os.environ.get(
                    "QUIZFLOW_RUNAWAY_EVENTS_PER_MINUTE", defaults.runaway_events_per_minute
                )
            ),
            max_lag_seconds=float(
                os.environ.get("QUIZFLOW_MAX_LAG_SECONDS", defaults.max_lag_seconds)
            ),
            lock_timeout_seconds=float(
                os.environ.get("QUIZFLOW_LOCK_TIMEOUT_SECONDS", defaults.lock_timeout_seconds)
            ),
            snapshot_grace_seconds=float(
                os.environ.get("QUIZFLOW_SNAPSHOT_GRACE_SECONDS", defaults.snapshot_grace_seconds)
            ),
            recent_check_events=int(
                os.environ.get("QUIZFLOW_RECENT_CHECK_EVENTS", defaults.recent_check_events)
            ),
            full_check_seconds=float(
                os.environ.get("QUIZFLOW_FULL_CHECK_SECONDS", defaults.full_check_seconds)
            ),
        )
