"""Opening the DuckDB warehouse (one writer at a time) and the published snapshot (readers).

DuckDB lets one process write a file, or many read it, never both. The pipeline is the only
writer of ``warehouse.duckdb``, and several pipeline runs (the Dagster sensor, a manual
``quizflow pipeline run``) may start at once, so writers first take an exclusive lock file and
wait their turn instead of failing on DuckDB's lock. Readers never open the warehouse: they open
the published copy (see publish.py).
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from quizflow.warehouse.sqlfiles import schema_statements


class WarehouseBusyError(RuntimeError):
    """Another pipeline run held the warehouse longer than we were willing to wait."""


@contextmanager
def writer_lock(warehouse_path: Path, timeout_s: float = 600.0) -> Iterator[None]:
    lock_path = warehouse_path.with_name(warehouse_path.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise WarehouseBusyError(
                        f"another pipeline run has held {warehouse_path} for over {timeout_s:.0f}s"
                    ) from None
                time.sleep(0.2)
        yield
    finally:
        # Closing the descriptor releases the lock, also when the process is killed.
        os.close(fd)


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


@contextmanager
def open_warehouse(
    path: Path, memory_limit: str = "600MB", lock_timeout_s: float = 600.0
) -> Iterator[duckdb.DuckDBPyConnection]:
    """The warehouse for writing, under the writer lock; always closed (and so checkpointed)."""
    with writer_lock(path, lock_timeout_s):
        con = connect_warehouse(path, memory_limit)
        try:
            yield con
        finally:
            con.close()


def open_published(path: Path) -> duckdb.DuckDBPyConnection:
    """The published snapshot, read-only: any number of readers, never in the pipeline's way.
    Times read in UTC, as the warehouse writes them. Use it in a ``with`` to close it."""
    if not path.exists():
        raise FileNotFoundError(
            f"no published snapshot at {path} yet: run `quizflow pipeline run` first"
        )
    con = duckdb.connect(str(path), read_only=True)
    con.execute("set TimeZone = 'UTC'")
    return con


def first_row(
    con: duckdb.DuckDBPyConnection, query: str, params: object = None
) -> tuple[Any, ...] | None:
    """The first row of a query, or None. Fetches everything: with DuckDB 2 an unfinished
    result (``fetchone`` on a query) keeps the connection busy for the next statement."""
    rows = con.execute(query, params).fetchall()
    return rows[0] if rows else None
