"""Retention: a student's identity is kept for ``QUIZFLOW_RETENTION_DAYS`` after their account
was deactivated (they left the school), then erased. Only deactivated students are ever due:
an active account is never erased by the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import Field

from quizflow.accounts.admin import events_of_types
from quizflow.env_settings import EnvironmentSettings, read_environment
from quizflow.eventstore import EventStore
from quizflow.settings import Settings

DEFAULT_DAYS = 365
_TYPES = (
    "accounts/AccountCreated",
    "accounts/AccountDeactivated",
    "accounts/AccountReactivated",
    "accounts/PersonErased",
)


class _Environment(EnvironmentSettings):
    days: int = Field(
        DEFAULT_DAYS,
        ge=1,
        validation_alias="QUIZFLOW_RETENTION_DAYS",
        description="a whole number of days, 1 or more",
    )


def retention_days() -> int:
    """``QUIZFLOW_RETENTION_DAYS`` now; ``SettingError`` (one sentence) for a bad value."""
    return read_environment(_Environment).days


@dataclass(frozen=True)
class Due:
    student_id: str
    deactivated_at: datetime


def due_for_erasure(store: EventStore, days: int, now: datetime) -> list[Due]:
    """Students deactivated more than ``days`` ago (by the deactivation's time in the log),
    not reactivated since and not erased yet."""
    students: set[str] = set()
    deactivated: dict[str, datetime] = {}
    erased: set[str] = set()
    for recorded in events_of_types(store, _TYPES):
        account_id = recorded.data.get("account_id")
        if not isinstance(account_id, str):
            continue
        match recorded.type:
            case "accounts/AccountCreated" if "student" in (recorded.data.get("roles") or ()):
                students.add(account_id)
            case "accounts/AccountDeactivated":
                deactivated[account_id] = recorded.recorded_at
            case "accounts/AccountReactivated":
                deactivated.pop(account_id, None)
            case "accounts/PersonErased":
                erased.add(account_id)
    cutoff = now - timedelta(days=days)
    return sorted(
        (
            Due(s, at)
            for s, at in deactivated.items()
            if s in students and s not in erased and at <= cutoff
        ),
        key=lambda due: due.deactivated_at,
    )


def erase_past_retention(
    settings: Settings,
    days: int,
    now: datetime,
    *,
    dry_run: bool = False,
    on_erased: Callable[[Due], None] = lambda due: None,
) -> list[Due]:
    """The retention sweep of the CLI and the nightly job: find who is due and, unless
    ``dry_run``, erase each as the retention actor (``on_erased`` after each, for a log)."""
    from quizflow.database import database_url, login_database_url
    from quizflow.eventstore.postgres import PostgresEventStore
    from quizflow.privacy.erasure import erase

    with PostgresEventStore(login_database_url("web", settings), role=None, max_size=1) as store:
        due = due_for_erasure(store, days, now)
        if dry_run:
            return due
        for person in due:
            erase(
                store,
                database_url(settings),
                login_database_url("signin", settings),
                person.student_id,
                settings.reports_dir,
                actor="retention",
            )
            on_erased(person)
    return due
