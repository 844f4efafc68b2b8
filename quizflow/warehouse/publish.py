"""Publishing a read-only snapshot of the warehouse for readers, once its checks pass.

How a snapshot is made without copying the warehouse is snapshot.py's; here are the entry
points that take the writer lock and refuse to publish what failed a blocking check.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from quizflow.warehouse.check_scope import check_scope
from quizflow.warehouse.checks import CheckResult, blocking_checks
from quizflow.warehouse.config import PipelineConfig
from quizflow.warehouse.duck import (
    PipelineError,
    Say,
    close_warehouse,
    connect_warehouse,
    writer_lock,
)
from quizflow.warehouse.snapshot import publish_snapshot

if TYPE_CHECKING:
    from quizflow.warehouse.run import RunSummary


class PublishBlockedError(PipelineError):
    """A check that guards correctness failed, so the snapshot was not published."""

    def __init__(self, failed: list[CheckResult], summary: RunSummary | None = None) -> None:
        self.failed = failed
        self.summary = summary  # the run's summary, when a whole run was blocked
        names = " and ".join(c.name for c in failed)
        plural = "s" if len(failed) > 1 else ""
        super().__init__(
            f"the {names} check{plural} failed, so nothing was published and readers keep "
            f"the previous snapshot: {'; '.join(c.description for c in failed)}"
        )


def publish_warehouse(
    warehouse_path: Path, published_path: Path, lock_timeout_s: float = 600.0
) -> Path:
    """Publish the warehouse at ``published_path`` atomically; return the published path."""
    # The lock keeps a run from writing the warehouse while we publish it.
    with writer_lock(warehouse_path, lock_timeout_s):
        config = PipelineConfig.from_env()
        return publish_snapshot(
            warehouse_path,
            published_path,
            grace_s=config.snapshot_grace_seconds,
            memory_limit=config.memory_limit,
        )


def publish_checked(
    warehouse_path: Path,
    published_path: Path,
    url: str,
    *,
    memory_limit: str = "600MB",
    lock_timeout_s: float = 600.0,
    say: Say | None = None,
) -> Path:
    """``publish_warehouse``, but only when the blocking checks (reconciliation with the store at
    ``url``, unique keys) pass on the warehouse as it is copied; ``PublishBlockedError``
    otherwise."""
    with writer_lock(warehouse_path, lock_timeout_s, say):
        con = connect_warehouse(warehouse_path, memory_limit)
        try:
            config = PipelineConfig.from_env()
            scope = check_scope(con, config.recent_check_events, config.full_check_seconds)
            results = blocking_checks(con, url, scope)
        except BaseException:
            con.close()
            raise
        close_warehouse(con, warehouse_path)
        failed = [c for c in results if c.blocks_publishing]
        if failed:
            raise PublishBlockedError(failed)
        return publish_snapshot(
            warehouse_path,
            published_path,
            grace_s=PipelineConfig.from_env().snapshot_grace_seconds,
            memory_limit=memory_limit,
            say=say,
        )
