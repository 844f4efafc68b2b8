"""`quizflow serve`: the web app for students and teachers (pages, JSON API, OpenAPI at /docs)."""

from __future__ import annotations

import typer

from quizflow.cli.output import err


def command(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="TCP port."),
    pool_size: int = typer.Option(10, help="PostgreSQL connections for commands, per process."),
    workers: int = typer.Option(
        1,
        min=1,
        help="Web processes on the one port, each with its own read model (uvicorn workers).",
    ),
    access_log: bool = typer.Option(False, help="Log every request."),
    log_level: str = typer.Option("warning", help="debug, info, warning or error."),
) -> None:
    """Serve the quiz web app until interrupted (Ctrl-C)."""
    from quizflow.accounts.settings import SettingError, load_auth_settings
    from quizflow.app.web.api import health_max_lag_s
    from quizflow.app.web.server import serve
    from quizflow.settings import load_settings

    try:
        load_settings()
        load_auth_settings()
        health_max_lag_s()
    except SettingError as error:
        err.print(f"[red]error:[/] {error}")
        raise typer.Exit(2) from None
    processes = f", {workers} processes" if workers > 1 else ""
    err.print(
        f"Quizflow starting on http://{host}:{port}/{processes} (catching up with the log first)"
    )
    serve(
        load_settings(),
        host,
        port,
        pool_size=pool_size,
        access_log=access_log,
        log_level=log_level,
        workers=workers,
    )
