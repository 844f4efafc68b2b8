"""Pipeline knobs, with defaults that suit a laptop; each can be set from the environment."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field

from quizflow.env_settings import EnvironmentSettings, read_environment


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
        """The knobs set in the environment now, the defaults above for the rest;
        ``SettingError`` (one sentence) for a bad value."""
        return cls(**read_environment(_Environment).model_dump(exclude_none=True))


_ROWS = "a whole number of 1 or more"
_SECONDS = "a number of seconds, 0 or more"


class _Environment(EnvironmentSettings):
    # Unset stays None: PipelineConfig's defaults apply.
    chunk_rows: int | None = Field(
        None, ge=1, validation_alias="QUIZFLOW_INGEST_CHUNK_ROWS", description=_ROWS
    )
    memory_limit: str | None = Field(None, validation_alias="QUIZFLOW_DUCKDB_MEMORY_LIMIT")
    runaway_events_per_minute: int | None = Field(
        None, ge=1, validation_alias="QUIZFLOW_RUNAWAY_EVENTS_PER_MINUTE", description=_ROWS
    )
    max_lag_seconds: float | None = Field(
        None, ge=0, validation_alias="QUIZFLOW_MAX_LAG_SECONDS", description=_SECONDS
    )
    lock_timeout_seconds: float | None = Field(
        None, ge=0, validation_alias="QUIZFLOW_LOCK_TIMEOUT_SECONDS", description=_SECONDS
    )
    snapshot_grace_seconds: float | None = Field(
        None, ge=0, validation_alias="QUIZFLOW_SNAPSHOT_GRACE_SECONDS", description=_SECONDS
    )
    recent_check_events: int | None = Field(
        None, ge=1, validation_alias="QUIZFLOW_RECENT_CHECK_EVENTS", description=_ROWS
    )
    full_check_seconds: float | None = Field(
        None, ge=0, validation_alias="QUIZFLOW_FULL_CHECK_SECONDS", description=_SECONDS
    )
