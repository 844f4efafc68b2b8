"""DuckDB column types across the lake: what Iceberg stores as is, and what goes as text.

Iceberg has no UUID-as-DuckDB-writes-it, JSON, list-of-structs-as-DuckDB-prints-it or INTERVAL
that pyiceberg writes from Arrow, so those columns are stored as VARCHAR (DuckDB's own text
form) and cast back on reading. Each write records the DuckDB types of its columns in the
snapshot's summary (``quizflow.columns``), so a reader pinned to a snapshot sees the types of
the DuckDB warehouse, column for column, whatever the table's later schema.
"""

from __future__ import annotations

import json
import re

import duckdb

COLUMNS_PROPERTY = "quizflow.columns"
Columns = list[tuple[str, str]]

_NATIVE = re.compile(
    r"^(BOOLEAN|INTEGER|BIGINT|DOUBLE|FLOAT|VARCHAR|DATE|TIMESTAMP|TIMESTAMP WITH TIME ZONE"
    r"|DECIMAL\(\d+,\d+\))$"
)


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def columns_of(con: duckdb.DuckDBPyConnection, query: str) -> Columns:
    """The names and DuckDB types of the columns ``query`` returns (without running it)."""
    relation = con.sql(f"select * from ({query}) limit 0")
    return [(name, str(kind)) for name, kind in zip(relation.columns, relation.types, strict=True)]


def encode(columns: Columns) -> str:
    return json.dumps(columns, separators=(",", ":"))


def decode(text: str) -> Columns:
    return [(str(name), str(kind)) for name, kind in json.loads(text)]


def stored_select(query: str, columns: Columns) -> str:
    """``query`` with the columns Iceberg cannot hold as they are turned into text."""
    parts = [
        quoted(name) if _NATIVE.match(kind) else f"{quoted(name)}::varchar as {quoted(name)}"
        for name, kind in columns
    ]
    return f"select {', '.join(parts)} from ({query})"


def typed_select(source: str, columns: Columns) -> str:
    """A select over ``source`` (stored rows) giving back every column its DuckDB type."""
    parts = [
        quoted(name) if _NATIVE.match(kind) else f"{quoted(name)}::{kind} as {quoted(name)}"
        for name, kind in columns
    ]
    return f"select {', '.join(parts)} from {source}"


def empty_select(columns: Columns) -> str:
    """No rows, with the columns and types of ``columns``."""
    parts = [f"null::{kind} as {quoted(name)}" for name, kind in columns]
    return f"select {', '.join(parts)} where false"
