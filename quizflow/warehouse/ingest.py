"""Pull new events from PostgreSQL into the warehouse's raw ``events`` table.

The transfer is the ADBC PostgreSQL driver's Arrow record-batch stream (bounded memory), read
after the store's safe (tx, position) cursor (source_events.py). The stream is cut into
chunks of ``chunk_rows``; each chunk's rows and the cursor of its last row are committed in one
DuckDB transaction, so a crash at any point leaves the warehouse at a chunk boundary: the next
run resumes from the committed cursor and no event is lost or stored twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import pyarrow as pa

from quizflow.eventstore.types import START, Cursor
from quizflow.warehouse.duck import first_row, rollback
from quizflow.warehouse.source_events import connect_source, event_chunks, read_events_after
from quizflow.warehouse.sqlfiles import sql

Progress = Callable[[int, Cursor], None]


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
            for chunk in event_chunks(reader, chunk_rows):
                stream = pa.RecordBatchReader.from_batches(reader.schema, chunk)
                con.execute("begin")
                try:
                    inserted = _insert(con, stream)
                    if inserted and chunk.end is not None:
                        cursor = chunk.end
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
