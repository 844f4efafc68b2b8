"""`quizflow privacy`: erase a student for good, or export everything held about them."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.markup import escape

from quizflow.cli.output import err, print_json

app = typer.Typer(
    help="Privacy: erase a student (crypto-shredding) or export their data.", no_args_is_help=True
)


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[red]error:[/] {escape(message)}")
    return typer.Exit(code)


@app.command()
def erase(
    student: str = typer.Option(..., "--student", help="The student's (or account's) id."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation (scripts)."),
) -> None:
    """Erase a student for good: their name becomes unreadable everywhere (the key is
    destroyed), their credentials are deleted and written reports redacted. Answers and
    statistics stay. This cannot be undone."""
    import psycopg

    from quizflow.database import database_url, login_database_url
    from quizflow.eventstore.postgres import PostgresEventStore
    from quizflow.privacy.erasure import ErasureError, erase
    from quizflow.settings import load_settings

    if not yes and not typer.confirm(
        f"Erase {student} for good? Their name cannot be recovered afterwards."
    ):
        raise _fail("nothing erased", 1)
    settings = load_settings()
    try:
        with PostgresEventStore(
            login_database_url("web", settings), role=None, max_size=1
        ) as store:
            result = erase(
                store,
                database_url(settings),
                login_database_url("signin", settings),
                student,
                settings.reports_dir,
            )
    except ErasureError as error:
        raise _fail(str(error)) from None
    except psycopg.OperationalError as error:
        raise _fail(f"PostgreSQL unavailable: {error}", 1) from None
    print_json(result.as_json())
    err.print(
        f"{student} erased"
        + (" (already erased before)" if result.already_erased else "")
        + f"; {len(result.reports_redacted)} report(s)"
        " redacted. The next pipeline run and reports show no name."
    )


@app.command()
def export(
    student: str = typer.Option(..., "--student", help="The student's (or account's) id."),
    out: Path | None = typer.Option(None, "--out", help="Write to this file (default: stdout)."),
) -> None:
    """Everything Quizflow holds about a student, as one JSON document (a subject access
    request): who they are, their classes, every event about them, derived figures."""
    import psycopg

    from quizflow.database import login_database_url
    from quizflow.eventstore.postgres import PostgresEventStore
    from quizflow.privacy.erasure import ErasureError
    from quizflow.privacy.export import export
    from quizflow.settings import load_settings

    settings = load_settings()
    web = login_database_url("web", settings)
    try:
        with PostgresEventStore(web, role=None, max_size=1) as store:
            document = export(store, web, login_database_url("signin", settings), student)
    except ErasureError as error:
        raise _fail(str(error)) from None
    except psycopg.OperationalError as error:
        raise _fail(f"PostgreSQL unavailable: {error}", 1) from None
    if out is None:
        print_json(document)
    else:
        out.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
        err.print(f"wrote {out}")


@app.command()
def retention(
    dry_run: bool = typer.Option(False, "--dry-run", help="Only list who is due."),
) -> None:
    """Erase the students deactivated longer ago than QUIZFLOW_RETENTION_DAYS (default 365);
    prints their ids (never their names) as JSON."""
    from datetime import UTC, datetime

    from quizflow.env_settings import SettingError
    from quizflow.privacy.retention import erase_past_retention, retention_days
    from quizflow.settings import load_settings

    try:
        days = retention_days()
    except SettingError as error:
        raise _fail(str(error)) from None
    due = erase_past_retention(load_settings(), days, datetime.now(UTC), dry_run=dry_run)
    print_json(
        {
            "retention_days": days,
            "dry_run": dry_run,
            "erased" if not dry_run else "due": [d.student_id for d in due],
        }
    )


@app.command()
def pseudonym(
    student: list[str] = typer.Argument(..., help="Student ids (one or more)."),
) -> None:
    """What the analysts' snapshot calls these students (for the named queries' student_id):
    only someone who may read names can turn an id into its pseudonym."""
    import psycopg

    from quizflow.database import login_database_url
    from quizflow.eventstore.postgres import PostgresEventStore
    from quizflow.privacy.keys import names_of
    from quizflow.privacy.pseudonyms import pseudonym as pseudonym_of

    try:
        with PostgresEventStore(login_database_url("web"), role=None, max_size=1) as store:
            secret = names_of(store).secret("pseudonym")
    except psycopg.OperationalError as error:
        raise _fail(f"PostgreSQL unavailable: {error}", 1) from None
    for person in student:
        typer.echo(f"{person}\t{pseudonym_of(person, secret)}")
