"""Retention: a student's identity is kept for ``QUIZFLOW_RETENTION_DAYS`` after their account
was deactivated (they left the school), then erased. Only deactivated students are ever due:
an active account is never erased by the clock."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from quizflow.accounts.admin import events_of_types
from quizflow.eventstore import EventStore

DEFAULT_DAYS = 365
_TYPES = (
    "accounts/AccountCreated",
    "accounts/AccountDeactivated",
    "accounts/AccountReactivated",
    "accounts/PersonErased",
)


class RetentionSettingError(ValueError):
    pass


def retention_days(environ: Mapping[str, str] = os.environ) -> int:
    text = environ.get("QUIZFLOW_RETENTION_DAYS") or ""
    if not text:
        return DEFAULT_DAYS
    try:
        days = int(text)
    except ValueError:
        raise RetentionSettingError(
            f"QUIZFLOW_RETENTION_DAYS must be a whole number of days, got {text!r}"
        ) from None
    if days < 1:
        raise RetentionSettingError(f"QUIZFLOW_RETENTION_DAYS must be at least 1, got {days}")
    return days


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
