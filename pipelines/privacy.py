"""Retention: each night, erase the students whose identity is past its retention time
(``QUIZFLOW_RETENTION_DAYS`` after deactivation). The run log names them by id only."""

from datetime import UTC, datetime

import dagster as dg
from dagster import OpExecutionContext

from pipelines.resources import WarehouseResource
from quizflow.privacy.retention import due_for_erasure, retention_days

TIMEZONE = "Europe/Amsterdam"


@dg.op(description="Erase every student past the retention time; logs their ids only.")
def erase_due_students(context: OpExecutionContext, warehouse: WarehouseResource) -> list[str]:
    from quizflow.database import database_url, login_database_url
    from quizflow.eventstore.postgres import PostgresEventStore
    from quizflow.privacy.erasure import erase

    settings = warehouse.settings()
    days = retention_days()
    with PostgresEventStore(login_database_url("web", settings), role=None, max_size=1) as store:
        due = due_for_erasure(store, days, datetime.now(UTC))
        for person in due:
            erase(
                store,
                database_url(settings),
                login_database_url("signin", settings),
                person.student_id,
                settings.reports_dir,
                actor="retention",
            )
            context.log.info(
                f"erased {person.student_id} (deactivated "
                f"{person.deactivated_at:%Y-%m-%d}, retention {days} days)"
            )
    context.log.info(f"{len(due)} student(s) past the retention time of {days} days erased")
    return [person.student_id for person in due]


@dg.job(description="Erase the students whose identity is past its retention time.")
def privacy_retention_job() -> None:
    erase_due_students()


privacy_retention_schedule = dg.ScheduleDefinition(
    name="privacy_retention_nightly",
    job=privacy_retention_job,
    cron_schedule="30 2 * * *",
    execution_timezone=TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="02:30 in Amsterdam: erase students past QUIZFLOW_RETENTION_DAYS after "
    "deactivation.",
)

defs = dg.Definitions(jobs=[privacy_retention_job], schedules=[privacy_retention_schedule])
