"""The command handler: load the stream, fold, decide, append with the expected version.

Idempotent by command id: a retried command finds its events in the stream (by the command id
in their metadata) and gets the same result back; two copies racing produce the same event ids
(derived from the command id), so the store stores only one of them.

Folded streams are cached: a command reads only the versions after the cached one (still one
round trip, which also tells whether another process appended). Safe because stored events
never change and versions have no gaps.
"""

from __future__ import annotations

import random
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from quizflow.app.catalog import CourseCatalog
from quizflow.eventstore import (
    ConcurrencyError,
    Cursor,
    DuplicateEventError,
    EventStore,
    NewEvent,
    RecordedEvent,
)
from quizflow.quiz import (
    Command,
    QuizState,
    Rejected,
    decide,
    fold,
    from_payload,
    quiz_stream_id,
    to_payload,
)

Status = Literal["ok", "rejected", "conflict"]


@dataclass(frozen=True)
class CommandResult:
    status: Status
    stream_id: str
    version: int
    state: QuizState
    events: list[RecordedEvent] = field(default_factory=list)
    code: str | None = None
    reason: str | None = None
    replayed: bool = False  # the command had been handled before; these are its events

    @property
    def cursor(self) -> Cursor | None:
        """Where a reader must have got to before it shows this command's effect."""
        return self.events[-1].cursor if self.events else None

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "code": self.code,
            "reason": self.reason,
            "stream_id": self.stream_id,
            "version": self.version,
            "replayed": self.replayed,
            "events": [
                {
                    "event_id": str(e.event_id),
                    "type": e.type,
                    "version": e.version,
                    "position": e.position,
                    "cursor": str(e.cursor),
                    "data": e.data,
                    "occurred_at": e.occurred_at.isoformat(),
                }
                for e in self.events
            ],
        }


def event_id_for(command_id: uuid.UUID, index: int) -> uuid.UUID:
    return uuid.uuid5(command_id, str(index))


@dataclass(frozen=True)
class _Folded:
    """A stream folded up to a version, with each command's events (for idempotent replays)."""

    version: int
    state: QuizState
    by_command: dict[str, tuple[RecordedEvent, ...]]

    def extend(self, events: list[RecordedEvent]) -> _Folded:
        if not events:
            return self
        by_command = dict(self.by_command)
        for event in events:
            command_id = str(event.metadata.get("command_id", ""))
            by_command[command_id] = (*by_command.get(command_id, ()), event)
        state = fold((from_payload(e.type, e.data) for e in events), self.state)
        return _Folded(events[-1].version, state, by_command)


_EMPTY = _Folded(0, fold([]), {})


class CommandHandler:
    def __init__(
        self,
        store: EventStore,
        catalog: CourseCatalog | None = None,
        max_attempts: int = 3,
        cached_streams: int = 20_000,
    ) -> None:
        self.store = store
        self.catalog = catalog or CourseCatalog(store)
        self.max_attempts = max_attempts
        self._cache: OrderedDict[str, _Folded] = OrderedDict()
        self._cache_size = cached_streams
        self._lock = threading.Lock()

    def _load(self, stream_id: str) -> _Folded:
        with self._lock:
            cached = self._cache.get(stream_id, _EMPTY)
        folded = cached.extend(self.store.read_stream(stream_id, from_version=cached.version + 1))
        self._remember(stream_id, folded)
        return folded

    def _remember(self, stream_id: str, folded: _Folded) -> None:
        with self._lock:
            known = self._cache.get(stream_id)
            if known is None or known.version < folded.version:
                self._cache[stream_id] = folded
            self._cache.move_to_end(stream_id)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)

    def handle(
        self,
        command: Command,
        *,
        command_id: uuid.UUID | None = None,
        user_id: str | None = None,
        correlation_id: uuid.UUID | None = None,
        causation_id: uuid.UUID | None = None,
        occurred_at: datetime | None = None,
    ) -> CommandResult:
        command_id = command_id or uuid.uuid4()
        stream_id = quiz_stream_id(command.student_id, command.course_id, command.chapter_id)
        metadata = {
            "command_id": str(command_id),
            "command": type(command).__name__,
            "correlation_id": str(correlation_id or command_id),
            "causation_id": str(causation_id or command_id),
            "user_id": user_id or command.student_id,
        }
        course = self.catalog.get(command.course_id)
        state = fold([])
        for _ in range(self.max_attempts):
            folded = self._load(stream_id)
            state = folded.state
            earlier = folded.by_command.get(str(command_id))
            if earlier:
                return CommandResult(
                    "ok", stream_id, state.version, state, list(earlier), replayed=True
                )
            # The random choice depends on the command only, so a racing duplicate of the same
            # command decides the same events and the store keeps one copy.
            decision = decide(state, command, course, random.Random(command_id.int))
            if isinstance(decision, Rejected):
                return CommandResult(
                    "rejected",
                    stream_id,
                    state.version,
                    state,
                    code=str(decision.code),
                    reason=decision.reason,
                )
            new_events = []
            for index, event in enumerate(decision):
                type_name, data = to_payload(event)
                new_events.append(
                    NewEvent(
                        type_name, data, metadata, event_id_for(command_id, index), occurred_at
                    )
                )
            try:
                appended = self.store.append(stream_id, state.version, new_events)
            except (ConcurrencyError, DuplicateEventError):
                continue  # someone else appended first: decide again on the new state
            if appended[0].version != state.version + 1:
                continue  # a racing copy of this command stored them first: replay it
            after = folded.extend(appended)
            self._remember(stream_id, after)
            return CommandResult("ok", stream_id, after.version, after.state, appended)
        return CommandResult(
            "conflict",
            stream_id,
            state.version,
            state,
            code="conflict",
            reason=f"the quiz kept changing; gave up after {self.max_attempts} tries",
        )
