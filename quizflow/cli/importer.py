"""`quizflow import responses`: bring a school's response history in as quiz events."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from quizflow.cli.output import err, print_json
from quizflow.eventstore.types import Cursor

app = typer.Typer(help="Import history from other systems as quiz events.")


class TimeUnit(StrEnum):
    ms = "ms"
    s = "s"
    iso = "iso"


class SummaryFormat(StrEnum):
    table = "table"
    json = "json"


@app.command("responses")
def responses(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="The CSV log.")
    ],
    student: Annotated[str, typer.Option("--student", help="Column with the student id.")],
    question: Annotated[str, typer.Option("--question", help="Column with the question id.")],
    correct: Annotated[
        str, typer.Option("--correct", help="Column saying right or wrong (1/0, true/false).")
    ],
    answer: Annotated[
        str | None, typer.Option("--answer", help="Column with what the student answered.")
    ] = None,
    time_column: Annotated[
        str | None,
        typer.Option("--time", help="Column with when they answered (default: file order)."),
    ] = None,
    time_unit: Annotated[
        TimeUnit, typer.Option("--time-unit", help="How --time is written.")
    ] = TimeUnit.iso,
    response_ms: Annotated[
        str | None, typer.Option("--response-ms", help="Column with the response time in ms.")
    ] = None,
    course: Annotated[
        str | None, typer.Option("--course", help="Course id (default: the file's name).")
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(
            "--source",
            help="The system the log comes from, part of each row's "
            "identity (default: the course id).",
        ),
    ] = None,
    pipeline: Annotated[
        bool, typer.Option(help="Run the pipeline afterwards so queries see the import.")
    ] = True,
    fmt: Annotated[
        SummaryFormat, typer.Option("--format", help="json: the summary as one JSON document.")
    ] = SummaryFormat.table,
) -> None:
    """Validate the whole file, then append its answers as quiz events of their own streams.

    Bad rows are listed with their line numbers and nothing is imported. A row is known by its
    content (source, student, question, time, answer), so importing a file again, or a
    corrected or extended copy of it, appends only the rows not stored yet; an import that
    stopped midway is finished by running it again. Imported history never changes a quiz a
    student is taking. Without --time the rows keep their file order on a synthetic clock (one
    a minute from 2000-01-01 UTC).
    """
    import psycopg
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from quizflow.cli.output import first_line, quiet_connection_pool
    from quizflow.database import open_store
    from quizflow.importer import ImportColumns, InvalidLogError, import_responses
    from quizflow.importer.load import ImportInterrupted
    from quizflow.settings import load_settings

    columns = ImportColumns(
        student=student,
        question=question,
        correct=correct,
        answer=answer,
        time=time_column,
        time_unit=time_unit.value,
        response_ms=response_ms,
    )
    if time_column is None:
        err.print(
            "[yellow]no --time column:[/] answers keep their file order on a synthetic clock "
            "(one row a minute from 2000-01-01 UTC); times are an order, not real dates"
        )
    quiet_connection_pool()
    try:
        store = open_store()
    except Exception as error:
        err.print(
            f"[red]nothing imported:[/] PostgreSQL is not reachable "
            f"({escape(first_line(error))}); start it or check QUIZFLOW_DATABASE_URL.",
            soft_wrap=True,
        )
        raise typer.Exit(1) from None
    with (
        store,
        Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=err,
            transient=True,
        ) as bar,
    ):
        task = bar.add_task(f"importing {file.name}", total=None)
        try:
            summary = import_responses(
                store,
                file,
                columns,
                course_id=course,
                source=source,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
                work_dir=load_settings().home / "tmp",
            )
        except InvalidLogError as error:
            bar.stop()
            err.print(f"[red]{escape(str(error))}[/]")
            raise typer.Exit(1) from None
        except ImportInterrupted as error:
            bar.stop()
            err.print(f"[red]{escape(str(error))}.[/]", soft_wrap=True)
            raise typer.Exit(1) from None
        except psycopg.Error as error:  # before the first append: nothing was imported
            bar.stop()
            err.print(
                f"[red]nothing imported:[/] PostgreSQL stopped answering "
                f"({escape(first_line(error))}); run the import again once it is back.",
                soft_wrap=True,
            )
            raise typer.Exit(1) from None
    err.print(
        f"{summary.rows:,} answers by {summary.students:,} students to {summary.questions:,} "
        f"questions -> course {summary.course_id}: {summary.events_appended:,} events appended, "
        f"{summary.events_already_stored:,} already stored, in {summary.seconds:.1f}s"
    )
    if summary.rows_changed_since_stored:
        err.print(
            f"[yellow]{summary.rows_changed_since_stored:,} row(s) were imported before with "
            "another correct flag;[/] stored events never change, so they keep the first one"
        )
    if pipeline:
        _run_pipeline(summary.last_cursor)
    if fmt is SummaryFormat.json:
        print_json(summary.to_dict())


def _run_pipeline(last_cursor: Cursor | None) -> None:
    from quizflow.database import login_database_url
    from quizflow.importer.publish import publish_import
    from quizflow.settings import load_settings

    settings = load_settings()
    with err.status("pipeline: bringing the warehouse up to date"):
        url = login_database_url("pipeline", settings)
        summary, caught_up = publish_import(settings, url, last_cursor)
    err.print(
        f"pipeline: {summary.ingest.events:,} events ingested, published {summary.published} "
        f"in {summary.seconds:.1f}s"
    )
    if not caught_up:
        err.print(
            "[yellow]a long transaction elsewhere holds the newest events back;[/] "
            "run `quizflow pipeline run` again shortly to publish the rest of the import"
        )
