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
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from quizflow.app.catalog import CourseCatalog
from quizflow.eventstore import (
    ConcurrencyError,
    Cursor,
    DuplicateEventError,
    EventStore,
    ExpectedVersion,
    NewEvent,
    RecordedEvent,
)
from quizflow.quiz import (
    Command,
    Course,
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

    def _cached(self, stream_id: str) -> _Folded:
        with self._lock:
            return self._cache.get(stream_id, _EMPTY)

    def _load(self, stream_id: str) -> _Folded:
        cached = self._cached(stream_id)
        folded = cached.extend(self.store.read_stream(stream_id, from_version=cached.version + 1))
        self._remember(stream_id, folded)
        return folded

    async def _load_async(self, store: AsyncStreamStore, stream_id: str) -> _Folded:
        cached = self._cached(stream_id)
        folded = cached.extend(await store.read_stream(stream_id, cached.version + 1))
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
        run = _Run(command, command_id or uuid.uuid4(), user_id, correlation_id, causation_id,
                   occurred_at, self.catalog.get(command.course_id))
        for _ in range(self.max_attempts):
            folded = self._load(run.stream_id)
            decided = run.decide(folded)
            if isinstance(decided, CommandResult):
                return decided
            try:
                appended = self.store.append(run.stream_id, run.state.version, decided)
            except (ConcurrencyError, DuplicateEventError):
                continue  # someone else appended first: decide again on the new state
            result = self._stored(run, folded, appended)
            if result is not None:
                return result
        return run.conflict(self.max_attempts)

    async def handle_async(
        self,
        command: Command,
        store: AsyncStreamStore,
        course: Course | None,
        *,
        command_id: uuid.UUID | None = None,
        user_id: str | None = None,
    ) -> CommandResult:
        """``handle`` for an asyncio server: the same steps, the IO awaited on ``store``.

        The caller looks the course up (``self.catalog`` may read the store, which would block
        the event loop); the handler's stream cache is shared with ``handle``.
        """
        run = _Run(command, command_id or uuid.uuid4(), user_id, None, None, None, course)
        for _ in range(self.max_attempts):
            folded = await self._load_async(store, run.stream_id)
            decided = run.decide(folded)
            if isinstance(decided, CommandResult):
                return decided
            try:
                appended = await store.append(run.stream_id, run.state.version, decided)
            except (ConcurrencyError, DuplicateEventError):
                continue
            result = self._stored(run, folded, appended)
            if result is not None:
                return result
        return run.conflict(self.max_attempts)

    def _stored(self, run: _Run, folded: _Folded,
                appended: list[RecordedEvent]) -> CommandResult | None:
        """The result of a successful append; None when a racing copy of this command stored
        its events first (the caller loads again and replays them)."""
        if appended[0].version != run.state.version + 1:
            return None
        after = folded.extend(appended)
        self._remember(run.stream_id, after)
        return CommandResult("ok", run.stream_id, after.version, after.state, appended)


class AsyncStreamStore(Protocol):
    """The two statements a command needs, awaited (``AsyncPostgresEventStore``)."""

    async def read_stream(self, stream_id: str, from_version: int = 1) -> list[RecordedEvent]: ...

    async def append(self, stream_id: str, expected_version: ExpectedVersion,
                     events: Sequence[NewEvent]) -> list[RecordedEvent]: ...


class _Run:
    """One command being handled: its stream, metadata and course, and the pure decision."""

    def __init__(self, command: Command, command_id: uuid.UUID, user_id: str | None,
                 correlation_id: uuid.UUID | None, causation_id: uuid.UUID | None,
                 occurred_at: datetime | None, course: Course | None) -> None:
        self.command = command
        self.command_id = command_id
        self.occurred_at = occurred_at
        self.course = course
        self.stream_id = quiz_stream_id(command.student_id, command.course_id, command.chapter_id)
        self.metadata = {
            "command_id": str(command_id),
            "command": type(command).__name__,
            "correlation_id": str(correlation_id or command_id),
            "causation_id": str(causation_id or command_id),
            "user_id": user_id or command.student_id,
        }
        self.state = fold([])

    def decide(self, folded: _Folded) -> CommandResult | list[NewEvent]:
        """The events to append on this folded stream, or the result when there is nothing
        to append (a replayed command, a rejection)."""
        state = self.state = folded.state
        earlier = folded.by_command.get(str(self.command_id))
        if earlier:
            return CommandResult(
                "ok", self.stream_id, state.version, state, list(earlier), replayed=True
            )
        # The random choice depends on the command only, so a racing duplicate of the same
        # command decides the same events and the store keeps one copy.
        decision = decide(state, self.command, self.course, random.Random(self.command_id.int))
        if isinstance(decision, Rejected):
            return CommandResult(
                "rejected",
                self.stream_id,
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
                    type_name, data, self.metadata, event_id_for(self.command_id, index),
                    self.occurred_at,
                )
            )
        return new_events

    def conflict(self, attempts: int) -> CommandResult:
        return CommandResult(
            "conflict",
            self.stream_id,
            self.state.version,
            self.state,
            code="conflict",
            reason=f"the quiz kept changing; gave up after {attempts} tries",
        )
