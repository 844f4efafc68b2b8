"""Teacher reports: a weekly partitioned asset and its Monday-morning schedule.

Thin on purpose: the asset calls quizflow.reports.teacher and returns metadata. It reads only
the published snapshot (read-only, closed promptly), so it never holds up a pipeline run.
A partition is one ISO week, keyed by its Monday ("2026-11-23" is 2026-W48), from the first
week with quiz activity (``first_report_week``); earlier weeks are backfilled from the Dagster
UI or ``dagster asset materialize``. Each class's week is its school's (Monday 00:00 to Monday
00:00 in its time zone), and a run reports and mails only the classes whose week has ended by
then; the schedule ticks twice on Monday, so schools west of Amsterdam are reported too.

No ``from __future__ import annotations`` here: Dagster checks the ``context`` parameter's
annotation as a class, and string annotations fail that check.
"""

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb
import psycopg
from dagster import AssetExecutionContext
from pydantic import BeforeValidator, Field

from pipelines.asset_metadata import OWNERS
from pipelines.k8s import REPORTS_RUN, run_tags
from pipelines.resources import WarehouseResource
from quizflow.env_settings import EnvironmentSettings, read_environment
from quizflow.reports.names import current_addresses, current_names
from quizflow.reports.teacher import IsoWeek, write_all_teacher_reports
from quizflow.reports.teacher_mail import MailSettings, mail_weekly_reports
from quizflow.settings import Settings, load_settings
from quizflow.warehouse import open_published

GROUP = "reports"
TIMEZONE = "Europe/Amsterdam"


def _monday_of(week: Any) -> Any:
    return IsoWeek.parse(week.strip()).monday if isinstance(week, str) else week


class _FirstWeek(EnvironmentSettings):
    monday: Annotated[date, BeforeValidator(_monday_of)] | None = Field(
        None,
        validation_alias="QUIZFLOW_REPORTS_FIRST_WEEK",
        description="an ISO week such as 2026-W44",
    )


def first_report_week() -> str:
    """The Monday of the first week to report on: ``QUIZFLOW_REPORTS_FIRST_WEEK`` (an ISO week
    such as 2026-W44) when set, else the week of the published snapshot's first day of quiz
    activity (a school's own calendar day), else of the store's first event (its day in
    Amsterdam), else this week. Read when Dagster loads the code location, so after the first
    data arrives a reload of the location offers its weeks; older history still counts inside
    the reports."""
    chosen = read_environment(_FirstWeek).monday
    if chosen is not None:
        return chosen.isoformat()
    settings = load_settings()
    day = _first_day_published(settings)
    if day is None:
        first = _first_event_stored(settings) or datetime.now(UTC)
        day = first.astimezone(ZoneInfo(TIMEZONE)).date()
    return (day - timedelta(days=day.weekday())).isoformat()


def _first_day_published(settings: Settings) -> date | None:
    """The first day with quiz activity on its school's calendar: a New York school's Sunday
    evening is Monday in UTC and in Amsterdam, and belongs to the week before."""
    try:
        with open_published(settings.published_path) as con:
            row = con.execute("select min(day) from student_days").fetchone()
    except (FileNotFoundError, duckdb.Error):
        return None
    return row[0] if row and row[0] is not None else None


def _first_event_stored(settings: Settings) -> datetime | None:
    """Before the first pipeline run (a `--select '*'` run publishes and reports in one go):
    the log's first event, when a database is configured. Never starts the embedded server
    just to load the definitions."""
    url = settings.pipeline_database_url or settings.database_url
    if not url:
        return None
    try:
        with psycopg.connect(url, connect_timeout=3, autocommit=True) as conn:
            row = conn.execute(
                "select occurred_at from quizflow.events order by tx, position limit 1"
            ).fetchone()
    except psycopg.Error:
        return None
    return row[0] if row else None


def week_of_partition(partition_key: str) -> IsoWeek:
    """The ISO week a partition stands for (its key is the week's Monday)."""
    return IsoWeek.of(date.fromisoformat(partition_key))


def report_assets(first_week: str) -> tuple[dg.AssetsDefinition, dg.AssetsDefinition]:
    """The weekly report asset and the e-mail asset after it, partitioned from ``first_week``
    (a Monday)."""
    weekly = dg.WeeklyPartitionsDefinition(start_date=first_week, day_offset=1, timezone=TIMEZONE)

    @dg.asset(
        group_name=GROUP,
        partitions_def=weekly,
        deps=["published_snapshot"],
        kinds={"html"},
        owners=OWNERS,
        description="Every class's weekly teacher report for the partition's week "
        "($QUIZFLOW_HOME/reports/teacher/{class_id}/{week}.html).",
    )
    def teacher_reports(
        context: AssetExecutionContext, warehouse: WarehouseResource
    ) -> dg.MaterializeResult:
        settings = warehouse.settings()
        week = week_of_partition(context.partition_key)
        # Names come from the key store at report time (the snapshot holds none).
        paths = write_all_teacher_reports(
            settings.published_path,
            week,
            settings.reports_dir / "teacher",
            current_names(settings),
            ended_by=datetime.now(UTC),
        )
        context.log.info(f"wrote {len(paths)} teacher report(s) for {week}")
        return dg.MaterializeResult(
            metadata={
                "week": str(week),
                "classes": len(paths),
                "class_ids": dg.MetadataValue.json([p.parent.name for p in paths]),
                "files": dg.MetadataValue.json([str(p) for p in paths]),
            }
        )

    @dg.asset(
        group_name=GROUP,
        partitions_def=weekly,
        deps=[teacher_reports],
        kinds={"email"},
        owners=OWNERS,
        # A refused message fails the asset; a retry sends only what is still unsent.
        retry_policy=dg.RetryPolicy(max_retries=2, delay=300),
        description="Each class's teacher gets the week's \"needs your attention\" and a link to "
        "the report by e-mail (off unless QUIZFLOW_SMTP_HOST is set; never twice for one week).",
    )
    def teacher_report_emails(
        context: AssetExecutionContext, warehouse: WarehouseResource
    ) -> dg.MaterializeResult:
        mail = MailSettings.from_env()
        if mail is None:
            context.log.info("mail is off (QUIZFLOW_SMTP_HOST is not set)")
            return dg.MaterializeResult(metadata={"mail": "off"})
        settings = warehouse.settings()
        week = week_of_partition(context.partition_key)
        outcome = mail_weekly_reports(
            settings.published_path,
            week,
            mail,
            current_addresses(settings),
            current_names(settings),
            settings.reports_dir / "teacher",
            ended_by=datetime.now(UTC),
        )
        context.log.info(f"{week}: {outcome.summary()}")
        return dg.MaterializeResult(
            metadata={
                "week": str(week),
                "sent": len(outcome.sent),
                "sent_before": len(outcome.already_sent),
                "without_address": dg.MetadataValue.json(outcome.no_address),
                "without_teacher": dg.MetadataValue.json(outcome.no_teacher),
            }
        )

    return teacher_reports, teacher_report_emails


FIRST_WEEK = first_report_week()
teacher_reports, teacher_report_emails = report_assets(FIRST_WEEK)
weekly = teacher_reports.partitions_def


teacher_reports_job = dg.define_asset_job(
    "teacher_reports_job",
    selection=[teacher_reports, teacher_report_emails],
    description="Write every class's teacher report for one week, then mail the teachers.",
    tags=run_tags(REPORTS_RUN),
)


@dg.schedule(
    name="teacher_reports_weekly",
    job=teacher_reports_job,
    cron_schedule="0 6,18 * * 1",
    execution_timezone=TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Monday 06:00 in Amsterdam: the reports of the week that ended at midnight, for "
    "every class whose week has ended on its school's clock; 18:00: again, for the schools west "
    "of Amsterdam (by then Monday everywhere; mail is never sent twice).",
)
def teacher_reports_schedule(
    context: dg.ScheduleEvaluationContext,
) -> dg.RunRequest | dg.SkipReason:
    # The week before the tick's own date in Amsterdam (not the clock's), so a late or
    # replayed tick still asks for the week it was meant for.
    ticked = context.scheduled_execution_time or datetime.now(ZoneInfo(TIMEZONE))
    week = IsoWeek.last_complete(ticked.astimezone(ZoneInfo(TIMEZONE)).date())
    key = week.monday.isoformat()
    if key < FIRST_WEEK:
        return dg.SkipReason(f"{week} is before the first reported week ({FIRST_WEEK})")
    tick = ticked.astimezone(ZoneInfo(TIMEZONE)).strftime("%H%M")
    return dg.RunRequest(run_key=f"teacher-reports-{key}-{tick}", partition_key=key)


defs = dg.Definitions(
    assets=[teacher_reports, teacher_report_emails],
    jobs=[teacher_reports_job],
    schedules=[teacher_reports_schedule],
)
