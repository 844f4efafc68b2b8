"""The values an event store takes and returns, shared by every implementation."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal

NO_STREAM: Final = "no-stream"
ANY: Final = "any"
ExpectedVersion = int | Literal["no-stream", "any"]


@dataclass(frozen=True, order=True)
class Cursor:
    """Where an incremental reader stands in the global order.

    The global order is (transaction id, position): see ``postgres.py`` for why a plain
    position is not a safe cursor. Two numbers, printed as ``"tx:position"``.
    """

    tx: int = 0
    position: int = 0

    def __str__(self) -> str:
        return f"{self.tx}:{self.position}"

    @classmethod
    def parse(cls, text: str) -> Cursor:
        try:
            tx, position = text.split(":")
            return cls(int(tx), int(position))
        except ValueError as error:
            raise ValueError(f"not a cursor: {text!r} (expected 'tx:position')") from error


START: Final = Cursor(0, 0)

# The types of the quizzes' events, nearly all of a log: ``read_all_but_quiz_events`` leaves
# them out (the PostgreSQL store through a partial index whose predicate names this prefix).
QUIZ_EVENT_TYPE_PREFIX: Final = "chapter-quiz/"


@dataclass(frozen=True)
class NewEvent:
    type: str
    data: Mapping[str, Any]
    metadata: Mapping[str, Any] = field(default_factory=dict)
    event_id: uuid.UUID = field(default_factory=uuid.uuid4)
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class RecordedEvent:
    event_id: uuid.UUID
    stream_id: str
    version: int
    position: int
    tx: int
    type: str
    data: dict[str, Any]
    metadata: dict[str, Any]
    occurred_at: datetime
    recorded_at: datetime

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.tx, self.position)


class EventStoreError(Exception):
    """Base of every error the event store raises on purpose."""


class ConcurrencyError(EventStoreError):
    def __init__(self, stream_id: str, expected: ExpectedVersion, actual: int) -> None:
        super().__init__(
            f"stream {stream_id!r} is at version {actual}, the append expected {expected}"
        )
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual

    def __reduce__(self) -> tuple[type, tuple[str, ExpectedVersion, int]]:
        # Errors cross process boundaries (worker pools); keep them picklable.
        return (ConcurrencyError, (self.stream_id, self.expected, self.actual))


class DuplicateEventError(EventStoreError):
    """An event id was reused for a different event (idempotency keys must name one event)."""


class InvalidEventError(EventStoreError, ValueError):
    """An event no reader could use: a type outside the store's vocabulary (PostgreSQL: the
    rows of ``quizflow.event_types``), or an ``occurred_at`` that is not a finite time. Nothing
    of the append is stored."""


def expected_as_int(expected: ExpectedVersion) -> int | None:
    """None means any version; 0 means the stream must not exist yet."""
    if expected == ANY:
        return None
    if expected == NO_STREAM:
        return 0
    if isinstance(expected, int) and not isinstance(expected, bool) and expected >= 0:
        return expected
    raise ValueError(
        f"expected_version must be an int >= 0, 'no-stream' or 'any', not {expected!r}"
    )
