"""How simulated students reach the quiz: straight through the command handler, or over HTTP.

Either way a student sees only what a client would: the events its command caused (or, for
a command handled before, the events it caused then) and where the quiz stands.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from quizflow.app.handler import CommandHandler
from quizflow.eventstore import EventStore
from quizflow.quiz import Command


@dataclass(frozen=True)
class DriverReply:
    status: str  # "ok" | "rejected" | "conflict"
    events: tuple[tuple[str, Mapping[str, Any]], ...] = ()  # (type, data)
    event_ids: tuple[uuid.UUID, ...] = ()
    appended: int = 0  # 0 when the command had been handled before (a re-run)
    reason: str | None = None
    # Where the quiz stands now: lets a student find its place again after a rejection.
    quiz_status: str = "not-started"
    question_id: str | None = None


class Driver(Protocol):
    def send(
        self,
        student_id: str,
        command: Command,
        *,
        command_id: uuid.UUID,
        occurred_at: datetime,
        correlation_id: uuid.UUID,
        causation_id: uuid.UUID,
    ) -> DriverReply: ...

    def close(self) -> None: ...


class DirectDriver:
    """In process, through the real ``CommandHandler``; thread-safe (the handler is)."""

    def __init__(self, store: EventStore) -> None:
        self.handler = CommandHandler(store)

    def send(
        self,
        student_id: str,
        command: Command,
        *,
        command_id: uuid.UUID,
        occurred_at: datetime,
        correlation_id: uuid.UUID,
        causation_id: uuid.UUID,
    ) -> DriverReply:
        result = self.handler.handle(
            command,
            command_id=command_id,
            user_id=student_id,
            correlation_id=correlation_id,
            causation_id=causation_id,
            occurred_at=occurred_at,
        )
        return DriverReply(
            status=result.status,
            events=tuple((e.type, e.data) for e in result.events),
            event_ids=tuple(e.event_id for e in result.events),
            appended=0 if result.replayed else len(result.events),
            reason=result.reason,
            quiz_status=str(result.state.status),
            question_id=result.state.question_id,
        )

    def close(self) -> None:
        pass
