"""`quizflow pipeline ...`: the analytics pipeline (PostgreSQL -> DuckDB -> published snapshot)."""

from __future__ import annotations

import subprocess
import sys
from enum import StrEnum
from typing import Annotated, Any, NoReturn

import typer
from rich.markup import escape

from quizflow.cli.output import err, first_line, print_json, quiet_connection_pool
from quizflow.cli.pipeline_dagster import use_dagster_home
from quizflow.settings import PROJECT_ROOT, load_settings

app = typer.Typer(help="The analytics pipeline: ingest, projections, checks, published snapshot.")


class RunFormat(StrEnum):
    table = "table"
    json = "json"


def _check_dagster_settings() -> None:
    """Fail on a bad QUIZFLOW_DAGSTER_* setting before anything runs."""
    from quizflow.dagster_instance import max_concurrent_runs, storage_kind
    from quizflow.env_settings import SettingError

    try:
        storage_kind(load_settings())
        max_concurrent_runs()
    except SettingError as error:
        _failed(f"{error}.")


def _check_pipeline_settings() -> None:
    """Fail on a bad pipeline or warehouse setting before anything is written."""
    from quizflow.env_settings import SettingError
    from quizflow.warehouse import PipelineConfig
    from quizflow.warehouse.lake.settings import LakeSettings, warehouse_mode

    try:
        settings = load_settings()
        PipelineConfig.from_env()
        if warehouse_mode() == "lake":
            LakeSettings.from_env(settings)
    except SettingError as error:
        _failed(f"{error}.")


@app.command("run")
def run(
    fmt: Annotated[
        RunFormat, typer.Option("--format", help="json: one JSON document on stdout.")
    ] = RunFormat.table,
    rebuild: Annotated[
        bool, typer.Option(help="Rebuild every projection from the raw events.")
    ] = False,
    checks: Annotated[bool, typer.Option(help="Run the data-quality checks.")] = True,
    dagster: Annotated[
        bool,
        typer.Option(
            help="Record the run's materialisations and checks in Dagster's history "
            "(DAGSTER_HOME), so `quizflow pipeline dev` shows them."
        ),
    ] = True,
    full_checks: Annotated[
        bool,
        typer.Option(
            help="Check every event, not only the recent ones (done anyway once a day: "
            "QUIZFLOW_FULL_CHECK_SECONDS)."
        ),
    ] = False,
) -> None:
    """Ingest new events, update the projections, run the checks, publish the snapshot.

    Exits 1 when it failed, with one sentence saying why: nothing is published when a write
    fails (a full disk) or a check that guards correctness fails (reconciliation with the
    store, unique keys). When another run holds the warehouse it says so at once and waits,
    with a line every 10 s, up to QUIZFLOW_LOCK_TIMEOUT_SECONDS (default 600), then fails.
    """
    import psycopg

    from quizflow.database import login_database_url
    from quizflow.warehouse import (
        PipelineError,
        PublishBlockedError,
        SourceUnavailableError,
        run_pipeline,
    )

    quiet_connection_pool()
    _check_pipeline_settings()
    if dagster:
        _check_dagster_settings()
    settings = load_settings()
    try:
        # Migrated (a fresh store works too: an empty warehouse is a valid result), read as the
        # read-only login quizflow_pipeline.
        url = login_database_url("pipeline", settings)
    except Exception as error:
        _failed(
            f"PostgreSQL is not reachable ({first_line(error)}); start it or check "
            "QUIZFLOW_DATABASE_URL, then run it again."
        )
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
                full_checks=full_checks,
                say=say,
            )
    except (SourceUnavailableError, psycopg.Error) as error:
        # PostgreSQL went away mid-run: every chunk ingested so far is committed with its
        # cursor, so the next run carries on where this one stopped.
        _failed(
            f"PostgreSQL stopped answering ({first_line(error)}); what was ingested is "
            "kept, run it again once the database is back."
        )
    except PublishBlockedError as error:
        # The checks ran: show them all, then why nothing was published.
        if error.summary is not None:
            _print_checks(error.summary.checks)
            if fmt is RunFormat.json:
                print_json(error.summary.to_dict())
        if any(c.metadata.get("unreadable") for c in error.failed):
            # Not a disagreement: PostgreSQL went away while the checks read it (a crash,
            # a restart). Nothing suggests it lost events, so no rebuild is called for.
            _failed(
                "PostgreSQL stopped answering during the checks, so nothing was published "
                "and readers keep the previous snapshot; run it again once the database is back."
            )
        names = " and ".join(c.name for c in error.failed)
        checks_ = "checks" if len(error.failed) > 1 else "check"
        hint = (
            f"; if PostgreSQL lost those events for good, move {settings.warehouse_path} "
            "aside and run again to rebuild the warehouse from the store"
            if any(c.name == "reconciliation" for c in error.failed)
            else ""
        )
        _failed(
            f"the {names} {checks_} failed, so nothing was published and readers keep "
            f"the previous snapshot (see above){hint}."
        )
    except PipelineError as error:  # a failed write, another run holding the warehouse
        _failed(f"{first_line(error)}.")
    _print_checks(summary.checks)
    if dagster:
        from quizflow.cli.pipeline_dagster import record_in_dagster

        record_in_dagster(summary)
    if fmt is RunFormat.json:
        print_json(summary.to_dict())
    else:
        ingest = summary.ingest
        where = (
            f"released as lake release {summary.release}"
            if summary.release is not None
            else f"published {summary.published}"
        )
        err.print(
            f"{ingest.events:,} events ingested (cursor {ingest.cursor}), "
            f"{len(summary.projections)} projections, {where} in {summary.seconds:.1f}s"
        )
    if not summary.ok:
        raise typer.Exit(1)


def _print_checks(checks: list[Any]) -> None:
    for check in checks:
        style = "green" if check.passed else ("red" if check.severity == "error" else "yellow")
        mark = "ok" if check.passed else check.severity.upper()
        err.print(f"[{style}]{mark:>5}[/] {check.name}: {escape(check.description)}")


def _failed(sentence: str) -> NoReturn:
    """One sentence on stderr and the CLI's error code, instead of a traceback."""
    err.print(f"[red]pipeline failed:[/] {escape(sentence)}", soft_wrap=True)
    raise typer.Exit(1)


@app.command("status")
def status() -> None:
    """Where the published snapshot stands (as JSON)."""
    from quizflow.warehouse import open_published
    from quizflow.warehouse.duck import first_row
    from quizflow.warehouse.lake.settings import warehouse_mode
    from quizflow.warehouse.sqlfiles import sql

    settings = load_settings()
    lake = warehouse_mode() == "lake"
    try:
        con = open_published(settings.published_path)
    except FileNotFoundError as error:
        err.print(str(error))
        raise typer.Exit(1) from None
    try:
        row = first_row(con, sql("duck/read_cursor"))
        # The tables are views over the snapshot's files; its manifest (in the lake mode: the
        # release's snapshots) says how many rows.
        manifest = "qf_release" if lake else "qf_snapshot_files"
        tables = dict(
            con.execute(
                f"select table_name, sum(rows) from {manifest}"
                " group by table_name order by table_name"
            ).fetchall()
        )
        release = first_row(con, "select max(release_id) from qf_release") if lake else None
    finally:
        con.close()
    print_json(
        {
            "published": f"lake release {release[0]}" if release else str(settings.published_path),
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
    from quizflow.warehouse.lake.settings import warehouse_mode

    settings = load_settings()
    if warehouse_mode() == "lake":
        from quizflow.warehouse.lake.catalog import open_lake
        from quizflow.warehouse.lake.reviews import review_quarantine_lake

        lake = open_lake(settings)
        try:
            done = review_quarantine_lake(lake, event_ids, note)
        finally:
            lake.close()
    else:
        with open_warehouse(settings.warehouse_path) as con:
            done = review(con, event_ids, note)
    err.print(f"{done} of {len(event_ids)} events marked reviewed; the next run publishes it")


@app.command("dev")
def dev(
    port: Annotated[
        int, typer.Option(min=1, max=65535, help="The port of Dagster's web UI.")
    ] = 3000,
    host: Annotated[
        str, typer.Option(help="The address to listen on (0.0.0.0: every interface).")
    ] = "127.0.0.1",
) -> None:
    """`dagster dev` on this project, with DAGSTER_HOME under QUIZFLOW_HOME."""
    import psycopg

    _check_dagster_settings()
    try:
        home = use_dagster_home()
    except psycopg.Error as error:
        _failed(
            f"PostgreSQL is not reachable for Dagster's storage ({first_line(error)}); start "
            "it or check QUIZFLOW_DAGSTER_DATABASE_URL, then run it again."
        )
    err.print(f"DAGSTER_HOME={home}; the UI will be at http://{host}:{port}")
    command = [
        sys.executable,
        "-m",
        "dagster",
        "dev",
        "-w",
        str(PROJECT_ROOT / "workspace.yaml"),
        "--host",
        host,
        "--port",
        str(port),
    ]
    raise typer.Exit(subprocess.call(command, cwd=PROJECT_ROOT))
