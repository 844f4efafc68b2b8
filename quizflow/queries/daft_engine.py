"""Named queries on Daft: the same SQL files, answered by a distributed engine.

A deployment past one machine reads the lake's tables with an engine that spreads over many
(Daft on Ray, Spark, Trino). Daft runs here in-process, so the project can prove that the named
queries give the same numbers on it as on DuckDB. Only the files in ``PORTABLE`` are written in
the SQL both engines read; the others use DuckDB's dialect (``qualify``, ``filter``, macros).

Parameters are never formatted into the text: each ``$name`` becomes a read of a one-row table
of the bound values, typed by the query's header, just as DuckDB binds them.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from quizflow.queries.catalog import NamedQuery, replace_placeholders
from quizflow.queries.run import bind
from quizflow.settings import Settings
from quizflow.warehouse.snapshot_manifest import read_manifest

if TYPE_CHECKING:
    import daft

PORTABLE = ("item_answers", "attempts_before_passing", "hardest_questions")

_PARAMETER_TABLE = "query_parameters"
_ARROW_TYPES = {
    "text": pa.string(),
    "integer": pa.int64(),
    "double": pa.float64(),
    "boolean": pa.bool_(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "date": pa.date32(),
}


class NotPortableError(ValueError):
    """A named query written in DuckDB's own dialect, which Daft cannot read."""


def daft_sql(query: NamedQuery) -> str:
    """The query's text with every placeholder read from the parameter table instead."""
    return replace_placeholders(query.sql, lambda name: f"(select {name} from {_PARAMETER_TABLE})")


def parameter_table(query: NamedQuery, params: Mapping[str, Any] | None = None) -> pa.Table:
    """One row of the bound values, each column typed as the header declares."""
    bound = bind(query, params or {})
    by_name = {p.name: p for p in query.parameters}
    columns = {
        name: pa.array([value], type=_ARROW_TYPES[by_name[name].type])
        for name, value in bound.items()
    }
    # Daft cannot read a table without columns; a query without parameters never reads it.
    return pa.table(columns or {"unused": pa.array([None], type=pa.null())})


def run_on_daft(
    query: NamedQuery,
    tables: Mapping[str, daft.DataFrame],
    params: Mapping[str, Any] | None = None,
) -> pa.Table:
    """Answer ``query`` over ``tables`` (warehouse table name to Daft frame) as an Arrow table."""
    import daft

    if query.name not in PORTABLE:
        raise NotPortableError(
            f"query {query.name} is written in DuckDB's dialect; on Daft these run: "
            + ", ".join(PORTABLE)
        )
    parameters = daft.from_arrow(parameter_table(query, params))
    frame = daft.sql(
        daft_sql(query), register_globals=False, **{_PARAMETER_TABLE: parameters}, **tables
    )
    return _uuids_as_text(frame.to_arrow())


def _uuids_as_text(table: pa.Table) -> pa.Table:
    """Parquet keeps a UUID as 16 bytes, and Daft reads them as bytes; the warehouse's only
    binary columns are UUIDs, so they are given back as DuckDB prints them."""
    for index, field in enumerate(table.schema):
        if pa.types.is_binary(field.type) or pa.types.is_fixed_size_binary(field.type):
            values = table.column(index).to_pylist()
            if all(v is None or len(v) == 16 for v in values):
                text = pa.array(
                    [None if v is None else str(uuid.UUID(bytes=v)) for v in values], pa.string()
                )
                table = table.set_column(index, field.name, text)
    return table


def published_tables(settings: Settings) -> dict[str, daft.DataFrame]:
    """The tables readers see now: the newest lake release in lake mode, else the published
    DuckDB snapshot's files."""
    from quizflow.warehouse.lake.settings import warehouse_mode

    if warehouse_mode() == "lake":
        return lake_tables(settings)
    return snapshot_tables(settings.published_path)


def snapshot_tables(published_path: Path) -> dict[str, daft.DataFrame]:
    """Every table of a published DuckDB snapshot as a Daft frame over its Parquet files."""
    import daft

    manifest = read_manifest(published_path)
    if manifest is None:
        raise FileNotFoundError(f"no published snapshot at {published_path}: run the pipeline")
    tables: dict[str, list[str]] = {}
    for f in manifest.files:
        tables.setdefault(f.table, []).append(f.path)
    return {table: daft.read_parquet(sorted(paths)) for table, paths in tables.items()}


def lake_tables(settings: Settings, release_id: int | None = None) -> dict[str, daft.DataFrame]:
    """Every table of a lake release (the newest, or ``release_id``) as a Daft frame reading the
    Iceberg snapshot the release pins, straight from the lake's storage."""
    import daft

    from quizflow.warehouse.lake.catalog import open_lake
    from quizflow.warehouse.lake.release import latest_release, release_by_id

    lake = open_lake(settings)
    try:
        release = latest_release(lake) if release_id is None else release_by_id(lake, release_id)
        if release is None:
            raise FileNotFoundError("no lake release yet: run the pipeline in lake mode")
        tables = {}
        for name, snapshot_id in release.snapshots.items():
            table = lake.table(name)
            if table is None or snapshot_id is None:
                continue  # a table without rows yet: no query on it can have an answer
            tables[name] = daft.read_iceberg(table, snapshot_id=snapshot_id)
        return tables
    finally:
        lake.close()
