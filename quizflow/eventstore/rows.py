"""Rows to events and events to JSON: what both PostgreSQL stores (sync and async) share."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import psycopg

from quizflow.eventstore.payload import as_stored, encode
from quizflow.eventstore.sqlfiles import query
from quizflow.eventstore.types import (
    DuplicateEventError,
    ExpectedVersion,
    InvalidEventError,
    NewEvent,
    RecordedEvent,
    expected_as_int,
)


class PreparedAppend:
    """One append's statement and parameters, and how to turn its rows into the stored events.

    A single event (the common case) goes through ``append_event`` with a parameter per field;
    several go as one jsonb array through ``append_events``. Both return, per event in order,
    only what the store assigned: (position, tx, version, recorded_at), in PostgreSQL's binary
    format, which psycopg decodes faster than text.
    """

    __slots__ = ("_payload", "_sent", "events", "expected", "params", "sql", "stream_id")

    def __init__(
        self, stream_id: str, expected_version: ExpectedVersion, events: Sequence[NewEvent]
    ) -> None:
        self.stream_id = stream_id
        self.events = events
        self.expected = expected_as_int(expected_version)
        self.params: tuple[Any, ...] | dict[str, Any]
        self._sent: tuple[str, str | None] | None = None
        self._payload = ""
        if len(events) == 1:
            event = events[0]
            data = encode(event.data)
            # Empty metadata is sent as NULL (stored as {}): one encode and decode fewer.
            metadata = encode(event.metadata) if event.metadata else None
            self._sent = (data, metadata)
            self.sql = query("append_event")
            self.params = (
                stream_id,
                self.expected,
                event.event_id,
                event.type,
                data,
                metadata,
                _occurred_at(event),
            )
        else:
            self._payload = encode([_event_json(e) for e in events])
            self.sql = query("append")
            self.params = {
                "stream_id": stream_id,
                "expected_version": self.expected,
                "events": self._payload,
            }

    def recorded(self, rows: list[tuple[Any, ...]]) -> list[RecordedEvent]:
        """The appended events: what was sent (decoded afresh, so as stored) plus what the
        store assigned. An event without its own occurred_at happened at the append's time."""
        if self._sent is not None:
            data, metadata = self._sent
            payloads = [(json.loads(data), json.loads(metadata) if metadata else {})]
        else:
            payloads = [(e["data"], e["metadata"]) for e in json.loads(self._payload)]
        return [
            RecordedEvent(
                event_id=event.event_id,
                stream_id=self.stream_id,
                version=version,
                position=position,
                tx=tx,
                type=event.type,
                data=data,
                metadata=metadata,
                occurred_at=event.occurred_at or recorded,
                recorded_at=recorded,
            )
            for event, (data, metadata), (position, tx, version, recorded) in zip(
                self.events, payloads, rows, strict=True
            )
        ]


# Raised by the append functions for an event no reader can use (an unknown type, a non-finite
# occurred_at): migrations/0007_refuse_unusable_event_function.sql.
REFUSED_EVENT = "QF004"


def refused_event(error: psycopg.Error) -> InvalidEventError | None:
    """The store's refusal of an unusable event as an InvalidEventError; None for any other
    error."""
    if error.sqlstate != REFUSED_EVENT:
        return None
    return InvalidEventError(error.diag.message_primary or str(error))


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
            and found.data == as_stored(event.data)
        )
        if not same:
            raise DuplicateEventError(
                f"event id {event.event_id} reused for a different event in {stream_id!r}"
            )
    return [stored[str(e.event_id)] for e in events]


def _occurred_at(event: NewEvent) -> datetime | None:
    occurred = event.occurred_at
    if occurred is not None and occurred.tzinfo is None:
        raise ValueError("occurred_at must be timezone-aware")
    return occurred


def _event_json(event: NewEvent) -> dict[str, Any]:
    occurred = _occurred_at(event)
    return {
        "event_id": str(event.event_id),
        "type": event.type,
        "data": event.data,
        "metadata": event.metadata,
        "occurred_at": occurred.isoformat() if occurred else None,
    }
