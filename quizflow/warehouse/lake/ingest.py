"""Pull new events from PostgreSQL into the lake's ``events`` Iceberg table, exactly once.

The same read as the DuckDB ingest (ADBC Arrow stream after the safe (tx, position) cursor)
and the same transformation (sql/duck/insert_events.sql, pseudonyms made on the way), run on a
scratch in-memory DuckDB. Each chunk is appended in one Iceberg commit that also moves the
cursor: the table property ``quizflow.ingest.cursor`` (and the snapshot summary, for the
record) is set in the same transaction as the data files are added, so a crash leaves the
table at a chunk boundary with the cursor that covers it.

Two ingests may run at once (two machines). Each commit requires the table's snapshot to be
the one its cursor was read from; the second to commit gets ``CommitFailedException``, reads the
table (and so the winner's cursor) again and reads PostgreSQL again from there. Nothing is
appended twice, nothing is skipped.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor

import duckdb
import pyarrow as pa
from pyiceberg.exceptions import CommitFailedException
from pyiceberg.table import Table

from quizflow.eventstore.types import START, Cursor
from quizflow.warehouse.ingest import IngestResult, Progress
from quizflow.warehouse.lake.catalog import Lake
from quizflow.warehouse.lake.columns import (
    COLUMNS_PROPERTY,
    columns_of,
    encode,
    stored_select,
)
from quizflow.warehouse.lake.settings import lake_chunk_rows
from quizflow.warehouse.source_events import (
    EventChunk,
    connect_source,
    event_chunks,
    read_events_after,
)
from quizflow.warehouse.sqlfiles import SQL_DIR, schema_statements, sql

log = logging.getLogger(__name__)

EVENTS = "events"
_EVENTS_SCHEMA = (SQL_DIR / "schema" / "01_events.sql").read_text()
CURSOR_PROPERTY = "quizflow.ingest.cursor"
COUNT_PROPERTY = "quizflow.ingest.events"
# Commit conflicts one ingest absorbs before giving up (each means another ingest moved on).
MAX_CONFLICTS = 50


def cursor_of(table: Table | None) -> Cursor:
    """The ingest cursor the table's current metadata holds (START: nothing ingested)."""
    text = table.properties.get(CURSOR_PROPERTY) if table is not None else None
    return Cursor.parse(text) if text else START


def events_of(table: Table | None) -> int:
    return int(table.properties.get(COUNT_PROPERTY, 0)) if table is not None else 0


def _scratch() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the warehouse's tables: the transformation's workbench."""
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    for statement in schema_statements():
        con.execute(statement)
    return con


def _events_table(lake: Lake, con: duckdb.DuckDBPyConnection) -> Table:
    table = lake.table(EVENTS)
    if table is None:
        query = stored_select("select * from events", columns_of(con, "select * from events"))
        table = lake.create_table(EVENTS, con.sql(query).to_arrow_table().schema)
    return table


def ingest_lake(
    lake: Lake, url: str, *, chunk_rows: int | None = None, progress: Progress | None = None
) -> IngestResult:
    """Append every safely readable event after the lake's cursor; return what was done.
    ``chunk_rows`` unset: ``lake_chunk_rows()``."""
    chunk_rows = chunk_rows or lake_chunk_rows()
    started = time.monotonic()
    con = _scratch()
    try:
        columns = columns_of(con, "select * from events")
        table = _events_table(lake, con)
        before = cursor_of(table)
        total = chunks = conflicts = 0
        while True:
            try:
                added, done = _ingest_from(con, table, url, columns, chunk_rows, progress, total)
                total += added
                chunks += done
                break
            except _Conflict as conflict:
                total += conflict.added
                chunks += conflict.chunks
                conflicts += 1
                if conflicts > MAX_CONFLICTS:
                    raise
                log.info("another ingest committed first; reading its cursor and going on")
                table = lake.table(EVENTS) or table
        return IngestResult(total, chunks, before, cursor_of(table), time.monotonic() - started)
    finally:
        con.close()


class _Conflict(CommitFailedException):
    def __init__(self, added: int, chunks: int) -> None:
        super().__init__(f"commit conflict after {chunks} chunks")
        self.added, self.chunks = added, chunks


def _ingest_from(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    url: str,
    columns: list[tuple[str, str]],
    chunk_rows: int,
    progress: Progress | None,
    before_total: int,
) -> tuple[int, int]:
    """One pass from the table's cursor to the end of the stream; ``_Conflict`` when another
    writer committed first (what this pass committed before that is counted in it)."""
    cursor = cursor_of(table)
    count = events_of(table)
    added = chunks = last_rows = 0
    conn = connect_source(url)
    try:
        with conn.cursor() as cur:
            reader = read_events_after(cur, con, cursor)
            # One commit in flight while the next chunk is transformed: pyarrow's Parquet
            # writer and the catalog's round trips release the GIL, as DuckDB does.
            with ThreadPoolExecutor(1, thread_name_prefix="lake-commit") as writer:
                pending: Future[Table] | None = None
                for chunk in event_chunks(reader, chunk_rows):
                    rows = _transformed(con, reader.schema, chunk, columns)
                    if pending is not None:
                        table = _committed(pending, added, chunks)
                        pending = None
                        added += last_rows
                        chunks += 1
                        if progress:
                            progress(before_total + added, cursor)
                    if chunk.end is None or not rows.num_rows:
                        continue
                    cursor = chunk.end
                    count += rows.num_rows
                    marks = {CURSOR_PROPERTY: str(cursor), COUNT_PROPERTY: str(count)}
                    summary = {**marks, COLUMNS_PROPERTY: encode(columns)}
                    pending = writer.submit(_commit, table, rows, marks, summary)
                    last_rows = rows.num_rows
                    del rows
                if pending is not None:
                    table = _committed(pending, added, chunks)
                    added += last_rows
                    chunks += 1
                    if progress:
                        progress(before_total + added, cursor)
    finally:
        conn.close()
    return added, chunks


def _transformed(
    con: duckdb.DuckDBPyConnection,
    schema: pa.Schema,
    batches: EventChunk,
    columns: list[tuple[str, str]],
) -> pa.Table:
    """One chunk through the ingest's transformation, as the rows the events table stores."""
    # A fresh table per chunk: deleting the previous chunk's rows would keep their memory.
    con.execute("drop table if exists events")
    con.execute(_EVENTS_SCHEMA)
    con.register("incoming_events", pa.RecordBatchReader.from_batches(schema, batches))
    try:
        con.execute(sql("duck/insert_events"))
    finally:
        con.unregister("incoming_events")
    # Insertion order is kept (DuckDB's preserve_insertion_order): the stream's (tx, position).
    return con.sql(stored_select("select * from events", columns)).to_arrow_table()


def _commit(table: Table, rows: pa.Table, marks: dict[str, str], summary: dict[str, str]) -> Table:
    """Rows and the cursor that covers them, in one Iceberg commit."""
    txn = table.transaction()
    txn.append(rows, snapshot_properties=summary)
    txn.set_properties(marks)
    return txn.commit_transaction()


def _committed(pending: Future[Table], added: int, chunks: int) -> Table:
    try:
        return pending.result()
    except CommitFailedException as error:
        raise _Conflict(added, chunks) from error
