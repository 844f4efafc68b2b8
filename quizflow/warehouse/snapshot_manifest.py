"""What a published snapshot is made of: its manifest, kept inside the snapshot itself.

A snapshot is a small DuckDB file of views over immutable Parquet files (see snapshot.py). The
file also holds three tables, so the snapshot that readers open is the one record of what is
published, and the rename that publishes it publishes the record with it:

- ``qf_snapshot``: one row, the snapshot's id, when it was published and its ingest cursor;
- ``qf_snapshot_files``: every Parquet file the views read, per table, with how it was made
  (``append``: a range of the raw events; ``bucket``: the rows whose partition hashes to one
  bucket; ``whole``: the whole table), its rows and the cursor it covers;
- ``qf_retired_files``: files earlier snapshots read and this one does not, since when; they are
  deleted once they have been retired longer than the grace period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from quizflow.eventstore.types import Cursor


@dataclass(frozen=True)
class PublishedFile:
    table: str
    kind: str  # "append", "bucket" or "whole"
    path: str  # absolute: readers resolve it wherever they run
    rows: int
    bucket: int  # the bucket it holds ("bucket"), else 0
    buckets: int  # how many buckets the table has ("bucket"), else 1
    lo: Cursor  # "append": the events after lo, up to hi; otherwise the table's cursor is hi
    hi: Cursor
    token: str  # what the table was written with (its SQL, its columns, DuckDB's version)


@dataclass(frozen=True)
class Retired:
    path: str
    retired_at: datetime


@dataclass(frozen=True)
class Manifest:
    snapshot_id: str
    cursor: Cursor
    files: list[PublishedFile]
    retired: list[Retired]

    def of(self, table: str) -> list[PublishedFile]:
        return [f for f in self.files if f.table == table]


_FILE_COLUMNS = (
    "table_name varchar, kind varchar, path varchar, rows bigint, bucket integer,"
    " buckets integer, lo_tx bigint, lo_position bigint, hi_tx bigint, hi_position bigint,"
    " token varchar"
)


def write_manifest(
    con: duckdb.DuckDBPyConnection, manifest: Manifest, published_at: datetime
) -> None:
    """The manifest's tables, in the (new, not yet published) snapshot file of ``con``."""
    con.execute(
        "create table qf_snapshot (snapshot_id varchar, published_at timestamptz,"
        " tx bigint, position bigint)"
    )
    con.execute(
        "insert into qf_snapshot values (?, ?, ?, ?)",
        [manifest.snapshot_id, published_at, manifest.cursor.tx, manifest.cursor.position],
    )
    con.execute(f"create table qf_snapshot_files ({_FILE_COLUMNS})")
    # One insert of a list each: a snapshot has hundreds of files, and a statement per row
    # would cost a round trip through DuckDB's planner each.
    rows = [
        (f.table, f.kind, f.path, f.rows, f.bucket, f.buckets, *_cursors(f), f.token)
        for f in manifest.files
    ]
    if rows:
        con.execute(
            "insert into qf_snapshot_files select unnest(?, recursive := true)",
            [[dict(zip(_FILE_NAMES, row, strict=True)) for row in rows]],
        )
    con.execute("create table qf_retired_files (path varchar, retired_at timestamptz)")
    if manifest.retired:
        con.execute(
            "insert into qf_retired_files select unnest(?, recursive := true)",
            [[{"path": r.path, "retired_at": r.retired_at} for r in manifest.retired]],
        )


_FILE_NAMES = [column.split()[0] for column in _FILE_COLUMNS.split(",")]


def _cursors(f: PublishedFile) -> tuple[int, int, int, int]:
    return (f.lo.tx, f.lo.position, f.hi.tx, f.hi.position)


def read_manifest(published_path: Path) -> Manifest | None:
    """The manifest of the snapshot published at ``published_path``; None when there is none,
    or when it is a snapshot of the older kind (a whole copy of the warehouse)."""
    if not published_path.exists():
        return None
    try:
        con = duckdb.connect(str(published_path), read_only=True)
    except duckdb.Error:
        return None
    try:
        tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
        if not {"qf_snapshot", "qf_snapshot_files", "qf_retired_files"} <= tables:
            return None
        head = con.execute("select snapshot_id, tx, position from qf_snapshot").fetchall()
        rows = con.execute(
            "select table_name, kind, path, rows, bucket, buckets, lo_tx, lo_position,"
            " hi_tx, hi_position, token from qf_snapshot_files"
        ).fetchall()
        retired = con.execute("select path, retired_at from qf_retired_files").fetchall()
    finally:
        con.close()
    if not head:
        return None
    files = [
        PublishedFile(
            table=r[0],
            kind=r[1],
            path=r[2],
            rows=int(r[3]),
            bucket=int(r[4]),
            buckets=int(r[5]),
            lo=Cursor(int(r[6]), int(r[7])),
            hi=Cursor(int(r[8]), int(r[9])),
            token=r[10],
        )
        for r in rows
    ]
    return Manifest(
        snapshot_id=head[0][0],
        cursor=Cursor(int(head[0][1]), int(head[0][2])),
        files=files,
        retired=[Retired(p, at) for p, at in retired],
    )
