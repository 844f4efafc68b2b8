"""The published snapshot as the reading commands open it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from quizflow.cli.output import err

if TYPE_CHECKING:
    import duckdb


def open_snapshot_or_exit(path: Path) -> duckdb.DuckDBPyConnection:
    """The snapshot read-only, or a clear message and exit status 1 when none is published."""
    from quizflow.warehouse import PipelineError, open_published

    try:
        return open_published(path)
    except (FileNotFoundError, PipelineError) as error:  # PipelineError: the lake unreachable
        err.print(f"[red]{escape(str(error))}[/]")
        raise typer.Exit(1) from None
