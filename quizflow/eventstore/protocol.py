"""The one protocol every event store implements (and the contract tests check)."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from typing import Protocol

from quizflow.eventstore.types import Cursor, ExpectedVersion, NewEvent, RecordedEvent


class EventStore(Protocol):
    def append(
        self, stream_id: str, expected_version: ExpectedVersion, events: Sequence[NewEvent]
    ) -> list[RecordedEvent]:
        """Append atomically; idempotent by event id. Raises ConcurrencyError."""
        ...

    def read_stream(self, stream_id: str, from_version: int = 1) -> list[RecordedEvent]: ...

    def read_streams(
        self, stream_ids: Sequence[str], prefixes: Sequence[str] = ()
    ) -> list[RecordedEvent]:
        """Every stored event of the named streams and of the streams whose ids start with one
        of ``prefixes``, once each, in global order (a missing stream has none). The
        PostgreSQL store finds every prefixed stream only where the database orders text by
        code point (see queries/read_streams.sql); the named ones always."""
        ...

    def read_all_but_quiz_events(
        self, after: Cursor, upto: Cursor, limit: int = 1000
    ) -> list[RecordedEvent]:
        """Events after ``after`` up to ``upto`` (a head the store reported), in global order,
        but for those whose type starts with ``QUIZ_EVENT_TYPE_PREFIX``: nearly all of a log,
        left out cheaply (an index holds the others)."""
        ...

    def stream_version(self, stream_id: str) -> int:
        """0 when the stream does not exist."""
        ...

    def read_all(
        self, after: Cursor = ..., limit: int = 1000, types: Sequence[str] | None = None
    ) -> list[RecordedEvent]:
        """Events after the cursor in global order, only where no earlier one can still appear."""
        ...

    def head(self) -> Cursor:
        """The cursor of the last event a reader can safely see now."""
        ...

    def subscribe(
        self,
        after: Cursor = ...,
        types: Sequence[str] | None = None,
        stop: threading.Event | None = None,
        idle_timeout: float | None = None,
    ) -> Iterator[RecordedEvent]:
        """Catch up from the cursor, then deliver new events live.

        Ends when ``stop`` is set, or after ``idle_timeout`` seconds without events.
        """
        ...

    def close(self) -> None: ...
