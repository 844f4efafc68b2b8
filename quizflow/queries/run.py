"""Running a named query on a DuckDB connection with checked, typed parameters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import duckdb
import polars as pl

from quizflow.queries.catalog import NamedQuery
from quizflow.queries.values import jsonable, parse_value
from quizflow.warehouse.normalise import register as register_functions


class QueryParameterError(ValueError):
    """Parameters that do not fit the query: unknown or missing names, or unreadable values."""


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]

    def records(self) -> list[dict[str, Any]]:
        """The rows as dicts, values as DuckDB returned them."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def json_records(self) -> list[dict[str, Any]]:
        """The rows as dicts of plain JSON data."""
        return [{k: jsonable(v) for k, v in r.items()} for r in self.records()]


def bind(query: NamedQuery, given: Mapping[str, Any]) -> dict[str, Any]:
    """Every parameter of ``query`` with its value: given ones, then defaults.

    Values may be text (from the command line; parsed by the parameter's type) or already
    typed (from Python). Raises QueryParameterError listing every problem at once.
    """
    problems = []
    known = {p.name for p in query.parameters}
    for name in sorted(set(given) - known):
        problems.append(f"unknown parameter {name!r}")
    bound: dict[str, Any] = {}
    for p in query.parameters:
        if p.name not in given:
            if p.required:
                problems.append(f"missing parameter {p.name!r} ({p.type}): {p.doc}")
            bound[p.name] = p.default
            continue
        value = given[p.name]
        if isinstance(value, str) and p.type != "text":
            try:
                value = parse_value(p.type, value)
            except ValueError as error:
                problems.append(f"parameter {p.name!r} ({p.type}): {error}")
                continue
        if value is None and p.required:
            problems.append(f"parameter {p.name!r} is required and cannot be null")
        bound[p.name] = value
    if problems:
        accepted = "".join(f"\n  {p.describe()}" for p in query.parameters) or " none"
        raise QueryParameterError(
            f"query {query.name}: " + "; ".join(problems) + f"\nits parameters:{accepted}"
        )
    return bound


def run_query(
    con: duckdb.DuckDBPyConnection, query: NamedQuery, params: Mapping[str, Any] | None = None
) -> QueryResult:
    """Run ``query`` with ``params`` bound as DuckDB named placeholders (never formatted in)."""
    bound = bind(query, params or {})
    # A cursor of its own: the caller's connection is not left busy with a half-read result.
    cursor = con.cursor()
    try:
        # Python functions live per connection, not in the snapshot file: bring them along.
        register_functions(cursor)
        result = cursor.execute(query.sql, bound)
        columns = [d[0] for d in result.description or []]
        rows = result.fetchall()
    finally:
        cursor.close()
    return QueryResult(columns, rows)


def query_frame(
    con: duckdb.DuckDBPyConnection, query: NamedQuery, params: Mapping[str, Any] | None = None
) -> pl.DataFrame:
    """``run_query`` as a polars DataFrame (Arrow all the way: no Python row objects)."""
    bound = bind(query, params or {})
    cursor = con.cursor()
    try:
        register_functions(cursor)
        return cursor.sql(query.sql, params=bound).pl()
    finally:
        cursor.close()
