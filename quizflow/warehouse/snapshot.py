"""Publishing a snapshot without copying the warehouse: immutable Parquet files and a view file.

DuckDB allows one writing process or many reading ones, never both, so readers (notebooks,
reports, the CLI) never open the warehouse, the pipeline's private state. They open
``published/warehouse.duckdb``: a small DuckDB file holding one view per warehouse table, each
a ``read_parquet`` over a fixed list of Parquet files under ``published/tables/<table>/``
(absolute paths), and the manifest of those files (snapshot_manifest.py).

A publish, under the warehouse's writer lock:
1. writes new Parquet files for what changed since the published snapshot (snapshot_tables.py),
   each fsynced; files are never changed once written, new ones get new names;
2. writes the view file beside the published one under a temporary name, and checks it: every
   view opens and shows as many rows as its warehouse table;
3. renames it over ``published/warehouse.duckdb``: the one atomic step. A reader opens the old
   snapshot or the new one; a reader holding the old one open keeps reading the old files;
4. deletes files no snapshot has read for longer than the grace period, and files of publishes
   that failed or were killed before step 3 (which no snapshot ever read).
A failure or a kill before step 3 leaves the previous snapshot in place and whole; the next
publish starts from the manifest of the snapshot that is published, so it ends the same as if
the failed one had never been tried.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from quizflow.eventstore.types import START
from quizflow.warehouse.duck import Say, close_warehouse, first_row, wal_path, write_error
from quizflow.warehouse.ingest import read_cursor
from quizflow.warehouse.projections import Projection, load_projections
from quizflow.warehouse.snapshot_manifest import (
    Manifest,
    PublishedFile,
    Retired,
    read_manifest,
    write_manifest,
)
from quizflow.warehouse.snapshot_tables import TableWriter, _literal, _quoted

# How long a file no snapshot reads any more is kept for readers still holding an older one.
DEFAULT_GRACE_S = 3600.0


def tables_dir(published_path: Path) -> Path:
    return published_path.parent / "tables"


def publish_snapshot(
    warehouse_path: Path,
    published_path: Path,
    *,
    projections: list[Projection] | None = None,
    full: bool = False,
    grace_s: float = DEFAULT_GRACE_S,
    memory_limit: str = "600MB",
    say: Say | None = None,
) -> Path:
    """Publish the (closed, checkpointed) warehouse; the caller holds the writer lock.

    Raises ``WarehouseWriteError`` when the snapshot cannot be written whole; the published
    snapshot is then the previous one (or none), never a partial one."""
    report = say or (lambda _m: None)
    if wal_path(warehouse_path).exists():
        # Left by a killed process or a failed checkpoint: opening replays it, and the
        # checkpoint writes it into the file (or raises: the file alone would be stale).
        close_warehouse(duckdb.connect(str(warehouse_path)), warehouse_path)
    known = projections if projections is not None else load_projections()
    previous = read_manifest(published_path)
    now = datetime.now(UTC)
    snapshot_id = f"{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    directory = tables_dir(published_path)
    tmp = published_path.with_name(f".{published_path.name}.{os.getpid()}.tmp")
    written: list[Path] = []
    try:
        published_path.parent.mkdir(parents=True, exist_ok=True)
        for stale in published_path.parent.glob(f".{published_path.name}.*.tmp"):
            stale.unlink(missing_ok=True)  # from a publish that was killed before its rename
        con = duckdb.connect(str(warehouse_path), read_only=True)
        try:
            con.execute("set memory_limit = ?", [memory_limit])
            writer = TableWriter(con, directory, snapshot_id, known, full=full)
            files: list[PublishedFile] = []
            expected: dict[str, tuple[int, list[tuple[str, str]]]] = {}
            for table in _tables(con):
                started = time.monotonic()
                made = writer.write(table, previous.of(table) if previous else [])
                written += made.written
                files += made.files
                expected[table] = (made.rows, made.columns)
                report(
                    f"publish: {table} {len(made.written)} new files of {len(made.files)}"
                    f" ({time.monotonic() - started:.2f}s)"
                )
            views = _views(con)
            cursor = read_cursor(con) if "ingest_checkpoint" in expected else START
        finally:
            con.close()
        manifest = Manifest(snapshot_id, cursor, files, _retired(previous, files, now, grace_s))
        _write_views(tmp, manifest, {t: c for t, (_, c) in expected.items()}, views, now)
        _check(tmp, expected, views)
        _fsync(tmp)
        report("publish: snapshot file written and checked")
    except (OSError, duckdb.Error) as error:
        tmp.unlink(missing_ok=True)
        for path in written:
            path.unlink(missing_ok=True)
        raise write_error(f"the snapshot {published_path}", error) from error
    os.replace(tmp, published_path)
    _fsync(published_path.parent)
    report(f"publish: snapshot {snapshot_id} published")
    removed = collect_garbage(directory, manifest)
    if removed:
        report(f"publish: removed {removed} files no snapshot reads")
    return published_path


def collect_garbage(directory: Path, manifest: Manifest) -> int:
    """Delete what the published ``manifest`` neither reads nor keeps for its grace period:
    retired files past it, and files of publishes that never got to their rename."""
    keep = {f.path for f in manifest.files} | {r.path for r in manifest.retired}
    removed = 0
    if not directory.exists():
        return 0
    for folder in directory.iterdir():
        if not folder.is_dir():
            continue
        for entry in folder.iterdir():
            if entry.is_dir() and entry.name.endswith(".staging"):
                shutil.rmtree(entry, ignore_errors=True)
            elif entry.is_file() and str(entry) not in keep:
                entry.unlink(missing_ok=True)
                removed += 1
    return removed


def _retired(
    previous: Manifest | None, files: list[PublishedFile], now: datetime, grace_s: float
) -> list[Retired]:
    """Files older snapshots read and the new one does not, while within the grace period."""
    if previous is None:
        return []
    current = {f.path for f in files}
    cutoff = now - timedelta(seconds=grace_s)
    kept = [r for r in previous.retired if r.retired_at > cutoff and r.path not in current]
    known = {r.path for r in kept}
    newly = [
        Retired(f.path, now)
        for f in previous.files
        if f.path not in current and f.path not in known and grace_s > 0
    ]
    return kept + newly


# The pipeline's own bookkeeping, of no use to readers (and as large as the partitions).
PRIVATE_TABLES = frozenset({"partition_starts"})


def _tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "select table_name from duckdb_tables()"
        " where database_name = current_database() and schema_name = 'main' and not temporary"
        " order by table_name"
    ).fetchall()
    return [str(r[0]) for r in rows if str(r[0]) not in PRIVATE_TABLES]


def _views(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    rows = con.execute(
        "select view_name, sql from duckdb_views()"
        " where database_name = current_database() and schema_name = 'main'"
        " and not internal and not temporary order by view_name"
    ).fetchall()
    return [(str(r[0]), str(r[1])) for r in rows]


def _write_views(
    path: Path,
    manifest: Manifest,
    columns: dict[str, list[tuple[str, str]]],
    views: list[tuple[str, str]],
    now: datetime,
) -> None:
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    try:
        write_manifest(con, manifest, now)
        by_table: dict[str, list[PublishedFile]] = {}
        for f in manifest.files:
            by_table.setdefault(f.table, []).append(f)
        for table, files in by_table.items():
            paths = sorted(files, key=lambda f: (f.hi.tx, f.hi.position, f.bucket, f.path))
            listed = ", ".join(_literal(Path(f.path)) for f in paths)
            # Read back as the warehouse has them: Parquet has no type for a few of DuckDB's
            # (hugeint, say); a cast to the type a column already has costs nothing.
            cast = ", ".join(f"{_quoted(c)}::{t} as {_quoted(c)}" for c, t in columns[table])
            con.execute(
                f"create view {_quoted(table)} as select {cast}"
                f" from read_parquet([{listed}], hive_partitioning = false)"
            )
        for _name, definition in views:
            con.execute(definition)
        con.execute("checkpoint")
    finally:
        con.close()


def _check(
    path: Path,
    expected: dict[str, tuple[int, list[tuple[str, str]]]],
    views: list[tuple[str, str]],
) -> None:
    """The new snapshot opens, every table shows its rows, every view binds (a torn or
    missing file fails here, before anything is published)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        for table, (rows, _) in expected.items():
            row = first_row(con, f"select count(*) from {_quoted(table)}")
            got = int(row[0]) if row else -1
            if got != rows:
                raise OSError(f"the snapshot's {table} shows {got:,} rows, the warehouse {rows:,}")
        for name, _ in views:
            con.execute(f"select * from {_quoted(name)} limit 0").fetchall()
    finally:
        con.close()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
