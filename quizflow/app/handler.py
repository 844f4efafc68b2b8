"""The command handler: load the stream, fold, decide, append with the expected version.

Idempotent by command id: a retried command finds its events in the stream (by the command id
in their metadata) and gets the same result back; two copies racing produce the same event ids
(derived from the command id), so the store stores only one of them.
"""

from __future__ import annotations

import random
import uuid
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


class CommandHandler:
    def __init__(
        self, store: EventStore, catalog: CourseCatalog | None = None, max_attempts: int = 3
    ) -> None:
        self.store = store
        self.catalog = catalog or CourseCatalog(store)
        self.max_attempts = max_attempts

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
            stored = self.store.read_stream(stream_id)
            state = fold(from_payload(e.type, e.data) for e in stored)
            earlier = [e for e in stored if e.metadata.get("command_id") == str(command_id)]
            if earlier:
                return CommandResult("ok", stream_id, state.version, state, earlier, replayed=True)
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
            new_state = fold((from_payload(e.type, e.data) for e in appended), state)
            return CommandResult("ok", stream_id, appended[-1].version, new_state, appended)
        return CommandResult(
            "conflict",
            stream_id,
            state.version,
            state,
            code="conflict",
            reason=f"the quiz kept changing; gave up after {self.max_attempts} tries",
        )
