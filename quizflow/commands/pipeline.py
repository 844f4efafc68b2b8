"""`quizflow pipeline ...`: the analytics pipeline (PostgreSQL -> DuckDB -> published snapshot)."""

from __future__ import annotations

import os
import subprocess
import sys
from enum import StrEnum
from typing import Annotated

import typer

from quizflow.commands.output import err, print_json
from quizflow.settings import PROJECT_ROOT, load_settings

app = typer.Typer(help="The analytics pipeline: ingest, projections, checks, published snapshot.")


class RunFormat(StrEnum):
    table = "table"
    json = "json"


def _dagster_home() -> str:
    """Dagster keeps run history and sensor cursors here (a temp dir, lost on exit, otherwise)."""
    home = os.environ.get("DAGSTER_HOME") or str(load_settings().dagster_home)
    os.makedirs(home, exist_ok=True)
    os.environ["DAGSTER_HOME"] = home
    return home


@app.command("run")
def run(
    fmt: Annotated[
        RunFormat, typer.Option("--format", help="json: one JSON document on stdout.")
    ] = RunFormat.table,
    rebuild: Annotated[
        bool, typer.Option(help="Rebuild every projection from the raw events.")
    ] = False,
    checks: Annotated[bool, typer.Option(help="Run the data-quality checks.")] = True,
) -> None:
    """Ingest new events, update the projections, run the checks, publish the snapshot."""
    from quizflow.database import login_database_url
    from quizflow.warehouse import SourceUnavailableError, run_pipeline
    from quizflow.warehouse.duck import WarehouseBusyError

    _dagster_home()
    settings = load_settings()
    try:
        # Migrated (a fresh store works too: an empty warehouse is a valid result), read as the
        # read-only login quizflow_pipeline.
        url = login_database_url("pipeline", settings)
    except Exception as error:
        err.print(f"[red]pipeline failed:[/] PostgreSQL unavailable: {error}")
        raise typer.Exit(2) from None
    try:
        with err.status("pipeline: starting") as status:

            def say(message: str) -> None:
                status.update(f"pipeline: {message}")
                err.print(f"  {message}")

            summary = run_pipeline(
                settings,
                url,
                rebuild=rebuild,
                checks=checks,
                say=say,
            )
    except (SourceUnavailableError, WarehouseBusyError) as error:
        err.print(f"[red]pipeline failed:[/] {error}")
        raise typer.Exit(2) from None
    for check in summary.checks:
        style = "green" if check.passed else ("red" if check.severity == "error" else "yellow")
        mark = "ok" if check.passed else check.severity.upper()
        err.print(f"[{style}]{mark:>5}[/] {check.name}: {check.description}")
    if fmt is RunFormat.json:
        print_json(summary.to_dict())
    else:
        ingest = summary.ingest
        err.print(
            f"{ingest.events:,} events ingested (cursor {ingest.cursor}), "
            f"{len(summary.projections)} projections, published {summary.published} "
            f"in {summary.seconds:.1f}s"
        )
    if not summary.ok:
        raise typer.Exit(1)


@app.command("status")
def status() -> None:
    """Where the published snapshot stands (as JSON)."""
    from quizflow.warehouse import open_published
    from quizflow.warehouse.duck import first_row
    from quizflow.warehouse.sqlfiles import sql

    settings = load_settings()
    try:
        con = open_published(settings.published_path)
    except FileNotFoundError as error:
        err.print(str(error))
        raise typer.Exit(1) from None
    try:
        row = first_row(con, sql("duck/read_cursor"))
        tables = dict(
            con.execute(
                "select table_name, estimated_size from duckdb_tables() order by table_name"
            ).fetchall()
        )
    finally:
        con.close()
    print_json(
        {
            "published": str(settings.published_path),
            "cursor": f"{row[0]}:{row[1]}" if row else "0:0",
            "events": row[2] if row else 0,
            "ingested_at": row[3] if row else None,
            "tables": tables,
        }
    )


@app.command("review-quarantine")
def review_quarantine(
    event_ids: Annotated[list[str], typer.Argument(help="Quarantined event ids you looked at.")],
    note: Annotated[str, typer.Option(help="What you found.")] = "",
) -> None:
    """Mark quarantined events as reviewed, so the quarantine check passes again."""
    from quizflow.warehouse import open_warehouse
    from quizflow.warehouse.checks import review_quarantine as review

    settings = load_settings()
    with open_warehouse(settings.warehouse_path) as con:
        done = review(con, event_ids, note)
    err.print(f"{done} of {len(event_ids)} events marked reviewed; the next run publishes it")


@app.command("dev")
def dev() -> None:
    """`dagster dev` on this project, with DAGSTER_HOME under QUIZFLOW_HOME."""
    home = _dagster_home()
    err.print(f"DAGSTER_HOME={home}")
    command = [sys.executable, "-m", "dagster", "dev", "-w", str(PROJECT_ROOT / "workspace.yaml")]
    raise typer.Exit(subprocess.call(command, cwd=PROJECT_ROOT))
