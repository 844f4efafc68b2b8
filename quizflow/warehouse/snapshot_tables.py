"""Writing the warehouse's tables as Parquet files for a new snapshot: only what changed.

Three ways, by what is known about a table:
- the raw ``events`` only ever grow in (tx, position) order: each publish writes one file of the
  events after the last published one (``append``). Small files are merged as they pile up,
  eight of a size into one (as in a log-structured merge), so a table of N events is read
  from a few dozen files at most and each event is rewritten a few times in all, not each run;
- a projection is built per partition (projections.py): its rows are spread over buckets by
  a hash of its partition column, one file per bucket, and a publish rewrites only the buckets
  of partitions with events after the cursor the table was last published at (``bucket``).
  The bucket count grows with the table (about ``BUCKET_ROWS`` rows a bucket); growing it, a
  changed projection SQL, changed columns, another DuckDB version or a context event that
  names no partition (the runner rebuilt the table) rewrite the whole table;
- any other table is small (checkpoints, reviews) and is written whole (``whole``), when
  its rows changed (a fingerprint of them is part of its token).
Files are never changed once written: a new snapshot names new files beside the old ones.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb

from quizflow.eventstore.types import START, Cursor
from quizflow.warehouse.duck import first_row
from quizflow.warehouse.ingest import read_cursor
from quizflow.warehouse.projections import Projection, context_changes_all
from quizflow.warehouse.snapshot_manifest import PublishedFile
from quizflow.warehouse.sqlfiles import sql

EVENTS = "events"
# Rows per bucket file a projection table aims at: small enough that a run touching a few
# partitions rewrites little, large enough that readers open few files.
BUCKET_ROWS = 4_096
MAX_BUCKETS = 1_024
# This many files of one size class (rows within a factor of eight) merge into one.
MERGE_FILES = 8


@dataclass
class TableFiles:
    files: list[PublishedFile]  # the table's files in the new snapshot
    written: list[Path]  # the files written for it now (removed again if the publish fails)
    rows: int  # the rows the table holds: the snapshot's view must show as many
    columns: list[tuple[str, str]] = field(default_factory=list)  # names and types


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _after(cursor: Cursor) -> str:
    """Rows after ``cursor``; the ``tx >=`` half lets DuckDB skip row groups by their min/max."""
    return (
        f"(tx >= {int(cursor.tx)} and (tx > {int(cursor.tx)} or position > {int(cursor.position)}))"
    )


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _size_class(rows: int) -> int:
    return max(rows, 1).bit_length() // 3  # log base 8


class TableWriter:
    """Writes the tables of one new snapshot from a read-only warehouse connection."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        directory: Path,
        snapshot_id: str,
        projections: list[Projection],
        *,
        full: bool = False,
    ) -> None:
        self.con = con
        self.directory = directory
        self.snapshot_id = snapshot_id
        self.projections = {p.name: p for p in projections}
        self.full = full
        self._serial = 0

    def write(self, table: str, previous: list[PublishedFile]) -> TableFiles:
        columns = self._columns(table)
        rows = self._rows(table)
        projection = self.projections.get(table)
        state = self._projection_state(projection) if projection else None
        if table == EVENTS:
            made = self._append(table, rows, self._token(columns), previous)
        elif projection and state and projection.partition in {c for c, _ in columns}:
            sql_hash, upto = state
            token = self._token(columns, sql_hash)
            made = self._buckets(table, projection, rows, token, upto, previous)
        else:
            made = self._whole(table, rows, columns, previous)
        return replace(made, columns=columns)

    # -- the ways ------------------------------------------------------------------------------

    def _append(
        self, table: str, rows: int, token: str, previous: list[PublishedFile]
    ) -> TableFiles:
        cursor = read_cursor(self.con)
        published_upto = max((f.hi for f in previous), default=START)
        # A warehouse behind its snapshot (deleted and not yet caught up) starts it afresh.
        if not self._reusable(previous, token) or published_upto > cursor:
            path = self._copy(table, f"select * from {_quoted(table)}")
            made = PublishedFile(table, "append", str(path), rows, 0, 1, START, cursor, token)
            return TableFiles([made], [path], rows)
        files = sorted(previous, key=lambda f: (f.hi.tx, f.hi.position))
        written: list[Path] = []
        last = files[-1].hi
        if last < cursor:
            query = f"select * from {_quoted(table)} where {_after(last)}"
            path = self._copy(table, query)
            added = self._file_rows(path)
            files.append(
                PublishedFile(table, "append", str(path), added, 0, 1, last, cursor, token)
            )
            written.append(path)
        while len(files) >= MERGE_FILES:
            size = _size_class(files[-1].rows)
            tail = 0
            while tail < len(files) and _size_class(files[-1 - tail].rows) <= size:
                tail += 1
            if tail < MERGE_FILES:
                break
            merged, files = files[-tail:], files[:-tail]
            lo, hi = merged[0].lo, merged[-1].hi
            query = f"select * from {_quoted(table)} where {_after(lo)} and not {_after(hi)}"
            path = self._copy(table, query)
            count = sum(f.rows for f in merged)
            files.append(PublishedFile(table, "append", str(path), count, 0, 1, lo, hi, token))
            written.append(path)
        return TableFiles(files, written, rows)

    def _buckets(
        self,
        table: str,
        p: Projection,
        rows: int,
        token: str,
        upto: Cursor,
        previous: list[PublishedFile],
    ) -> TableFiles:
        buckets = previous[0].buckets if previous else 1
        since = max((f.hi for f in previous), default=START)
        keep = (
            self._reusable(previous, token)
            and rows <= 2 * BUCKET_ROWS * buckets
            and since <= upto
            and len({f.buckets for f in previous}) == 1
            and not (since < upto and context_changes_all(self.con, p, since))
        )
        if not keep:
            buckets = min(MAX_BUCKETS, 1 << max(0, (rows // BUCKET_ROWS)).bit_length())
            files, written = self._write_buckets(table, p, rows, token, upto, buckets, None, [])
            return TableFiles(files, written, rows)
        touched = self._touched_buckets(p, since, buckets) if since < upto else set()
        kept = [
            PublishedFile(f.table, f.kind, f.path, f.rows, f.bucket, f.buckets, f.lo, upto, token)
            for f in previous
            if f.bucket not in touched
        ]
        if not touched:
            return TableFiles(kept, [], rows)
        files, written = self._write_buckets(table, p, rows, token, upto, buckets, touched, kept)
        return TableFiles(kept + files, written, rows)

    def _whole(
        self, table: str, rows: int, columns: list[tuple[str, str]], previous: list[PublishedFile]
    ) -> TableFiles:
        # A fingerprint of the rows in the token: an unchanged table keeps its file.
        row = first_row(
            self.con, f"select coalesce(sum(hash(t)), 0)::varchar from {_quoted(table)} as t"
        )
        token = self._token(columns, f"{rows} rows, hash {row[0] if row else ''}")
        if self._reusable(previous, token):
            return TableFiles(previous, [], rows)
        path = self._copy(table, f"select * from {_quoted(table)}")
        made = PublishedFile(table, "whole", str(path), rows, 0, 1, START, START, token)
        return TableFiles([made], [path], rows)

    # -- helpers -------------------------------------------------------------------------------

    def _bucket_of(self, p: Projection, buckets: int) -> str:
        return f"coalesce(hash({_quoted(p.partition)}) % {int(buckets)}, 0)::integer"

    def _touched_buckets(self, p: Projection, since: Cursor, buckets: int) -> set[int]:
        # The same partitions projections.py recomputes: events of its types or its context
        # after ``since``.
        query = (
            f"select distinct {self._bucket_of(p, buckets)} from {p.input}"
            f" where {_after(since)} and ($types is null or list_contains($types, type))"
        )
        types = [*p.types, *p.context] if p.types is not None else None
        return {int(r[0]) for r in self.con.execute(query, {"types": types}).fetchall()}

    def _write_buckets(
        self,
        table: str,
        p: Projection,
        rows: int,
        token: str,
        upto: Cursor,
        buckets: int,
        only: set[int] | None,
        kept: list[PublishedFile],
    ) -> tuple[list[PublishedFile], list[Path]]:
        folder = self.directory / table
        staging = folder / f".{self.snapshot_id}.staging"
        bucket_of = self._bucket_of(p, buckets)
        query = f"select *, {bucket_of} as qf_bucket from {_quoted(table)}"
        if only is not None:
            query += f" where {bucket_of} in ({', '.join(map(str, sorted(only)))})"
        staging.mkdir(parents=True, exist_ok=True)
        try:
            self.con.execute(
                f"copy ({query}) to {_literal(staging)}"
                " (format parquet, partition_by (qf_bucket), overwrite_or_ignore)"
            )
            files: list[PublishedFile] = []
            written: list[Path] = []
            for part in sorted(staging.glob("qf_bucket=*/*.parquet")):
                bucket = int(part.parent.name.split("=", 1)[1])
                self._serial += 1
                path = folder / f"{self.snapshot_id}-b{bucket:04d}-{self._serial}.parquet"
                os.replace(part, path)
                _fsync(path)
                written.append(path)
                files.append(
                    PublishedFile(
                        table,
                        "bucket",
                        str(path),
                        self._file_rows(path),
                        bucket,
                        buckets,
                        START,
                        upto,
                        token,
                    )
                )
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        if not files and not any(f.bucket not in (only or set()) for f in kept):
            # An empty table still needs one file: the view takes its columns from it.
            path = self._copy(table, f"select * from {_quoted(table)} limit 0")
            files.append(
                PublishedFile(table, "bucket", str(path), 0, 0, buckets, START, upto, token)
            )
            written.append(path)
        _fsync(folder)
        return files, written

    def _copy(self, table: str, query: str) -> Path:
        folder = self.directory / table
        folder.mkdir(parents=True, exist_ok=True)
        self._serial += 1
        path = folder / f"{self.snapshot_id}-{self._serial}.parquet"
        self.con.execute(f"copy ({query}) to {_literal(path)} (format parquet)")
        _fsync(path)
        _fsync(folder)
        return path

    def _file_rows(self, path: Path) -> int:
        row = first_row(self.con, f"select count(*) from read_parquet({_literal(path)})")
        return int(row[0]) if row else 0

    def _reusable(self, previous: list[PublishedFile], token: str) -> bool:
        return (
            not self.full
            and bool(previous)
            and all(f.token == token for f in previous)
            and all(Path(f.path).exists() for f in previous)
        )

    def _columns(self, table: str) -> list[tuple[str, str]]:
        rows = self.con.execute(f"describe {_quoted(table)}").fetchall()
        return [(str(r[0]), str(r[1])) for r in rows]

    def _rows(self, table: str) -> int:
        row = first_row(self.con, f"select count(*) from {_quoted(table)}")
        return int(row[0]) if row else 0

    def _projection_state(self, p: Projection) -> tuple[str, Cursor] | None:
        row = first_row(self.con, sql("duck/projection_state"), {"name": p.name})
        return (str(row[0]), Cursor(int(row[1]), int(row[2]))) if row else None

    def _token(self, columns: list[tuple[str, str]], sql_hash: str = "") -> str:
        text = json.dumps([columns, sql_hash, duckdb.__version__])
        return hashlib.sha256(text.encode()).hexdigest()[:16]
