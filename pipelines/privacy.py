"""Retention: each night, erase the students whose identity is past its retention time
(``QUIZFLOW_RETENTION_DAYS`` after deactivation). The run log names them by id only."""

from datetime import UTC, datetime

import dagster as dg
from dagster import OpExecutionContext

from pipelines.resources import WarehouseResource
from quizflow.privacy.retention import Due, erase_past_retention, retention_days

TIMEZONE = "Europe/Amsterdam"


@dg.op(description="Erase every student past the retention time; logs their ids only.")
def erase_due_students(context: OpExecutionContext, warehouse: WarehouseResource) -> list[str]:
    days = retention_days()

    def logged(person: Due) -> None:
        context.log.info(
            f"erased {person.student_id} (deactivated "
            f"{person.deactivated_at:%Y-%m-%d}, retention {days} days)"
        )

    due = erase_past_retention(warehouse.settings(), days, datetime.now(UTC), on_erased=logged)
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
