"""Publishing a read-only snapshot of the warehouse for readers.

DuckDB allows one writing process or many reading ones, never both, so readers (notebooks,
reports, the CLI) never open the warehouse itself. After each successful run the closed (and
so checkpointed) warehouse file is copied to a temporary file beside the published one and
renamed over it. The rename is atomic: a reader opens either the old snapshot or the new one,
and a reader that holds the old one open keeps reading it undisturbed (its inode lives on).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from quizflow.warehouse.duck import writer_lock


def publish(warehouse_path: Path, published_path: Path, lock_timeout_s: float = 600.0) -> Path:
    """Copy the warehouse to ``published_path`` atomically; return the published path."""
    # The lock keeps a run from writing the warehouse while we copy it.
    with writer_lock(warehouse_path, lock_timeout_s):
        return copy_snapshot(warehouse_path, published_path)


def copy_snapshot(warehouse_path: Path, published_path: Path) -> Path:
    """``publish`` for a caller that already holds the writer lock and has closed the warehouse."""
    published_path.parent.mkdir(parents=True, exist_ok=True)
    wal = warehouse_path.with_name(warehouse_path.name + ".wal")
    if wal.exists():
        # Left by a killed process: opening replays it, closing checkpoints it into the file.
        duckdb.connect(str(warehouse_path)).close()
    for stale in published_path.parent.glob(f".{published_path.name}.*.tmp"):
        stale.unlink(missing_ok=True)  # from a publish that was killed mid-copy
    tmp = published_path.with_name(f".{published_path.name}.{os.getpid()}.tmp")
    shutil.copyfile(warehouse_path, tmp)
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, published_path)
    dir_fd = os.open(published_path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return published_path
