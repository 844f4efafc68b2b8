"""Opening the DuckDB warehouse (one writer at a time) and the published snapshot (readers).

DuckDB lets one process write a file, or many read it, never both. The pipeline is the only
writer of ``warehouse.duckdb``, and several pipeline runs (the Dagster sensor, a manual
``quizflow pipeline run``) may start at once, so writers first take an exclusive lock file and
wait their turn instead of failing on DuckDB's lock. A run that finds the lock taken says so at
once, and again every ``WAIT_REPORT_S`` while it waits. Readers never open the warehouse: they
open the published copy (see publish.py).

Writes that fail must fail the run. DuckDB's ``close`` checkpoints the write-ahead log into the
file but swallows a failure there (a full disk leaves the changes in the log only), so writers
checkpoint explicitly before closing (``close_warehouse``).
"""

from __future__ import annotations

import errno
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
from filelock import FileLock, Timeout

from quizflow.warehouse.sqlfiles import schema_statements

log = logging.getLogger(__name__)

Say = Callable[[str], None]

# While waiting for another run's lock, say so this often.
WAIT_REPORT_S = 10.0


class PipelineError(RuntimeError):
    """A pipeline run failed; the message is a sentence for the person who started it."""


class WarehouseBusyError(PipelineError):
    """Another pipeline run held the warehouse longer than we were willing to wait."""


class WarehouseWriteError(PipelineError):
    """Writing the warehouse or the published snapshot failed (a full disk, most likely)."""


def wal_path(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def lock_path(warehouse_path: Path) -> Path:
    return warehouse_path.with_name(warehouse_path.name + ".lock")


def _holder_path(warehouse_path: Path) -> Path:
    return warehouse_path.with_name(warehouse_path.name + ".lock.holder")


def _first_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return (lines[0] if lines else type(error).__name__).rstrip(".")


def _disk_full(error: BaseException) -> bool:
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        return True
    text = str(error).lower()
    return any(
        sign in text
        for sign in ("no space left", "file too large", "disk quota", "could not write")
    )


def write_error(what: str, error: BaseException) -> WarehouseWriteError:
    """A ``WarehouseWriteError`` saying what could not be written and why, in one sentence."""
    hint = " (is the disk full?)" if _disk_full(error) else ""
    return WarehouseWriteError(f"could not write {what}{hint}: {_first_line(error)}")


def _holder(warehouse_path: Path) -> str:
    """Who holds the lock, as far as its holder wrote it down (best effort)."""
    try:
        info = json.loads(_holder_path(warehouse_path).read_text())
        pid, since = int(info["pid"]), str(info["since"])
        os.kill(pid, 0)  # still alive? (a killed holder leaves its note behind)
    except (OSError, ValueError, KeyError, TypeError):
        return ""
    return f" (pid {pid}, since {since})"


def _note_holder(warehouse_path: Path) -> None:
    note = {
        "pid": os.getpid(),
        "since": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(sys.argv)[:200],
    }
    # Only used for the waiting message: a full disk must not stop the run here.
    with suppress(OSError):
        _holder_path(warehouse_path).write_text(json.dumps(note))


@contextmanager
def writer_lock(
    warehouse_path: Path, timeout_s: float = 600.0, say: Say | None = None
) -> Iterator[None]:
    """Hold the warehouse's writer lock. When another run holds it, say so at once, then
    every ``WAIT_REPORT_S`` while waiting; give up with ``WarehouseBusyError`` after
    ``timeout_s``. The lock is an flock: a killed holder releases it with its process."""
    report = say or log.warning
    path = lock_path(warehouse_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(path, thread_local=False)
    try:
        lock.acquire(blocking=False)
    except Timeout:
        started = time.monotonic()
        report(
            f"another pipeline run is in progress{_holder(warehouse_path)}; waiting up to "
            f"{timeout_s:.0f}s for it to finish (QUIZFLOW_LOCK_TIMEOUT_SECONDS)"
        )
        while True:
            remaining = timeout_s - (time.monotonic() - started)
            if remaining <= 0:
                raise WarehouseBusyError(
                    f"another pipeline run{_holder(warehouse_path)} has held the warehouse "
                    f"{warehouse_path} for over {timeout_s:.0f}s; this run gave up without "
                    "changing anything (set QUIZFLOW_LOCK_TIMEOUT_SECONDS to wait longer)"
                ) from None
            try:
                lock.acquire(timeout=min(WAIT_REPORT_S, remaining), poll_interval=0.1)
                break
            except Timeout:
                waited = time.monotonic() - started
                if waited < timeout_s:
                    report(
                        f"still waiting for the other pipeline run ({waited:.0f}s of "
                        f"{timeout_s:.0f}s)"
                    )
        report("the other pipeline run finished; going on")
    try:
        _note_holder(warehouse_path)
        yield
    finally:
        _holder_path(warehouse_path).unlink(missing_ok=True)
        lock.release()


def connect_warehouse(path: Path, memory_limit: str = "600MB") -> duckdb.DuckDBPyConnection:
    """A read-write connection with the warehouse schema in place. Callers must close it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        con.execute("set memory_limit = ?", [memory_limit])
        # Spill next to the warehouse rather than in the working directory.
        con.execute("set temp_directory = ?", [str(path.with_name(path.name + ".tmp"))])
        con.execute("set TimeZone = 'UTC'")
        for statement in schema_statements():
            con.execute(statement)
    except BaseException:
        con.close()
        raise
    return con


def close_warehouse(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Checkpoint the warehouse into its file and close it; ``WarehouseWriteError`` when the
    changes could not be written (they stay in the write-ahead log for the next run)."""
    try:
        con.execute("checkpoint")
    except duckdb.Error as error:
        con.close()
        raise write_error(f"the warehouse {path}", error) from error
    con.close()
    if wal_path(path).exists():
        raise WarehouseWriteError(
            f"could not write the warehouse {path}: its changes are still in the write-ahead "
            "log after the checkpoint (is the disk full?)"
        )


@contextmanager
def open_warehouse(
    path: Path,
    memory_limit: str = "600MB",
    lock_timeout_s: float = 600.0,
    say: Say | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """The warehouse for writing, under the writer lock; always closed. When the body
    succeeds it is checkpointed first, and a failed write raises ``WarehouseWriteError``."""
    with writer_lock(path, lock_timeout_s, say):
        con = connect_warehouse(path, memory_limit)
        try:
            yield con
        except BaseException:
            con.close()
            raise
        close_warehouse(con, path)


def open_published(path: Path) -> duckdb.DuckDBPyConnection:
    """The published snapshot, read-only: any number of readers, never in the pipeline's way.
    Times read in UTC, as the warehouse writes them. Use it in a ``with`` to close it.

    In the lake mode (``QUIZFLOW_WAREHOUSE=lake``) there is no published file: this opens the
    lake's newest release instead (``path`` is not read; docs/lakehouse.md)."""
    from quizflow.warehouse.lake.settings import warehouse_mode

    if warehouse_mode() == "lake":
        from quizflow.warehouse.lake.reader import open_release

        return open_release()
    if not path.exists():
        raise FileNotFoundError(
            f"no published snapshot at {path} yet: run `quizflow pipeline run` first"
        )
    con = duckdb.connect(str(path), read_only=True)
    con.execute("set TimeZone = 'UTC'")
    return con


def rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back the open transaction, if there still is one: a failed ``commit`` (a full
    disk) has ended it already, and the error of a second rollback would hide the first."""
    with suppress(duckdb.Error):
        con.execute("rollback")


def first_row(
    con: duckdb.DuckDBPyConnection, query: str, params: object = None
) -> tuple[Any, ...] | None:
    """The first row of a query, or None. Fetches everything: with DuckDB 2 an unfinished
    result (``fetchone`` on a query) keeps the connection busy for the next statement."""
    rows = con.execute(query, params).fetchall()
    return rows[0] if rows else None
