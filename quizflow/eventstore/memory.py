"""An in-memory event store for fast domain tests; passes the same contract tests."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from quizflow.eventstore.payload import as_stored
from quizflow.eventstore.types import (
    QUIZ_EVENT_TYPE_PREFIX,
    START,
    ConcurrencyError,
    Cursor,
    DuplicateEventError,
    ExpectedVersion,
    InvalidEventError,
    NewEvent,
    RecordedEvent,
    expected_as_int,
)


class InMemoryEventStore:
    """``event_types``: the vocabulary it accepts, as PostgreSQL's ``quizflow.event_types``
    table is (an append of another type raises InvalidEventError); None accepts any type. The
    event store imports nothing of the domain, so the caller passes the vocabulary (the quiz's
    ``EVENT_TYPES``)."""

    def __init__(self, event_types: Collection[str] | None = None) -> None:
        self._event_types = frozenset(event_types) if event_types is not None else None
        self._events: list[RecordedEvent] = []
        self._streams: dict[str, list[RecordedEvent]] = defaultdict(list)
        self._by_id: dict[str, RecordedEvent] = {}
        self._changed = threading.Condition()
        self._tx = 0

    def append(
        self, stream_id: str, expected_version: ExpectedVersion, events: Sequence[NewEvent]
    ) -> list[RecordedEvent]:
        expected = expected_as_int(expected_version)
        if not stream_id:
            raise ValueError("stream_id must not be empty")
        with self._changed:
            stored = [self._by_id.get(str(e.event_id)) for e in events]
            if any(stored):
                if all(
                    s is not None
                    and s.stream_id == stream_id
                    and s.type == e.type
                    and s.data == _plain(e.data)
                    for s, e in zip(stored, events, strict=True)
                ):
                    return [s for s in stored if s is not None]
                raise DuplicateEventError(f"event id reused for a different event in {stream_id}")
            if not events:
                return []
            stream = self._streams[stream_id]
            current = len(stream)
            if expected is not None and expected != current:
                raise ConcurrencyError(stream_id, expected_version, current)
            for event in events:
                self._check(stream_id, event)
            self._tx += 1
            now = datetime.now(UTC)
            recorded = []
            for offset, event in enumerate(events, start=1):
                stored_event = RecordedEvent(
                    event_id=event.event_id,
                    stream_id=stream_id,
                    version=current + offset,
                    position=len(self._events) + 1,
                    tx=self._tx,
                    type=event.type,
                    data=_plain(event.data),
                    metadata=_plain(event.metadata),
                    occurred_at=event.occurred_at or now,
                    recorded_at=now,
                )
                self._events.append(stored_event)
                stream.append(stored_event)
                self._by_id[str(event.event_id)] = stored_event
                recorded.append(stored_event)
            self._changed.notify_all()
            return recorded

    def _check(self, stream_id: str, event: NewEvent) -> None:
        """What PostgreSQL's append functions refuse, refused before anything is stored."""
        if self._event_types is not None and event.type not in self._event_types:
            raise InvalidEventError(
                f"event refused in stream {stream_id}: unknown event type {event.type!r}"
                " (not in the store's event types)"
            )
        if event.occurred_at is not None and event.occurred_at.tzinfo is None:
            raise ValueError("occurred_at must be timezone-aware")

    def read_stream(self, stream_id: str, from_version: int = 1) -> list[RecordedEvent]:
        with self._changed:
            return list(self._streams.get(stream_id, [])[max(from_version, 1) - 1 :])

    def read_streams(
        self, stream_ids: Sequence[str], prefixes: Sequence[str] = ()
    ) -> list[RecordedEvent]:
        named = set(stream_ids)
        starts = tuple(prefixes)
        with self._changed:
            found = [
                e
                for stream_id, events in self._streams.items()
                if stream_id in named or (starts and stream_id.startswith(starts))
                for e in events
            ]
        return sorted(found, key=lambda e: e.cursor)

    def read_all_but_quiz_events(
        self, after: Cursor, upto: Cursor, limit: int = 1000
    ) -> list[RecordedEvent]:
        with self._changed:
            tail = self._events[after.position :]
        out = [
            e
            for e in tail
            if after < e.cursor <= upto and not e.type.startswith(QUIZ_EVENT_TYPE_PREFIX)
        ]
        return out[:limit]

    def stream_version(self, stream_id: str) -> int:
        with self._changed:
            return len(self._streams.get(stream_id, []))

    def read_all(
        self, after: Cursor = START, limit: int = 1000, types: Sequence[str] | None = None
    ) -> list[RecordedEvent]:
        wanted = set(types) if types else None
        with self._changed:
            # Positions and transactions grow together here: the position alone finds the cursor.
            tail = self._events[after.position :]
        out = [e for e in tail if e.cursor > after and (wanted is None or e.type in wanted)]
        return out[:limit]

    def head(self) -> Cursor:
        with self._changed:
            return self._events[-1].cursor if self._events else START

    def count_by_type(self, upto: Cursor) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        with self._changed:
            for event in self._events:
                if event.cursor <= upto:
                    counts[event.type] += 1
        return dict(sorted(counts.items()))

    def subscribe(
        self,
        after: Cursor = START,
        types: Sequence[str] | None = None,
        stop: threading.Event | None = None,
        idle_timeout: float | None = None,
    ) -> Iterator[RecordedEvent]:
        stop = stop or threading.Event()
        cursor = after
        last_event_at = time.monotonic()
        while not stop.is_set():
            batch = self.read_all(cursor, 1000, types)
            for event in batch:
                yield event
                cursor = event.cursor
            if batch:
                last_event_at = time.monotonic()
                continue
            if idle_timeout is not None and time.monotonic() - last_event_at > idle_timeout:
                return
            with self._changed:
                if self.head() <= cursor:
                    self._changed.wait(timeout=0.25)

    def close(self) -> None:
        pass


def _plain(value: Mapping[str, Any]) -> dict[str, Any]:
    """The value as PostgreSQL's jsonb gives it back; a copy, so callers cannot change a
    stored event through their own reference."""
    plain: dict[str, Any] = as_stored(dict(value))
    return plain
