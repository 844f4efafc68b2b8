"""The projection runner on the lake: the same SQL files, built by DuckDB, stored in Iceberg.

Each projection is one Iceberg table of the same name. Its state, the SQL hash and the ingest
cursor it covers (as in the DuckDB runner), are table properties set in the same commit as its
rows, so rows and state never disagree. A run, per projection (projections.py's rules):

- no table, a changed SQL hash, ``rebuild``, or a context event that names no partition: the
  select over all events replaces the table (a new table when its columns changed);
- otherwise the partitions with events after the table's cursor are recomputed from all their
  events and replace their old rows in one overwrite filtered on the partition column
  (pyiceberg rewrites only the data files holding rows of those partitions, copy-on-write);
- nothing new: nothing is written.

A concurrent run that committed the same table first makes the commit fail; the projection is
then done again from the state that run left (its cursor may already cover ours: unchanged).
"""

from __future__ import annotations

import logging
import time
import warnings
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa
from pyiceberg.exceptions import CommitFailedException
from pyiceberg.expressions import BooleanExpression, In
from pyiceberg.table import Table

from quizflow.eventstore.types import Cursor
from quizflow.warehouse.lake.catalog import Lake, replace_all_rows
from quizflow.warehouse.lake.columns import (
    _NATIVE,
    COLUMNS_PROPERTY,
    Columns,
    columns_of,
    decode,
    encode,
    stored_select,
)
from quizflow.warehouse.lake.read import snapshot_select
from quizflow.warehouse.normalise import register as register_functions
from quizflow.warehouse.projections import (
    QUARANTINE,
    Projection,
    ProjectionResult,
    _input_view,
    _quoted,
    _scope_types,
    context_changes_all,
    mark_touched,
)
from quizflow.warehouse.sqlfiles import sql

log = logging.getLogger(__name__)

HASH_PROPERTY = "quizflow.projection.sql-hash"
CURSOR_PROPERTY = "quizflow.projection.cursor"
MAX_CONFLICTS = 20
# A projection's rows are written sorted by its partition column, in files of about this many
# bytes (of Arrow data; a third or less on disk): each file then holds a narrow range of
# partitions, and an overwrite of a few partitions rewrites only the files whose range takes
# them in (pyiceberg skips the others by their min/max).
FILE_SIZE_PROPERTY = "write.target-file-size-bytes"
FILE_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Applied:
    result: ProjectionResult
    snapshot_id: int | None  # the table's snapshot holding these rows (None: never written)
    table: Table  # the table as this run left it
    ahead: bool = False  # a concurrent run already built it past this run's cursor


def apply_lake_projections(
    lake: Lake,
    con: duckdb.DuckDBPyConnection,
    projections: list[Projection],
    upto: Cursor,
    *,
    rebuild: bool = False,
) -> list[Applied]:
    """Bring every projection's table up to ``upto``, reading the raw events from ``con``'s
    ``events``. Afterwards each projection is a view on ``con`` over the snapshot written (the
    quarantine's makes ``valid_events`` for the others, and the checks read them)."""
    register_functions(con)
    applied = []
    for projection in projections:
        done = _apply_retrying(lake, con, projection, upto, rebuild)
        applied.append(done)
        con.execute(
            f"create or replace view {_quoted(projection.name)} as "
            + table_select(lake, con, done.table, done.snapshot_id)
        )
        if projection.name == QUARANTINE:
            con.execute(sql("duck/valid_events"))
    return applied


def needs_work(lake: Lake, p: Projection, upto: Cursor, *, rebuild: bool = False) -> bool:
    """Whether applying ``p`` up to ``upto`` would read any event (its table is missing, its
    SQL changed, or it covers less than ``upto``)."""
    table = lake.table(p.name)
    if rebuild or table is None or table.properties.get(HASH_PROPERTY) != p.sql_hash:
        return True
    return Cursor.parse(table.properties[CURSOR_PROPERTY]) < upto


def table_select(
    lake: Lake, con: duckdb.DuckDBPyConnection, table: Table, snapshot_id: int | None
) -> str:
    """The rows of ``table`` at ``snapshot_id`` (None: a table never written to: no rows)."""
    if snapshot_id is not None:
        return snapshot_select(lake, con, table, snapshot_id)
    from quizflow.warehouse.lake.columns import empty_select

    return empty_select(decode(table.properties[COLUMNS_PROPERTY]))


def _apply_retrying(
    lake: Lake, con: duckdb.DuckDBPyConnection, p: Projection, upto: Cursor, rebuild: bool
) -> Applied:
    for attempt in range(MAX_CONFLICTS + 1):
        try:
            return _apply(lake, con, p, upto, rebuild and attempt == 0)
        except CommitFailedException:
            if attempt == MAX_CONFLICTS:
                raise
            log.info("projection %s: another run committed first; applying it again", p.name)
    raise AssertionError("unreachable")


def _current(table: Table | None) -> int | None:
    snapshot = table.current_snapshot() if table is not None else None
    return snapshot.snapshot_id if snapshot is not None else None


def _apply(
    lake: Lake, con: duckdb.DuckDBPyConnection, p: Projection, upto: Cursor, rebuild: bool
) -> Applied:
    started = time.monotonic()
    table = lake.table(p.name)
    props = table.properties if table is not None else {}
    full = rebuild or table is None or props.get(HASH_PROPERTY) != p.sql_hash
    after = None if full else Cursor.parse(props[CURSOR_PROPERTY])
    if after is not None and after >= upto:
        assert table is not None
        unchanged = ProjectionResult(p.name, "unchanged", 0, _rows(table), 0.0)
        return Applied(unchanged, _current(table), table, ahead=after > upto)
    if after is not None and context_changes_all(con, p, after):
        after = None
    column = _quoted(p.partition)
    _scope_types(con, p)
    state = {HASH_PROPERTY: p.sql_hash, CURSOR_PROPERTY: str(upto)}
    columns = decode(props[COLUMNS_PROPERTY]) if after is not None else []
    partitions = 0
    if after is None:
        _input_view(con, p, touched_only=False)
        columns = columns_of(con, p.sql)
        rows = _sorted_rows(con, p, columns)
        table = _fresh_table(lake, p.name, table, columns, rows.schema)
        txn = replace_all_rows(table, rows, {COLUMNS_PROPERTY: encode(columns)})
    else:
        assert table is not None
        partitions = mark_touched(con, p, column, after)
        txn = table.transaction()
        if partitions:
            _input_view(con, p, touched_only=True)
            rows = _sorted_rows(con, p, columns)
            touched = _in(p.partition, _touched(con, columns, p.partition))
            written = {COLUMNS_PROPERTY: encode(columns)}
            with warnings.catch_warnings():
                # Partitions new to the table have no rows to delete: expected, not news.
                warnings.filterwarnings("ignore", "Delete operation did not match any records")
                if rows.num_rows:
                    txn.overwrite(rows, overwrite_filter=touched, snapshot_properties=written)
                else:  # no snapshot at all when there was nothing to delete either
                    txn.delete(touched, snapshot_properties=written)
    txn.set_properties({**state, COLUMNS_PROPERTY: encode(columns)})
    table = txn.commit_transaction()
    mode = "rebuild" if after is None else "incremental"
    result = ProjectionResult(p.name, mode, partitions, _rows(table), time.monotonic() - started)
    return Applied(result, _current(table), table)


def _sorted_rows(con: duckdb.DuckDBPyConnection, p: Projection, columns: Columns) -> pa.Table:
    query = f"{stored_select(p.sql, columns)} order by {_quoted(p.partition)}"
    return con.sql(query).to_arrow_table()


def _in(column: str, values: list[Any]) -> BooleanExpression:
    # pyiceberg's predicates are pydantic models whose __new__ takes (term, literals): mypy
    # sees only the model's fields.
    return In(column, values)  # type: ignore[call-arg, arg-type]


def _touched(con: duckdb.DuckDBPyConnection, columns: Columns, partition: str) -> list[Any]:
    """The touched partition values as the table stores them (text for non-native types)."""
    kind = dict(columns)[partition]
    cast = "" if _NATIVE.match(kind) else "::varchar"
    return [
        row[0]
        for row in con.execute(f"select p{cast} from qf_touched where p is not null").fetchall()
    ]


def _fresh_table(
    lake: Lake, name: str, table: Table | None, columns: Columns, schema: pa.Schema
) -> Table:
    """The table to replace the rows of: the same one, or a new one when the columns changed
    (a release that read the old one cannot be opened after that)."""
    if table is not None:
        known = table.properties.get(COLUMNS_PROPERTY)
        if known is not None and decode(known) == columns:
            return table
        lake.drop_table(name)
    return lake.create_table(name, schema, {FILE_SIZE_PROPERTY: str(FILE_BYTES)})


def _rows(table: Table | None) -> int:
    snapshot = table.current_snapshot() if table is not None else None
    if snapshot is None or snapshot.summary is None:
        return 0
    return int(snapshot.summary.get("total-records") or 0)
