"""Reading one lake table at one snapshot in DuckDB: the data files pyiceberg plans for it.

DuckDB stays the engine: it reads the snapshot's Parquet files itself (``read_parquet`` over
the planned list; ``s3://`` through the filesystem ``Lake.register_files`` adds), so filters
and column selection reach the files and nothing is held in memory that a query does not need.
pyiceberg writes copy-on-write (no delete files); a snapshot another engine wrote with delete
files is read through pyiceberg's own scan into Arrow instead.
"""

from __future__ import annotations

import itertools

import duckdb
from pyiceberg.table import Table

from quizflow.warehouse.lake.catalog import Lake
from quizflow.warehouse.lake.columns import COLUMNS_PROPERTY, Columns, decode, typed_select

_registered = itertools.count()


def snapshot_columns(table: Table, snapshot_id: int) -> Columns:
    snapshot = table.snapshot_by_id(snapshot_id)
    if snapshot is None:
        raise LookupError(f"{table.name()[-1]} has no snapshot {snapshot_id} (expired?)")
    text = snapshot.summary.get(COLUMNS_PROPERTY) if snapshot.summary else None
    if text is None:
        raise LookupError(
            f"snapshot {snapshot_id} of {table.name()[-1]} was not written by Quizflow"
        )
    return decode(text)


def _local(path: str) -> str:
    return path.removeprefix("file://")


def snapshot_select(
    lake: Lake, con: duckdb.DuckDBPyConnection, table: Table, snapshot_id: int
) -> str:
    """A select giving the rows of ``table`` at ``snapshot_id`` on ``con``, in DuckDB types."""
    columns = snapshot_columns(table, snapshot_id)
    tasks = list(table.scan(snapshot_id=snapshot_id).plan_files())
    if not tasks:
        from quizflow.warehouse.lake.columns import empty_select

        return empty_select(columns)
    if any(task.delete_files for task in tasks):
        # Held as a table: Arrow registered on a connection is not seen by its cursors.
        name = f"qf_lake_rows_{next(_registered)}"
        con.register("qf_lake_arrow", table.scan(snapshot_id=snapshot_id).to_arrow())
        try:
            con.execute(f"create table {name} as select * from qf_lake_arrow")
        finally:
            con.unregister("qf_lake_arrow")
        return typed_select(name, columns)
    lake.register_files(con)
    paths = ", ".join("'" + _local(t.file.file_path).replace("'", "''") + "'" for t in tasks)
    return typed_select(f"read_parquet([{paths}], union_by_name = true)", columns)
