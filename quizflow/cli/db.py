"""`quizflow db ...`: the PostgreSQL that holds the events."""

from __future__ import annotations

from typing import Annotated

import typer

from quizflow.cli.output import err, print_json
from quizflow.settings import load_settings

app = typer.Typer(help="The PostgreSQL event store: its URL, and the embedded server.")


@app.command("url")
def url() -> None:
    """Print the connection URL (starting the embedded server if needed)."""
    from quizflow.database import database_url

    typer.echo(database_url())


@app.command("start")
def start() -> None:
    """Start the embedded PostgreSQL (no-op with QUIZFLOW_DATABASE_URL) and migrate it."""
    from quizflow.database import database_url
    from quizflow.eventstore.migrate import migrate

    url = database_url()
    applied = migrate(url)
    err.print(f"PostgreSQL ready at {url}" + (f"; applied {', '.join(applied)}" if applied else ""))


@app.command("status")
def status() -> None:
    """Say whether the embedded server runs (as JSON)."""
    from quizflow.eventstore import embedded

    settings = load_settings()
    if settings.database_url:
        print_json({"external": True, "url": settings.database_url})
        return
    print_json(embedded.status(settings.pg_data))


@app.command("stop")
def stop() -> None:
    """Stop the embedded PostgreSQL."""
    from quizflow.eventstore import embedded

    settings = load_settings()
    if settings.database_url:
        err.print("QUIZFLOW_DATABASE_URL is set: that server is not Quizflow's to stop.")
        raise typer.Exit(1)
    stopped = embedded.stop(settings.pg_data)
    err.print("stopped" if stopped else "was not running")


# What `db roles` prints instead of passwords, for an administrator to replace.
PLACEHOLDERS = {
    "web": "CHANGE-ME-web-password",
    "signin": "CHANGE-ME-signin-password",
    "pipeline": "CHANGE-ME-pipeline-password",
}


@app.command("roles")
def roles(
    apply: Annotated[
        bool,
        typer.Option(
            "--apply",
            help="Create or update the roles on the server of QUIZFLOW_DATABASE_URL (or the "
            "embedded one) with the passwords kept in $QUIZFLOW_HOME/db-logins.json (made when "
            "missing), then print the SQL that was run, real passwords included.",
        ),
    ] = False,
) -> None:
    """Print the SQL that creates Quizflow's three login roles.

    quizflow_web (the web app and appends; member of quizflow_writer), quizflow_signin (the
    sign-in code; member of quizflow_accounts) and quizflow_pipeline (the pipeline, read only;
    member of quizflow_reader). Migrations and administration keep the owner's URL.

    Without --apply the passwords are placeholders and nothing is touched: for a managed
    PostgreSQL, replace them, run the SQL in Quizflow's database as a role with CREATEROLE
    (after `quizflow db start` has migrated it), and set QUIZFLOW_WEB_DATABASE_URL,
    QUIZFLOW_SIGNIN_DATABASE_URL and QUIZFLOW_PIPELINE_DATABASE_URL. The SQL is idempotent.
    """
    from quizflow.eventstore.logins import LOGINS, apply_logins, roles_sql

    if not apply:
        typer.echo(roles_sql(PLACEHOLDERS), nl=False)
        typer.echo(_settings_hint(LOGINS))
        return
    from quizflow.database import database_url

    settings = load_settings()
    passwords = apply_logins(database_url(settings), settings.db_logins_path)
    typer.echo(roles_sql(passwords), nl=False)
    err.print(f"applied; the passwords are kept in {settings.db_logins_path} (mode 0600)")


def _settings_hint(logins: dict[str, str]) -> str:
    from quizflow.settings import LOGIN_URL_SETTINGS

    lines = ["", "-- Then give each process its login's URL (the owner's host and database):"]
    for kind, role in logins.items():
        lines.append(
            f"--   {LOGIN_URL_SETTINGS[kind]}=postgresql://{role}:PASSWORD@HOST:5432/DATABASE"
        )
    return "\n".join(lines)
