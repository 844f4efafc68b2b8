"""`quizflow db ...`: the PostgreSQL that holds the events."""

from __future__ import annotations

import typer

from quizflow.commands.output import err, print_json
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
