"""Publishing a read-only snapshot of the warehouse for readers.

DuckDB allows one writing process or many reading ones, never both, so readers (notebooks,
reports, the CLI) never open the warehouse itself. After each successful run the closed (and
so checkpointed) warehouse file is copied to a temporary file beside the published one and
renamed over it. The rename is atomic: a reader opens either the old snapshot or the new one,
and a reader that holds the old one open keeps reading it undisturbed (its inode lives on).

Nothing half-written is published: the copy is checked (its size, and that DuckDB opens it)
before the rename, and a failed write leaves the previous snapshot in place. Nothing that
failed a blocking check is published either (``publish_checked``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from quizflow.warehouse.checks import CheckResult, blocking_checks
from quizflow.warehouse.duck import (
    PipelineError,
    Say,
    close_warehouse,
    connect_warehouse,
    first_row,
    wal_path,
    write_error,
    writer_lock,
)

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


def publish(warehouse_path: Path, published_path: Path, lock_timeout_s: float = 600.0) -> Path:
    """Copy the warehouse to ``published_path`` atomically; return the published path."""
    # The lock keeps a run from writing the warehouse while we copy it.
    with writer_lock(warehouse_path, lock_timeout_s):
        return copy_snapshot(warehouse_path, published_path)


def publish_checked(
    warehouse_path: Path,
    published_path: Path,
    url: str,
    *,
    memory_limit: str = "600MB",
    lock_timeout_s: float = 600.0,
    say: Say | None = None,
) -> Path:
    """``publish``, but only when the blocking checks (reconciliation with the store at
    ``url``, unique keys) pass on the warehouse as it is copied; ``PublishBlockedError``
    otherwise."""
    with writer_lock(warehouse_path, lock_timeout_s, say):
        con = connect_warehouse(warehouse_path, memory_limit)
        try:
            results = blocking_checks(con, url)
        except BaseException:
            con.close()
            raise
        close_warehouse(con, warehouse_path)
        failed = [c for c in results if c.blocks_publishing]
        if failed:
            raise PublishBlockedError(failed)
        return copy_snapshot(warehouse_path, published_path)


def copy_snapshot(warehouse_path: Path, published_path: Path) -> Path:
    """``publish`` for a caller that already holds the writer lock and has closed the warehouse.

    Raises ``WarehouseWriteError`` when the copy cannot be written whole; the published
    snapshot is then the previous one (or none), never a partial copy."""
    if wal_path(warehouse_path).exists():
        # Left by a killed process or a failed checkpoint: opening replays it, and the
        # checkpoint writes it into the file (or raises: the file alone would be stale).
        close_warehouse(duckdb.connect(str(warehouse_path)), warehouse_path)
    tmp = published_path.with_name(f".{published_path.name}.{os.getpid()}.tmp")
    try:
        published_path.parent.mkdir(parents=True, exist_ok=True)
        for stale in published_path.parent.glob(f".{published_path.name}.*.tmp"):
            stale.unlink(missing_ok=True)  # from a publish that was killed mid-copy
        shutil.copyfile(warehouse_path, tmp)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        expected, copied = warehouse_path.stat().st_size, tmp.stat().st_size
        if copied != expected:
            raise OSError(f"only {copied:,} of {expected:,} bytes were copied")
        _check_opens(tmp)
    except (OSError, duckdb.Error) as error:
        tmp.unlink(missing_ok=True)
        raise write_error(f"the snapshot {published_path}", error) from error
    os.replace(tmp, published_path)
    dir_fd = os.open(published_path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return published_path


def _check_opens(path: Path) -> None:
    """DuckDB opens the copy and reads its catalog (a torn copy fails here)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        first_row(con, "select count(*) from duckdb_tables()")
    finally:
        con.close()
