"""The command handler: load the stream, fold, decide, append with the expected version.

Idempotent by command id: a retried command finds its events in the stream (by the command id
in their metadata) and gets the same result back; two copies racing produce the same event ids
(derived from the command id), so the store stores only one of them. A command id names one
command: reused for another one (another action, question or inputs, or another quiz), it is
refused with the code ``command-id-reused`` and appends nothing.

A quiz's stream is ``quiz_stream_id``. A quiz started before stream ids were escaped has its
events under ``legacy_quiz_stream_id``: when its own stream is empty, the handler reads the
legacy one and, when every event there is this quiz's (the old ids were ambiguous: another quiz
may own it), goes on in that stream.

Folded streams are cached: a command reads only the versions after the cached one (still one
round trip, which also tells whether another process appended). Safe because stored events
never change and versions have no gaps.

A poison event never takes a quiz down with errors: an event of a type this version does not
know is skipped (the stream's version still counts it), metadata that is not an object is
ignored, and an event of a known type that is malformed (or does not belong in a quiz) marks
the quiz as needing attention: every later command on it is refused with the code
``quiz-needs-attention`` and a sentence naming the event and its problem (the web app answers
409), while the rest of the log goes on.

A command whose database connection died under it (PostgreSQL restarted, or ended the
backend) is run once more: idempotency by command id makes that safe even when the first try
did store its events (the retry replays them).
"""

from __future__ import annotations

import logging
import random
import threading
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Final, Literal, Protocol

import psycopg
from psycopg_pool import PoolTimeout

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
    PayloadError,
    QuizState,
    Rejected,
    SubmitAnswer,
    UnknownEventType,
    decide,
    evolve,
    fold,
    from_payload,
    legacy_quiz_stream_id,
    quiz_stream_id,
    to_payload,
)
from quizflow.sansio import Steps, run_steps, run_steps_async

Status = Literal["ok", "rejected", "conflict"]

# The rejection of a command whose id was used for another command (the web app answers 409).
COMMAND_ID_REUSED: Final = "command-id-reused"
# The rejection of every command on a quiz whose stream holds a malformed event (409 too).
QUIZ_NEEDS_ATTENTION: Final = "quiz-needs-attention"

log = logging.getLogger(__name__)


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
    # Where the quiz's events are: None for its own stream, else a legacy stream's id.
    stream_id: str | None = None
    # Whether the legacy stream was looked at (once, while the quiz's own stream is empty).
    legacy_checked: bool = False
    # The first malformed event's problem: the quiz needs attention, commands are refused.
    problem: str | None = None

    def extend(self, events: list[RecordedEvent]) -> _Folded:
        if not events:
            return self
        by_command = dict(self.by_command)
        state, problem = self.state, self.problem
        for event in events:
            metadata = event.metadata if isinstance(event.metadata, dict) else {}
            command_id = str(metadata.get("command_id", ""))
            by_command[command_id] = (*by_command.get(command_id, ()), event)
            if problem is None:
                state, problem = _evolve(state, event)
        return replace(
            self, version=events[-1].version, state=state, by_command=by_command, problem=problem
        )

    def newer_than(self, other: _Folded) -> bool:
        return (self.version, self.legacy_checked) > (other.version, other.legacy_checked)


_EMPTY = _Folded(0, fold([]), {})


def _evolve(state: QuizState, event: RecordedEvent) -> tuple[QuizState, str | None]:
    """The state after one stored event, and the problem when the event is malformed."""
    try:
        domain = from_payload(event.type, event.data)
    except UnknownEventType:
        # Not a fact of the quiz's rules as this version knows them (a newer version's, say):
        # skipped, though the stream's version counts it.
        log.warning(
            "skipped event %s of stream %s: unknown type %r",
            event.version,
            event.stream_id,
            event.type,
        )
        return replace(state, version=event.version), None
    except PayloadError as error:
        return state, _problem(event, str(error))
    try:
        after = evolve(state, domain)
    except TypeError as error:  # a known event that does not belong in a quiz stream
        return state, _problem(event, str(error))
    return (
        after if after.version == event.version else replace(after, version=event.version)
    ), None


def _problem(event: RecordedEvent, problem: str) -> str:
    log.error(
        "quiz stream %s needs attention: event %s (%s) is malformed: %s",
        event.stream_id,
        event.version,
        event.type,
        problem,
    )
    return (
        f"this quiz cannot go on until its stored history is repaired: event {event.version}"
        f" of stream {event.stream_id} ({event.type}) is malformed: {problem}"
    )


def _with_legacy(run: _Run, events: list[RecordedEvent]) -> _Folded:
    """The quiz folded from its legacy stream's events when they are all this quiz's; else the
    empty quiz in its own stream. Either way the legacy stream is not read again."""
    ids = (run.command.student_id, run.command.course_id, run.command.chapter_id)
    if events and all(
        isinstance(e.data, dict)
        and (e.data.get("student_id"), e.data.get("course_id"), e.data.get("chapter_id")) == ids
        for e in events
    ):
        return _Folded(0, fold([]), {}, run.legacy_stream_id, True).extend(events)
    return _Folded(0, fold([]), {}, None, True)


class CommandHandler:
    """Handles quiz commands. What to read, decide, append and retry is written once, as steps
    that yield requests (``quizflow.sansio``): ``handle`` answers them on the blocking store,
    ``handle_async`` awaits them on an asyncio one."""

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

    def _load(self, run: _Run) -> Steps[HandlerRequest, _Folded]:
        cached = self._cached(run.quiz_stream_id)
        stream_id = cached.stream_id or run.quiz_stream_id
        folded = cached.extend((yield ReadStream(stream_id, cached.version + 1)))
        if folded.version == 0 and not folded.legacy_checked:
            folded = _with_legacy(run, (yield ReadStream(run.legacy_stream_id)))
        self._remember(run.quiz_stream_id, folded)
        return folded

    def _remember(self, quiz_stream_id: str, folded: _Folded) -> None:
        """Cache a quiz's fold under its own stream id (whichever stream its events are in)."""
        with self._lock:
            known = self._cache.get(quiz_stream_id)
            if known is None or folded.newer_than(known):
                self._cache[quiz_stream_id] = folded
            self._cache.move_to_end(quiz_stream_id)
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
        steps = self.steps(
            command,
            command_id=command_id,
            user_id=user_id,
            correlation_id=correlation_id,
            causation_id=causation_id,
            occurred_at=occurred_at,
        )
        return run_steps(steps, self._perform)

    def _perform(self, request: HandlerRequest) -> Any:
        """A request of the steps, answered on the blocking store and catalog."""
        if isinstance(request, ReadStream):
            return self.store.read_stream(request.stream_id, from_version=request.from_version)
        if isinstance(request, AppendEvents):
            return self.store.append(request.stream_id, request.expected_version, request.events)
        return self.catalog.get(request.course_id)

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

        async def perform(request: HandlerRequest) -> Any:
            if isinstance(request, ReadStream):
                return await store.read_stream(request.stream_id, request.from_version)
            if isinstance(request, AppendEvents):
                return await store.append(
                    request.stream_id, request.expected_version, request.events
                )
            return course  # FindCourse: looked up by the caller, off the event loop

        steps = self.steps(command, command_id=command_id, user_id=user_id)
        return await run_steps_async(steps, perform)

    def steps(
        self,
        command: Command,
        *,
        command_id: uuid.UUID | None = None,
        user_id: str | None = None,
        correlation_id: uuid.UUID | None = None,
        causation_id: uuid.UUID | None = None,
        occurred_at: datetime | None = None,
    ) -> Steps[HandlerRequest, CommandResult]:
        """The handling of ``command`` as requests for a driver to answer (``quizflow.sansio``):
        ``FindCourse`` with the course, ``ReadStream`` with the events, ``AppendEvents`` with
        the stored events or by raising the store's error. A command whose connection died
        under it is run once more."""
        run = _Run(
            command, command_id or uuid.uuid4(), user_id, correlation_id, causation_id, occurred_at
        )
        try:
            return (yield from self._attempts(run))
        except psycopg.OperationalError as error:
            if not _connection_lost(error):
                raise
            log.warning(
                "command %s: database connection lost (%s); trying once more", run.command_id, error
            )
        return (yield from self._attempts(run))

    def _attempts(self, run: _Run) -> Steps[HandlerRequest, CommandResult]:
        """Decide on the stream as loaded and append; on a conflict, load and decide again."""
        run.course = yield FindCourse(run.command.course_id)
        for _ in range(self.max_attempts):
            folded = yield from self._load(run)
            decided = run.decide(folded)
            if isinstance(decided, CommandResult):
                return decided
            try:
                appended = yield AppendEvents(run.stream_id, run.state.version, decided)
            except ConcurrencyError:
                continue  # someone else appended first: decide again on the new state
            except DuplicateEventError:
                return run.ids_taken((yield from self._load(run)))
            result = self._stored(run, folded, appended)
            if result is not None:
                return result
        return run.conflict(self.max_attempts)

    def _stored(
        self, run: _Run, folded: _Folded, appended: list[RecordedEvent]
    ) -> CommandResult | None:
        """The result of a successful append; None when a racing copy of this command stored
        its events first (the caller loads again and replays them)."""
        if appended[0].version != run.state.version + 1:
            return None
        after = folded.extend(appended)
        self._remember(run.quiz_stream_id, after)
        return CommandResult("ok", run.stream_id, after.version, after.state, appended)


def _connection_lost(error: psycopg.OperationalError) -> bool:
    """Whether a command failed because its connection died (worth one more try on another
    connection), not because none could be had in time (a second wait would only double it)."""
    return not isinstance(error, PoolTimeout)


class AsyncStreamStore(Protocol):
    """The two statements a command needs, awaited (``AsyncPostgresEventStore``)."""

    async def read_stream(self, stream_id: str, from_version: int = 1) -> list[RecordedEvent]: ...

    async def append(
        self, stream_id: str, expected_version: ExpectedVersion, events: Sequence[NewEvent]
    ) -> list[RecordedEvent]: ...


@dataclass(frozen=True, slots=True)
class ReadStream:
    """A request of the handler's steps: the stream's events from a version on."""

    stream_id: str
    from_version: int = 1


@dataclass(frozen=True, slots=True)
class AppendEvents:
    """A request: append to the stream at the expected version (the store's errors are
    raised back into the steps)."""

    stream_id: str
    expected_version: ExpectedVersion
    events: list[NewEvent]


@dataclass(frozen=True, slots=True)
class FindCourse:
    """A request: the course a command is on (None when there is none)."""

    course_id: str


# What the handler's steps ask of a store (and of a course catalog).
HandlerRequest = ReadStream | AppendEvents | FindCourse


class _Run:
    """One command being handled: its stream, metadata and course, and the pure decision."""

    def __init__(
        self,
        command: Command,
        command_id: uuid.UUID,
        user_id: str | None,
        correlation_id: uuid.UUID | None,
        causation_id: uuid.UUID | None,
        occurred_at: datetime | None,
    ) -> None:
        self.command = command
        self.command_id = command_id
        self.occurred_at = occurred_at
        self.course: Course | None = None  # looked up by each attempt (FindCourse)
        ids = (command.student_id, command.course_id, command.chapter_id)
        self.quiz_stream_id = quiz_stream_id(*ids)
        self.legacy_stream_id = legacy_quiz_stream_id(*ids)
        self.stream_id = self.quiz_stream_id  # where its events go: see decide
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
        earlier = self.earlier(folded)
        if earlier is not None:
            return earlier
        state = self.state
        if folded.problem is not None:
            return CommandResult(
                "rejected",
                self.stream_id,
                state.version,
                state,
                code=QUIZ_NEEDS_ATTENTION,
                reason=folded.problem,
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
                    type_name,
                    data,
                    self.metadata,
                    event_id_for(self.command_id, index),
                    self.occurred_at,
                )
            )
        return new_events

    def earlier(self, folded: _Folded) -> CommandResult | None:
        """The result of this command id's events in the folded stream: a replay when they are
        this command's, a refusal when another command's; None when the stream has none."""
        self.stream_id = folded.stream_id or self.quiz_stream_id
        state = self.state = folded.state
        earlier = folded.by_command.get(str(self.command_id))
        if not earlier:
            return None
        if not _same_command(self.command, earlier):
            return self.reused()
        return CommandResult(
            "ok", self.stream_id, state.version, state, list(earlier), replayed=True
        )

    def ids_taken(self, folded: _Folded) -> CommandResult:
        """The store holds this command's event ids already (the append raised
        DuplicateEventError). In this quiz's stream they are a racing copy's of this command, or
        another command's with this id; anywhere else, another command's (another quiz's)."""
        return self.earlier(folded) or self.reused()

    def reused(self) -> CommandResult:
        return CommandResult(
            "rejected",
            self.stream_id,
            self.state.version,
            self.state,
            code=COMMAND_ID_REUSED,
            reason=(
                f"the command id {self.command_id} was already used for another command;"
                " send a new command id for each new action (and the same one only to retry it)"
            ),
        )

    def conflict(self, attempts: int) -> CommandResult:
        return CommandResult(
            "conflict",
            self.stream_id,
            self.state.version,
            self.state,
            code="conflict",
            reason=f"the quiz kept changing; gave up after {attempts} tries",
        )


def _same_command(command: Command, events: tuple[RecordedEvent, ...]) -> bool:
    """Whether the events a command id stored were stored for ``command``: the same action on
    the same quiz, and for an answer the same question and inputs."""
    first = events[0]
    if not isinstance(first.data, dict) or not isinstance(first.metadata, dict):
        return False
    if first.metadata.get("command", type(command).__name__) != type(command).__name__:
        return False
    ids = (command.student_id, command.course_id, command.chapter_id)
    if (
        first.data.get("student_id"),
        first.data.get("course_id"),
        first.data.get("chapter_id"),
    ) != ids:
        return False
    if isinstance(command, SubmitAnswer):
        return first.data.get("question_id") == command.question_id and first.data.get(
            "inputs"
        ) == dict(command.inputs)
    return True
