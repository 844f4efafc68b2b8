"""Pull new events from PostgreSQL into the warehouse's raw ``events`` table.

The transfer is the ADBC PostgreSQL driver's Arrow record-batch stream (measured fastest here,
with bounded memory), read after the store's safe (tx, position) cursor. The stream is cut into
chunks of ``chunk_rows``; each chunk's rows and the cursor of its last row are committed in one
DuckDB transaction, so a crash at any point leaves the warehouse at a chunk boundary: the next
run resumes from the committed cursor and no event is lost or stored twice.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import adbc_driver_postgresql.dbapi as adbc
import duckdb
import pyarrow as pa

from quizflow.eventstore.types import START, Cursor
from quizflow.warehouse.duck import first_row, rollback
from quizflow.warehouse.sqlfiles import sql

Progress = Callable[[int, Cursor], None]


class SourceUnavailableError(RuntimeError):
    """PostgreSQL could not be reached or read; nothing was written for the failed chunk."""


@dataclass(frozen=True)
class IngestResult:
    events: int
    chunks: int
    cursor_before: Cursor
    cursor: Cursor
    seconds: float

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


def read_cursor(con: duckdb.DuckDBPyConnection) -> Cursor:
    row = first_row(con, sql("duck/read_cursor"))
    return Cursor(int(row[0]), int(row[1])) if row else START


def _redacted(url: str) -> str:
    # Keep the host and database for the message, never a password.
    _, sep, tail = url.partition("@")
    return f"postgresql://…@{tail}" if sep else url


def connect_source(url: str) -> Any:
    """An autocommit ADBC connection as ``url`` says: the pipeline's read-only login
    (``login_database_url("pipeline")``)."""
    try:
        return adbc.connect(url, autocommit=True)
    except Exception as error:
        raise SourceUnavailableError(
            f"cannot reach PostgreSQL at {_redacted(url)}: {error}"
        ) from error


_DONE = object()


def _prefetched(reader: pa.RecordBatchReader, depth: int = 2) -> Iterator[pa.RecordBatch]:
    """The reader's batches, read ahead by a thread while DuckDB writes the previous ones.

    Both sides release the GIL, so PostgreSQL's COPY decoding and DuckDB's compression overlap;
    ``depth`` bounds the batches held in memory (each ~16 MB).
    """
    slots: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def pump() -> None:
        try:
            for batch in reader:
                while not stop.is_set():
                    try:
                        slots.put(batch, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            slots.put(_DONE)
        except BaseException as error:  # handed to the consumer, which raises it
            slots.put(error)

    thread = threading.Thread(target=pump, name="ingest-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item = slots.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise SourceUnavailableError(f"reading events failed: {item}") from item
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)


def _chunks(
    batches: Iterator[pa.RecordBatch], chunk_rows: int
) -> Iterator[Iterator[pa.RecordBatch]]:
    """Split one batch stream into consecutive sub-streams of at least ``chunk_rows`` rows."""
    head: pa.RecordBatch | None = next(batches, None)

    def chunk() -> Iterator[pa.RecordBatch]:
        nonlocal head
        rows = 0
        while head is not None and rows < chunk_rows:
            batch, head = head, None
            rows += batch.num_rows
            yield batch
            head = next(batches, None)

    while head is not None:
        yield chunk()


class _LastBatch:
    """Passes batches through, remembering the last non-empty one."""

    def __init__(self, batches: Iterator[pa.RecordBatch]) -> None:
        self._batches = batches
        self.last: pa.RecordBatch | None = None

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        for batch in self._batches:
            if batch.num_rows:
                self.last = batch
            yield batch


def read_events_after(cur: Any, con: duckdb.DuckDBPyConnection, after: Cursor) -> Any:
    """The source's events after ``after`` as an Arrow stream in (tx, position) order, read
    through the ADBC cursor ``cur``; the pseudonym pads it needs are loaded into ``con`` first.
    ``SourceUnavailableError`` when PostgreSQL cannot be read."""
    try:
        cur.execute(sql("pg/pseudonym_pads"))
        _pseudonyms(con, cur.fetchone())
        cur.execute(sql("pg/set_cursor"), parameters=(str(after.tx), str(after.position)))
        cur.fetchall()
        cur.execute(sql("pg/read_events"))
        return cur.fetch_record_batch()
    except Exception as error:
        raise SourceUnavailableError(f"reading events failed: {error}") from error


def ingest(
    con: duckdb.DuckDBPyConnection,
    url: str,
    *,
    chunk_rows: int = 500_000,
    progress: Progress | None = None,
) -> IngestResult:
    """Copy every safely readable event after the warehouse's cursor; return what was done."""
    started = time.monotonic()
    before = read_cursor(con)
    cursor, total, chunks = before, 0, 0
    conn = connect_source(url)
    try:
        with conn.cursor() as cur:
            reader = read_events_after(cur, con, before)
            for chunk in _chunks(_prefetched(reader), chunk_rows):
                tracked = _LastBatch(chunk)
                stream = pa.RecordBatchReader.from_batches(reader.schema, tracked)
                con.execute("begin")
                try:
                    inserted = _insert(con, stream)
                    if inserted and tracked.last is not None:
                        # The stream is in (tx, position) order: the chunk ends at its last row.
                        cursor = Cursor(
                            int(tracked.last.column("tx")[-1].as_py()),
                            int(tracked.last.column("position")[-1].as_py()),
                        )
                        _write_cursor(con, cursor, inserted)
                    con.execute("commit")
                except BaseException:
                    rollback(con)
                    raise
                total += inserted
                chunks += 1
                if progress:
                    progress(total, cursor)
    finally:
        conn.close()
    return IngestResult(total, chunks, before, cursor, time.monotonic() - started)


def _pseudonyms(con: duckdb.DuckDBPyConnection, pads: tuple[bytes, bytes] | None) -> None:
    """``qf_pseudonym(id)`` on this connection: HMAC-SHA-256 of the id under the store's
    pseudonym key (as quizflow.privacy.pseudonyms). The key stays in session variables and a
    temporary macro: never in the warehouse file."""
    if pads is None:
        raise SourceUnavailableError("the store has no pseudonym key (is it migrated?)")
    con.execute("set variable qf_inner_pad = ?::blob", [bytes(pads[0])])
    con.execute("set variable qf_outer_pad = ?::blob", [bytes(pads[1])])
    con.execute(sql("duck/pseudonym_macro"))


def _insert(con: duckdb.DuckDBPyConnection, stream: pa.RecordBatchReader) -> int:
    con.register("incoming_events", stream)
    try:
        row = first_row(con, sql("duck/insert_events"))
    finally:
        con.unregister("incoming_events")
    return int(row[0]) if row else 0


def _write_cursor(con: duckdb.DuckDBPyConnection, cursor: Cursor, added: int) -> None:
    con.execute(
        sql("duck/write_cursor"),
        {"tx": cursor.tx, "position": cursor.position, "added": added, "now": datetime.now(UTC)},
    )
