"""The source's events after a cursor, as both ingests (DuckDB and lake) read them.

PostgreSQL's events come as the ADBC driver's Arrow record-batch stream, in (tx, position)
order, read after the store's safe cursor; pseudonyms are made on the way with the store's key.
A thread reads the stream ahead while the ingest writes, and the stream is cut into chunks of
at least ``chunk_rows`` rows; once a chunk has been read, it knows the cursor of its last row,
which is where the ingest's cursor moves when the chunk is committed.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterator
from typing import Any

import adbc_driver_postgresql.dbapi as adbc
import duckdb
import pyarrow as pa

from quizflow.eventstore.types import Cursor
from quizflow.warehouse.sqlfiles import sql


class SourceUnavailableError(RuntimeError):
    """PostgreSQL could not be reached or read; nothing was written for the failed chunk."""


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


def _pseudonyms(con: duckdb.DuckDBPyConnection, pads: tuple[bytes, bytes] | None) -> None:
    """``qf_pseudonym(id)`` on this connection: HMAC-SHA-256 of the id under the store's
    pseudonym key (as quizflow.privacy.pseudonyms). The key stays in session variables and a
    temporary macro: never in the warehouse file."""
    if pads is None:
        raise SourceUnavailableError("the store has no pseudonym key (is it migrated?)")
    con.execute("set variable qf_inner_pad = ?::blob", [bytes(pads[0])])
    con.execute("set variable qf_outer_pad = ?::blob", [bytes(pads[1])])
    con.execute(sql("duck/pseudonym_macro"))


class EventChunk:
    """Consecutive batches of the stream; once they have been read, ``end`` is the cursor of
    the chunk's last event (None: the chunk had no rows)."""

    def __init__(self, batches: Iterator[pa.RecordBatch]) -> None:
        self._batches = batches
        self._last: pa.RecordBatch | None = None

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        for batch in self._batches:
            if batch.num_rows:
                self._last = batch
            yield batch

    @property
    def end(self) -> Cursor | None:
        if self._last is None:
            return None
        # The stream is in (tx, position) order: the chunk ends at its last row.
        return Cursor(
            int(self._last.column("tx")[-1].as_py()),
            int(self._last.column("position")[-1].as_py()),
        )


def event_chunks(reader: pa.RecordBatchReader, chunk_rows: int) -> Iterator[EventChunk]:
    """``reader``'s batches, read ahead, as consecutive chunks of at least ``chunk_rows`` rows.
    Each chunk must be read to its end before the next is asked for (``RuntimeError``
    otherwise: its rows would be lost). ``SourceUnavailableError`` when reading fails."""
    batches = _read_ahead(reader)
    head: pa.RecordBatch | None = next(batches, None)
    read_to_end = True

    def chunk() -> Iterator[pa.RecordBatch]:
        nonlocal head, read_to_end
        rows = 0
        while head is not None and rows < chunk_rows:
            batch, head = head, None
            rows += batch.num_rows
            yield batch
            head = next(batches, None)
        read_to_end = True

    try:
        while head is not None:
            read_to_end = False
            yield EventChunk(chunk())
            if not read_to_end:
                raise RuntimeError("an event chunk was left unread: read each one to its end")
    finally:
        batches.close()


_DONE = object()


def _read_ahead(
    reader: pa.RecordBatchReader, depth: int = 2
) -> Generator[pa.RecordBatch, None, None]:
    """The reader's batches, read ahead by a thread while the ingest writes the previous ones.

    Both sides release the GIL, so PostgreSQL's COPY decoding and the writer's work overlap;
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
