"""`quizflow report ...`: reports written from the published snapshot."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer

from quizflow.cli.output import err
from quizflow.school_time import DEFAULT_TIME_ZONE
from quizflow.settings import load_settings

if TYPE_CHECKING:
    from quizflow.reports.teacher_week import IsoWeek

app = typer.Typer(help="Reports written from the published snapshot (HTML files).")


@app.command("teacher")
def teacher(
    class_id: Annotated[
        str | None,
        typer.Option("--class", help="The class id (see `quizflow query teacher_classes`)."),
    ] = None,
    week: Annotated[
        str | None,
        typer.Option(help="The ISO week, e.g. 2026-W48. Default: last week (Monday to Sunday)."),
    ] = None,
    all_classes: Annotated[
        bool, typer.Option("--all", help="Every class in the roster instead of one.")
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(help="Folder to write to. Default: $QUIZFLOW_HOME/reports/teacher."),
    ] = None,
) -> None:
    """The weekly class report: one HTML file per class, written to OUT/CLASS/WEEK.html.

    Prints the path of every file written, one per line.
    """
    from quizflow.reports.teacher import (
        BadWeekError,
        IsoWeek,
        UnknownClassError,
        write_all_teacher_reports,
        write_teacher_report,
    )

    if all_classes == (class_id is not None):
        err.print("[red]report failed:[/] give either --class ID or --all")
        raise typer.Exit(2)
    try:
        iso_week = IsoWeek.parse(week) if week else _last_week()
    except BadWeekError as error:
        err.print(f"[red]report failed:[/] {error}")
        raise typer.Exit(2) from None
    from quizflow.reports.names import current_names

    settings = load_settings()
    snapshot = settings.published_path
    try:
        with err.status(f"writing teacher reports for {iso_week}"):
            names = current_names(settings)
            if class_id is not None:
                paths = [write_teacher_report(snapshot, class_id, iso_week, out, names)]
            else:
                paths = write_all_teacher_reports(snapshot, iso_week, out, names)
    except UnknownClassError as error:
        err.print(f"[red]report failed:[/] {error}")
        raise typer.Exit(2) from None
    except FileNotFoundError as error:
        err.print(f"[red]report failed:[/] {error}")
        raise typer.Exit(1) from None
    for path in paths:
        typer.echo(str(path))
    err.print(f"{len(paths)} report(s) for {iso_week} ({iso_week.label()})")


@app.command("mail")
def mail(
    week: Annotated[
        str | None,
        typer.Option(help="The ISO week, e.g. 2026-W48. Default: last week (Monday to Sunday)."),
    ] = None,
) -> None:
    """E-mail every class's teacher the week's "needs your attention" and a link to the report.

    Needs QUIZFLOW_SMTP_HOST (and QUIZFLOW_SMTP_PORT, _FROM, _USER, _PASSWORD, _STARTTLS as the
    server wants; QUIZFLOW_PUBLIC_URL for the link). A mail already sent for a class and week is
    not sent again, so running it twice, or after a refusal, sends only what is still unsent.
    """
    from quizflow.reports.names import current_addresses, current_names
    from quizflow.reports.teacher import BadWeekError, IsoWeek
    from quizflow.reports.teacher_mail import MailError, MailSettings, mail_weekly_reports

    try:
        iso_week = IsoWeek.parse(week) if week else _last_week()
        mail_settings = MailSettings.from_env()
    except (BadWeekError, ValueError) as error:
        err.print(f"[red]mail failed:[/] {error}")
        raise typer.Exit(2) from None
    if mail_settings is None:
        err.print("[red]mail failed:[/] mail is off: set QUIZFLOW_SMTP_HOST to the mail server")
        raise typer.Exit(2)
    settings = load_settings()
    try:
        with err.status(f"mailing teacher reports for {iso_week}"):
            outcome = mail_weekly_reports(
                settings.published_path,
                iso_week,
                mail_settings,
                current_addresses(settings),
                current_names(settings),
                settings.reports_dir / "teacher",
                # A class whose week is still running on its school's clock waits.
                ended_by=datetime.now(UTC),
            )
    except MailError as error:
        err.print(f"[red]mail failed:[/] {error}")
        raise typer.Exit(1) from None
    except FileNotFoundError as error:
        err.print(f"[red]mail failed:[/] {error}")
        raise typer.Exit(1) from None
    err.print(f"{iso_week}: {outcome.summary()}")


def _last_week() -> IsoWeek:
    """Last week as the schedule counts it: by today's date in Amsterdam, not in UTC (at 00:30
    on Monday there, last week has just ended)."""
    from quizflow.reports import teacher_week

    return teacher_week.IsoWeek.last_complete(datetime.now(ZoneInfo(DEFAULT_TIME_ZONE)).date())
