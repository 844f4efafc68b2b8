"""Who is due for erasure: deactivated students past the retention time, and nobody else."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from quizflow.env_settings import SettingError
from quizflow.eventstore import ANY, InMemoryEventStore, NewEvent
from quizflow.privacy.retention import DEFAULT_DAYS, due_for_erasure, retention_days
from quizflow.quiz import (
    AccountCreated,
    AccountDeactivated,
    AccountReactivated,
    PersonErased,
    stream_id,
    to_payload,
)


def _append(store: InMemoryEventStore, *events: object) -> None:
    for event in events:
        type_name, data = to_payload(event)  # type: ignore[arg-type]
        store.append(
            stream_id(event),
            ANY,  # type: ignore[arg-type]
            [NewEvent(type_name, data, {}, uuid.uuid4())],
        )


def test_only_deactivated_students_past_the_retention_time_are_due() -> None:
    store = InMemoryEventStore()
    for account, roles in (
        ("left", ("student",)),
        ("back", ("student",)),
        ("gone", ("student",)),
        ("here", ("student",)),
        ("teacher", ("teacher",)),
    ):
        _append(store, AccountCreated(account, "hill", "Name", roles))
    _append(
        store,
        AccountDeactivated("left"),
        AccountDeactivated("back"),
        AccountReactivated("back"),
        AccountDeactivated("gone"),
        PersonErased("gone"),
        AccountDeactivated("teacher"),
    )
    now = datetime.now(UTC)
    assert due_for_erasure(store, 30, now) == []
    later = due_for_erasure(store, 30, now + timedelta(days=31))
    assert [d.student_id for d in later] == ["left"]


def test_the_retention_setting_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QUIZFLOW_RETENTION_DAYS", raising=False)
    assert retention_days() == DEFAULT_DAYS
    monkeypatch.setenv("QUIZFLOW_RETENTION_DAYS", "90")
    assert retention_days() == 90
    for bad in ("soon", "0"):
        monkeypatch.setenv("QUIZFLOW_RETENTION_DAYS", bad)
        with pytest.raises(SettingError) as failed:
            retention_days()
        assert str(failed.value) == (
            f"QUIZFLOW_RETENTION_DAYS must be a whole number of days, 1 or more, got {bad!r}"
        )
