"""`quizflow simulate`: synthetic students taking chapter quizzes through the command handler."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.markup import escape

from quizflow.cli.output import err, first_line, print_json, quiet_connection_pool


class Via(StrEnum):
    direct = "direct"
    http = "http"


class SummaryFormat(StrEnum):
    table = "table"
    json = "json"


def command(
    students: Annotated[int, typer.Option(min=1, help="How many students.")] = 300,
    days: Annotated[int, typer.Option(min=1, help="School days (weekdays) to simulate.")] = 20,
    seed: Annotated[int, typer.Option(help="The same seed gives the same events.")] = 1,
    via: Annotated[
        Via,
        typer.Option(
            help="direct: the command handler in this process; http: a running "
            "`quizflow serve` (timestamps are then the server's clock)."
        ),
    ] = Via.direct,
    start_date: Annotated[
        str, typer.Option(help="The first school day, YYYY-MM-DD (weekends are skipped).")
    ] = "2026-10-26",
    url: Annotated[str, typer.Option(help="The server, with --via http.")] = (
        "http://127.0.0.1:8000"
    ),
    workers: Annotated[int, typer.Option(min=1, max=64, help="Students run at once.")] = 6,
    fmt: Annotated[
        SummaryFormat, typer.Option("--format", help="json: one JSON document on stdout.")
    ] = SummaryFormat.table,
    plant_faults: Annotated[
        int,
        typer.Option(
            min=0,
            help="Plant this many faulty questions (wrong_key, ambiguous, strong_distractor in "
            "turn, chosen by the seed) to measure the editors' flags; listed under `planted`.",
        ),
    ] = 0,
) -> None:
    """Simulate students at school taking the sample course's chapter quizzes.

    Creates schools, classes, teachers and students, publishes the sample course if needed, and
    lets the students practise in their maths lessons; re-running the same seed appends nothing.
    """
    import httpx
    import psycopg
    from psycopg_pool import PoolTimeout

    from quizflow.simulate import SimulationConfig, simulate
    from quizflow.simulate.driver import Driver
    from quizflow.simulate.http import HttpDriver, ServerUnavailable

    quiet_connection_pool()
    try:
        first_day = date.fromisoformat(start_date)
    except ValueError:
        err.print(f"[red]--start-date {escape(repr(start_date))}:[/] write it as YYYY-MM-DD")
        raise typer.Exit(2) from None
    config = SimulationConfig(
        students=students,
        days=days,
        seed=seed,
        start_date=first_day,
        workers=workers,
        plant_faults=plant_faults,
    )
    _check_faults(config)
    driver: Driver | None = None
    if via is Via.http:
        http = HttpDriver(url, _simulation_password(config))
        try:
            http.check()
        except ServerUnavailable as error:
            err.print(
                f"[red]{escape(str(error))}[/] (start one with `quizflow serve`)", soft_wrap=True
            )
            raise typer.Exit(1) from None
        driver = http
    store = _open_store(workers)
    try:
        with _DayProgress(config.days) as advance:
            summary = simulate(store, config, driver=driver, progress=advance)
    except (ServerUnavailable, httpx.HTTPError) as error:
        # The server went away (or broke) mid-run: what was appended stays, and running the
        # same seed again carries on from there.
        err.print(f"[red]simulation stopped:[/] {escape(_server_gone(url, error))}", soft_wrap=True)
        raise typer.Exit(1) from None
    except (psycopg.Error, PoolTimeout) as error:
        err.print(f"[red]simulation stopped:[/] {escape(_database_gone(error))}", soft_wrap=True)
        raise typer.Exit(1) from None
    finally:
        if driver is not None:
            driver.close()
        store.close()
    if fmt is SummaryFormat.json:
        print_json(summary.as_json())
    else:
        _print_summary(summary.as_json())


def _check_faults(config: Any) -> None:
    """Too many faults for the course is refused before anything is written."""
    from quizflow.content import load_course_file, sample_course_path
    from quizflow.quiz import Course
    from quizflow.simulate.faults import choose_faults

    try:
        choose_faults(
            config.seed,
            Course.from_data(load_course_file(sample_course_path())),
            config.plant_faults,
        )
    except ValueError as error:
        err.print(f"[red]--plant-faults {config.plant_faults}:[/] {escape(str(error))}")
        raise typer.Exit(2) from None


def _simulation_password(config: Any) -> str:
    """A password of this run for the simulated students, who sign in over HTTP with it."""
    import secrets

    import psycopg

    from quizflow.accounts.admin import set_password
    from quizflow.database import login_database_url
    from quizflow.simulate.roster import build_roster

    roster = build_roster(config.seed, config.students, config.schools)
    password = secrets.token_urlsafe(18)
    try:
        with psycopg.connect(login_database_url("signin"), autocommit=True) as conn:
            set_password(conn, [s.student_id for s in roster.students], password)
    except psycopg.Error as error:
        err.print(
            f"[red]simulation not started:[/] {escape(_database_gone(error))}", soft_wrap=True
        )
        raise typer.Exit(1) from None
    return password


def _open_store(workers: int) -> Any:
    from quizflow.database import login_database_url
    from quizflow.simulate.store import open_simulation_store

    try:
        return open_simulation_store(login_database_url("web"), workers)
    except Exception as error:
        err.print(
            f"[red]simulation not started:[/] {escape(_database_gone(error))}", soft_wrap=True
        )
        raise typer.Exit(1) from None


def _database_gone(error: BaseException) -> str:
    return (
        f"PostgreSQL is not reachable ({first_line(error)}); start it or check "
        "QUIZFLOW_DATABASE_URL, then run the same command again."
    )


def _server_gone(url: str, error: BaseException) -> str:
    from quizflow.simulate.http import ServerUnavailable

    if isinstance(error, ServerUnavailable):
        cause = first_line(error)
    else:  # httpx: the connection was refused or dropped, or timed out
        cause = f"the server at {url} stopped answering ({first_line(error)})"
    return f"{cause}; check `quizflow serve`, then run the same command again."


class _DayProgress:
    """A progress bar by simulated day, on stderr (stdout keeps only the result)."""

    def __init__(self, days: int) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self._progress = Progress(
            TextColumn("[bold]simulate[/] {task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("days  {task.fields[detail]}"),
            TimeElapsedColumn(),
            console=err,
            transient=False,
        )
        self._task = self._progress.add_task("", total=days, detail="")

    def __enter__(self) -> Any:
        from quizflow.simulate import DayDone

        self._progress.start()

        def advance(done: DayDone) -> None:
            self._progress.update(
                self._task,
                completed=done.day,
                description=done.date.strftime("%a %d %b %Y"),
                detail=f"{done.answers:,} answers, {done.events_appended:,} events",
            )

        return advance

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()


def _print_summary(summary: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table(title="simulation", show_header=False)
    table.add_column("what")
    table.add_column("value", justify="right")
    for key, value in summary.items():
        if key == "planted":
            value = ", ".join(f"{p['question_id']} ({p['fault']})" for p in value) or "none"
        shown = f"{value:,}" if isinstance(value, int) else str(value)
        table.add_row(key.replace("_", " "), shown)
    err.print(table)
