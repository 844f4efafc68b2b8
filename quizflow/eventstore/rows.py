"""Rows to events and events to JSON: what both PostgreSQL stores (sync and async) share."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from quizflow.eventstore.types import (
    DuplicateEventError,
    ExpectedVersion,
    NewEvent,
    RecordedEvent,
    expected_as_int,
)


def append_params(
    stream_id: str, expected_version: ExpectedVersion, events: Sequence[NewEvent]
) -> tuple[dict[str, Any], str]:
    """The append statement's parameters, and the events' JSON (to build the result from)."""
    payload = json.dumps([_event_json(e) for e in events], default=str)
    expected = expected_as_int(expected_version)
    return {"stream_id": stream_id, "expected_version": expected, "events": payload}, payload


def row_to_event(row: tuple[Any, ...]) -> RecordedEvent:
    position, tx, event_id, stream_id, version, type_, data, metadata, occurred, recorded = row
    return RecordedEvent(
        event_id=event_id,
        stream_id=stream_id,
        version=version,
        position=position,
        tx=tx,
        type=type_,
        data=data,
        metadata=metadata,
        occurred_at=occurred,
        recorded_at=recorded,
    )


def assigned(stream_id: str, payload: str, rows: list[tuple[Any, ...]]) -> list[RecordedEvent]:
    """The appended events: what was sent (decoded afresh, so as stored) plus what the store
    assigned (position, transaction, version, times)."""
    return [
        RecordedEvent(
            event_id=event_id,
            stream_id=stream_id,
            version=version,
            position=position,
            tx=tx,
            type=event["type"],
            data=event["data"],
            metadata=event["metadata"],
            occurred_at=occurred,
            recorded_at=recorded,
        )
        for event, (position, tx, event_id, version, occurred, recorded) in zip(
            json.loads(payload), rows, strict=True
        )
    ]


def same_append(
    stream_id: str, events: Sequence[NewEvent], rows: list[tuple[Any, ...]]
) -> list[RecordedEvent] | None:
    """The stored events when ``rows`` (looked up by the events' ids) are this very append;
    None when none of its ids is stored; DuplicateEventError when an id names another event."""
    if not rows:
        return None
    stored = {str(e.event_id): e for e in map(row_to_event, rows)}
    for event in events:
        found = stored.get(str(event.event_id))
        same = (
            found is not None
            and found.stream_id == stream_id
            and found.type == event.type
            and found.data == json.loads(json.dumps(event.data, default=str))
        )
        if not same:
            raise DuplicateEventError(
                f"event id {event.event_id} reused for a different event in {stream_id!r}"
            )
    return [stored[str(e.event_id)] for e in events]


def _event_json(event: NewEvent) -> dict[str, Any]:
    occurred: datetime | None = event.occurred_at
    if occurred is not None and occurred.tzinfo is None:
        raise ValueError("occurred_at must be timezone-aware")
    return {
        "event_id": str(event.event_id),
        "type": event.type,
        "data": event.data,
        "metadata": event.metadata,
        "occurred_at": occurred.isoformat() if occurred else None,
    }
