"""`quizflow demo`: the whole system on this machine, in one command.

Starts the store, publishes the sample course, simulates a school term's first four weeks
through the command handler, runs the pipeline, writes the teacher and hard-questions reports,
and says where everything is. Every step is idempotent, so a second run adds nothing.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from quizflow.cli.output import err

DEMO_STUDENTS = 300
DEMO_DAYS = 20  # four school weeks
DEMO_SEED = 1


def command(
    students: int = typer.Option(DEMO_STUDENTS, help="Simulated students."),
    days: int = typer.Option(DEMO_DAYS, help="Simulated school days (four weeks = 20)."),
    seed: int = typer.Option(DEMO_SEED, help="The simulation's seed."),
) -> None:
    """Run the whole system once: store, simulated students, pipeline, reports."""
    from quizflow.app.publishing import publish_course
    from quizflow.content import load_course_file, sample_course_path
    from quizflow.database import database_url, login_database_url
    from quizflow.eventstore.migrate import migrate
    from quizflow.eventstore.postgres import PostgresEventStore
    from quizflow.settings import load_settings

    started = time.monotonic()
    settings = load_settings()
    err.rule("[bold]Quizflow demo")
    url = database_url(settings)
    applied = migrate(url)
    err.print(f"[green]✓[/] PostgreSQL at {url} ({'migrated' if applied else 'schema up to date'})")
    # The work is done as the login roles: appends as quizflow_web, the pipeline as
    # quizflow_pipeline (the owner's URL above only migrates).
    with PostgresEventStore(login_database_url("web", settings), role=None) as store:
        published = publish_course(store, load_course_file(sample_course_path()))
        err.print(f"[green]✓[/] sample course published (event at version {published[0].version})")
        summary = _simulate(store, students, days, seed)
    err.print(
        f"[green]✓[/] simulated {summary.students} students over {summary.days} school days: "
        f"{summary.answers:,} answers, {summary.passes:,} passes, {summary.restarts:,} restarts; "
        f"{summary.events_appended:,} new events ({summary.elapsed_s:.0f} s)"
    )
    accounts = _demo_accounts(login_database_url("signin", settings), seed)
    run = _pipeline(settings, login_database_url("pipeline", settings))
    reports = _reports(settings, summary)
    _record_in_dagster(run, reports["weeks"])
    _tour(settings, reports, time.monotonic() - started, run, accounts)


# The only passwords Quizflow ever sets by itself, and only in the demo, which says so.
DEMO_PASSWORDS = {
    "student": "demo student password",
    "teacher": "demo teacher password",
    "editor": "demo editor password",
    "admin": "demo admin password",
}


def _demo_accounts(signin_url: str, seed: int) -> list[tuple[str, str, str, str]]:
    """(role, username, name, password) of one demo account per role, with their passwords
    set (kept if set before)."""
    import psycopg

    from quizflow.accounts.admin import ensure_password
    from quizflow.simulate.roster import build_roster

    roster = build_roster(seed, 1, 1)
    student = roster.students[0]
    school_class = student.school_class
    school = school_class.school_id
    chosen = [
        ("student", student.student_id, student.name),
        ("teacher", school_class.teacher_id, school_class.teacher_name),
        ("editor", f"{school}-editor", f"{school} content editor"),
        ("admin", f"{school}-admin", f"{school} admin"),
    ]
    with psycopg.connect(signin_url, autocommit=True) as conn:
        for role, account_id, _ in chosen:
            ensure_password(conn, account_id, account_id, DEMO_PASSWORDS[role])
    return [(role, account_id, name, DEMO_PASSWORDS[role]) for role, account_id, name in chosen]


def _simulate(store: Any, students: int, days: int, seed: int) -> Any:
    from quizflow.simulate import SimulationConfig, simulate

    config = SimulationConfig(students=students, days=days, seed=seed)
    with _progress() as progress:
        task = progress.add_task("simulating school days", total=days)

        def day_done(day: Any) -> None:
            progress.update(task, completed=day.day, description=f"simulated {day.date}")

        return simulate(store, config, progress=day_done)


def _pipeline(settings: Any, url: str) -> Any:
    from quizflow.warehouse import run_pipeline
    from quizflow.warehouse.duck import PipelineError

    try:
        with _progress() as progress:
            task = progress.add_task("pipeline", total=None)
            run = run_pipeline(settings, url, say=lambda m: progress.update(task, description=m))
    except PipelineError as error:
        err.print(f"[red]pipeline failed:[/] {error}")
        raise typer.Exit(1) from None
    failed = [c for c in run.checks if not c.passed]
    err.print(
        f"[green]✓[/] pipeline: {run.ingest.events:,} events ingested, "
        f"{len(run.projections)} projections, "
        + (f"lake release {run.release}" if run.release else "snapshot published")
        + f" ({run.seconds:.1f} s)"
    )
    for check in failed:
        err.print(f"  [yellow]check {check.name}: {check.description}[/]")
    return run


def _record_in_dagster(run: Any, weeks: list[Any]) -> None:
    """What the demo made, in Dagster's history: `quizflow pipeline dev` then shows the assets
    materialised and the weeks' report partitions done, not "Never materialized"."""
    from quizflow.cli.pipeline_dagster import record_in_dagster

    with _progress() as progress:
        progress.add_task("recording the run in Dagster's history", total=None)
        recorded = record_in_dagster(run, weeks, source="quizflow demo")
    if recorded:
        err.print(f"[green]✓[/] recorded in Dagster's history ({len(weeks)} report weeks)")


def _reports(settings: Any, summary: Any) -> dict[str, Any]:
    from datetime import date

    from quizflow.reports.hard_questions import write_hard_questions_report
    from quizflow.reports.names import current_names
    from quizflow.reports.teacher import write_all_teacher_reports
    from quizflow.reports.teacher_week import IsoWeek

    names = current_names(settings)
    first = date.fromisoformat(summary.first_day)
    last = date.fromisoformat(summary.last_day)
    weeks = IsoWeek.span(first, last)
    teacher: list[Path] = []
    with _progress() as progress:
        task = progress.add_task("teacher reports", total=len(weeks))
        for week in weeks:
            progress.update(task, description=f"teacher reports {week}")
            teacher += write_all_teacher_reports(settings.published_path, week, names=names)
            progress.advance(task)
    hard = write_hard_questions_report(
        settings.published_path, settings.reports_dir / "hard-questions.html"
    )
    err.print(f"[green]✓[/] {len(teacher)} teacher reports ({len(weeks)} weeks), hard questions")
    return {"teacher": teacher, "hard": hard, "weeks": weeks}


def _tour(
    settings: Any,
    reports: dict[str, Any],
    seconds: float,
    run: Any,
    accounts: list[tuple[str, str, str, str]],
) -> None:
    from quizflow.reports.hard_questions import load_hard_questions
    from quizflow.warehouse import open_published

    with open_published(settings.published_path) as con:
        hardest = load_hard_questions(con, limit=5)
    err.rule("[bold]The five hardest questions")
    for rank, item in enumerate(hardest, start=1):
        facility = item["facility"]
        err.print(
            f"{rank}. [bold]{item['question_id']}[/] {item['text']}\n"
            f"   {item['answers']} answers, "
            + (f"{facility:.0%} right first time, " if facility is not None else "")
            + f"difficulty {item['difficulty']:+.2f}"
        )
        for wrong in item["top_wrong_answers"]:
            why = f" — {wrong['misconception']}" if wrong.get("misconception") else ""
            shown = wrong.get("answer_display") or wrong["answer"]
            err.print(f"     wrong: “{escape(shown)}” ({wrong['share']:.0%}){why}")
    example = reports["teacher"][0] if reports["teacher"] else None
    err.rule("[bold]Where everything is")
    err.print(f"events      PostgreSQL, `uv run quizflow db url`; cursor {run.ingest.cursor}")
    if run.release:  # QUIZFLOW_WAREHOUSE=lake (docs/lakehouse.md)
        err.print(f"warehouse   Iceberg tables, lake release {run.release} (docs/lakehouse.md)")
    else:
        err.print(f"warehouse   {settings.warehouse_path}")
        err.print(f"snapshot    {settings.published_path} (open it read-only)")
    err.print(f"reports     {settings.reports_dir}/teacher/<class>/<week>.html")
    if example:
        err.print(f"            e.g. {example}")
    err.print(f"            {reports['hard']}")
    err.rule("[bold]Go on")
    err.print("uv run quizflow serve                      then open http://127.0.0.1:8000")
    err.print(
        "    [yellow]demo accounts[/] (demo passwords: for trying Quizflow out, never for "
        "real students):"
    )
    for role, username, name, password in accounts:
        err.print(
            f"    {role:8} username [bold]{username}[/]  password [bold]{password}[/]  ({name})"
        )
    err.print("uv run quizflow hard-questions --limit 10")
    err.print("uv run quizflow query --list")
    err.print("uv run quizflow pipeline dev                 (dagster dev -w workspace.yaml)")
    err.print("uv run marimo edit notebooks/mistakes.py")
    err.print(f"[dim]demo finished in {seconds:.0f} s; running it again adds nothing.[/]")


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )
