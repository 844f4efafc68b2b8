"""`quizflow query NAME`: run a named query (queries/*.sql) on the published snapshot."""

from __future__ import annotations

import csv
import sys
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.markup import escape

from quizflow.cli.output import Format, err, print_json, print_rows
from quizflow.cli.snapshot import open_snapshot_or_exit


class Engine(StrEnum):
    duckdb = "duckdb"
    daft = "daft"


def command(
    name: Annotated[
        str | None, typer.Argument(help="The query to run; `--list` shows them all.")
    ] = None,
    params: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="A parameter as name=value; repeat for more."),
    ] = None,
    fmt: Annotated[
        Format, typer.Option("--format", help="table, json (one document) or csv.")
    ] = Format.table,
    list_queries: Annotated[
        bool, typer.Option("--list", help="List the queries and what they answer.")
    ] = False,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit",
            min=0,
            help="Show at most this many rows (0: all). Default: 50 in a table, all in json/csv.",
        ),
    ] = None,
    engine: Annotated[
        Engine,
        typer.Option(
            "--engine",
            help="duckdb, or daft: the same query answered by Daft reading the published files"
            " (the lake's Iceberg tables in lake mode) itself; item_answers,"
            " attempts_before_passing and hardest_questions run on it.",
        ),
    ] = Engine.duckdb,
) -> None:
    """Run a named query on the published snapshot (read-only, never in the pipeline's way)."""
    from quizflow.queries import QueryDefinitionError, load_queries

    try:
        queries = load_queries()
    except QueryDefinitionError as error:
        err.print(f"[red]a query file is broken:[/] {escape(str(error))}")
        raise typer.Exit(2) from None
    if list_queries:
        _print_list(queries, fmt)
        return
    if name is None:
        err.print("name a query to run; these are known: " + ", ".join(queries))
        raise typer.Exit(2)
    query = queries.get(name)
    if query is None:
        err.print(
            f"[red]unknown query {escape(repr(name))}.[/] Known queries: {', '.join(queries)}"
        )
        raise typer.Exit(2)
    given = _parse_params(params or [])
    _run(query, given, fmt, limit, engine)


def _parse_params(pairs: list[str]) -> dict[str, str]:
    given: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            err.print(f"[red]--param {escape(repr(pair))}:[/] write it as name=value")
            raise typer.Exit(2)
        if key.strip() in given:
            err.print(f"[red]--param {escape(repr(key.strip()))} is given twice[/]")
            raise typer.Exit(2)
        given[key.strip()] = value
    return given


# A table is for reading: past this many rows a person wants a file or a narrower question.
TABLE_ROWS = 50


def _run(query: Any, given: dict[str, str], fmt: Format, limit: int | None, engine: Engine) -> None:
    from quizflow.queries import QueryParameterError, bind

    try:
        bind(query, given)  # report parameter mistakes before touching the snapshot
    except QueryParameterError as error:
        err.print(escape(str(error)), style="red")
        raise typer.Exit(2) from None
    result = _on_daft(query, given) if engine is Engine.daft else _on_duckdb(query, given)
    rows = result.json_records()
    shown = limit if limit is not None else (TABLE_ROWS if fmt is Format.table else 0)
    if shown and len(rows) > shown:
        err.print(
            f"{query.name}: showing the first {shown} of {len(rows)} rows "
            "(--limit N for more, --limit 0 for all, --format csv for a file)"
        )
        rows = rows[:shown]
    if fmt is Format.json:
        print_json(rows)
    elif rows:
        print_rows(rows if fmt is Format.csv else as_people_read(rows), fmt, title=query.name)
    elif fmt is Format.csv:
        csv.writer(sys.stdout).writerow(result.columns)
    else:
        err.print(f"{query.name}: no rows (columns: {', '.join(result.columns)})")


def _on_duckdb(query: Any, given: dict[str, str]) -> Any:
    import duckdb

    from quizflow.queries import run_query
    from quizflow.settings import load_settings

    con = open_snapshot_or_exit(load_settings().published_path)
    try:
        return run_query(con, query, given)
    except duckdb.Error as error:
        err.print(f"[red]query {query.name} failed:[/] {escape(str(error))}")
        raise typer.Exit(1) from None
    finally:
        con.close()


def _on_daft(query: Any, given: dict[str, str]) -> Any:
    from quizflow.queries.run import QueryResult
    from quizflow.settings import load_settings
    from quizflow.warehouse import PipelineError

    try:
        from quizflow.queries.daft_engine import NotPortableError, published_tables, run_on_daft
    except ImportError:
        err.print("[red]Daft is not installed:[/] pip install daft (or uv sync --extra daft)")
        raise typer.Exit(2) from None
    try:
        table = run_on_daft(query, published_tables(load_settings()), given)
    except NotPortableError as error:
        err.print(f"[red]{escape(str(error))}[/]")
        raise typer.Exit(2) from None
    except (FileNotFoundError, PipelineError) as error:  # PipelineError: the lake unreachable
        err.print(f"[red]{escape(str(error))}[/]")
        raise typer.Exit(1) from None
    columns = table.column_names
    rows = list(zip(*(table.column(c).to_pylist() for c in columns), strict=True))
    return QueryResult(columns, rows)


def _print_list(queries: dict[str, Any], fmt: Format) -> None:
    entries = [
        {
            "name": q.name,
            "description": q.summary,
            "parameters": [p.describe() for p in q.parameters],
            "row": q.row,
        }
        for q in queries.values()
    ]
    if fmt is Format.json:
        print_json(entries)
        return
    if fmt is Format.csv:
        print_rows([{**e, "parameters": "; ".join(e["parameters"])} for e in entries], fmt)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="named queries: quizflow query NAME --param name=value")
    table.add_column("name", no_wrap=True)
    table.add_column("what it answers")
    table.add_column("parameters (* required)")
    for name, query in queries.items():
        names = ", ".join(p.name + ("*" if p.required else "") for p in query.parameters)
        table.add_row(name, query.summary, names or "-")
    Console().print(table)


# Columns that hold an answer by the content's field names (`_INPUT_1_=8; _INPUT_2_=11`, the
# raw inputs as JSON), for grouping and comparing; a row that has its `answer_display` beside
# them shows that instead in a table, which is for reading. JSON and CSV keep every column.
_BY_FIELD_NAMES = ("answer", "example_inputs")


def as_people_read(value: Any) -> Any:
    """Rows (and the records nested in them) with ``answer_display`` in the place of
    ``answer`` and without the raw inputs, wherever a display is given."""
    if isinstance(value, list):
        return [as_people_read(item) for item in value]
    if not isinstance(value, dict):
        return value
    if "answer_display" not in value:
        return {key: as_people_read(item) for key, item in value.items()}
    shown: dict[str, Any] = {}
    for key, item in value.items():
        if key == "answer":
            shown["answer_display"] = value["answer_display"]
        elif key not in _BY_FIELD_NAMES and key not in shown:
            shown[key] = as_people_read(item)
    return shown
