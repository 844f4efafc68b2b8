"""Opening a lake release for reading: a DuckDB connection whose tables are the release's
snapshots, so every reader (notebooks, reports, ``quizflow query``) runs its SQL unchanged.

Each table is a view over the data files of the snapshot the release names (read.py), with
``valid_events`` as in the DuckDB warehouse, ``ingest_checkpoint`` (the release's cursor) and
``qf_release`` (which release and snapshots this connection reads). Nothing is copied: opening
costs a catalog read and one metadata read per table. The connection keeps reading the same
snapshots, however many releases follow (data files are never deleted by Quizflow's runs; see
docs/lakehouse.md on expiry).
"""

from __future__ import annotations

import duckdb
import pyarrow as pa
from pyiceberg.table import Table

from quizflow.settings import Settings, load_settings
from quizflow.warehouse.lake.catalog import Lake, open_lake
from quizflow.warehouse.lake.columns import quoted
from quizflow.warehouse.lake.projections import table_select
from quizflow.warehouse.lake.release import Release, latest_release, release_by_id
from quizflow.warehouse.lake.settings import pinned_release
from quizflow.warehouse.sqlfiles import sql


def open_release(
    settings: Settings | None = None, release_id: int | None = None
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection reading one release (the newest, or ``release_id``, or the one
    ``QUIZFLOW_LAKE_RELEASE`` names). ``FileNotFoundError`` when nothing was released yet, as
    ``open_published`` says for a missing snapshot. Use it in a ``with`` to close it."""
    settings = settings or load_settings()
    if release_id is None:
        release_id = pinned_release()
    lake = open_lake(settings)
    try:
        release = latest_release(lake) if release_id is None else release_by_id(lake, release_id)
        if release is None:
            raise FileNotFoundError(
                "no lake release yet: run `quizflow pipeline run` first (QUIZFLOW_WAREHOUSE=lake)"
            )
        return release_connection(lake, release)
    finally:
        lake.close()


def release_connection(lake: Lake, release: Release) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with the tables of ``release`` as views."""
    con = duckdb.connect()
    try:
        con.execute("set TimeZone = 'UTC'")
        rows: list[int] = []
        for name, snapshot_id in sorted(release.snapshots.items()):
            table = lake.table(name)
            if table is None:
                raise LookupError(f"the lake table {name} of release {release.release_id} is gone")
            rows.append(_rows(table, snapshot_id))
            con.execute(
                f"create view {quoted(name)} as {table_select(lake, con, table, snapshot_id)}"
            )
        if "quarantine" in release.snapshots:
            con.execute(sql("duck/valid_events"))
        con.execute(
            "create table ingest_checkpoint as select 1 as id, ?::bigint as tx,"
            " ?::bigint as position, ?::bigint as events,"
            " ?::timestamptz as updated_at",
            [release.cursor.tx, release.cursor.position, release.events, release.released_at],
        )
        con.register(
            "qf_release_rows",
            pa.table(
                {
                    "release_id": [release.release_id],
                    "released_at": [release.released_at],
                    "cursor": [str(release.cursor)],
                    "table_name": [sorted(release.snapshots)],
                    "snapshot_id": [[release.snapshots[t] for t in sorted(release.snapshots)]],
                    "rows": [rows],
                }
            ),
        )
        con.execute(
            "create table qf_release as select release_id, released_at, cursor,"
            " unnest(table_name) as table_name, unnest(snapshot_id) as snapshot_id,"
            " unnest(rows) as rows"
            " from qf_release_rows"
        )
        con.unregister("qf_release_rows")
    except BaseException:
        con.close()
        raise
    return con


def _rows(table: Table, snapshot_id: int | None) -> int:
    snapshot = table.snapshot_by_id(snapshot_id) if snapshot_id is not None else None
    total = snapshot.summary.get("total-records") if snapshot and snapshot.summary else None
    return int(total or 0)
