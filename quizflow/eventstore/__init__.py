"""The event store: append-only streams, optimistic concurrency, a global order."""

from quizflow.eventstore.memory import InMemoryEventStore
from quizflow.eventstore.protocol import EventStore
from quizflow.eventstore.types import (
    ANY,
    NO_STREAM,
    START,
    ConcurrencyError,
    Cursor,
    DuplicateEventError,
    EventStoreError,
    ExpectedVersion,
    InvalidEventError,
    NewEvent,
    RecordedEvent,
)

__all__ = [
    "ANY",
    "NO_STREAM",
    "START",
    "ConcurrencyError",
    "Cursor",
    "DuplicateEventError",
    "EventStore",
    "EventStoreError",
    "ExpectedVersion",
    "InMemoryEventStore",
    "InvalidEventError",
    "NewEvent",
    "RecordedEvent",
]
