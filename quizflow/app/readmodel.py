"""The live read model: what the web app shows, folded in memory from the store's subscription.

One background thread catches up from the start of the log, then follows it live. Views read
plain dicts of frozen values, so a reader holds the lock only long enough to pick a value up;
the subscriber replaces values, never mutates them.

Read-your-writes: a command's result carries the cursor of its last event. The web app folds
a command's own stored events into its quiz at once (``apply_own``: they continue that stream
exactly, and the subscription skips them later by version), so a student's next view never
waits for the log; ``wait_for`` is the bounded fallback for anything else. The log's order is
only safe up to the oldest running transaction in the whole cluster, so a long transaction
elsewhere makes the subscription lag; without ``apply_own`` every view would wait that out.

Tolerant of what it cannot read: an event of an unknown type is skipped and counted; a
malformed event of a known type is skipped too, and when it is a quiz's, that quiz needs
attention: ``quiz`` raises ``QuizNeedsAttention`` naming the event and its problem (the web app
answers 409) instead of showing a state built without it. Imported history (the importer's own
``imported-`` streams) is the warehouse's: it never changes a live quiz.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

from quizflow.app.readmodel_roster import Roster
from quizflow.app.readmodel_views import (
    Account,
    Outcome,
    QuizKey,
    QuizView,
    RecentAnswer,
    SchoolClass,
    Student,
    Teacher,
)
from quizflow.eventstore import START, Cursor, EventStore, RecordedEvent
from quizflow.importer.events import is_imported_stream
from quizflow.privacy.keys import names_of
from quizflow.quiz import (
    Course,
    CoursePublished,
    PayloadError,
    QuestionAnsweredCorrectly,
    QuestionAnsweredIncorrectly,
    QuestionAssigned,
    QuizStarted,
    UnknownEventType,
    evolve,
    from_payload,
    quiz_stream_id,
)
from quizflow.quiz.versions import succeed

__all__ = [
    "Account",
    "Outcome",
    "QuizKey",
    "QuizNeedsAttention",
    "QuizView",
    "ReadModel",
    "RecentAnswer",
    "SchoolClass",
    "Student",
    "Teacher",
]

log = logging.getLogger(__name__)


# After the subscription fails (database restart, network), wait this long before resuming
# from the cursor; the model keeps serving what it has meanwhile (lag, never loss).
_RETRY_S = 1.0
# The answers kept per student for the teacher's pages (newest first); older ones drop off.
RECENT_ANSWERS = 20


class QuizNeedsAttention(Exception):
    """A quiz whose stream holds a malformed event: no view of it can be trusted until the
    history is repaired. ``detail`` names the event and what is wrong with it."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass
class _Stats:
    applied: int = 0
    skipped: int = 0  # every event not applied: unknown types and malformed ones
    unknown_type: int = 0
    malformed: int = 0
    imported_history: int = 0  # events of imported streams, left to the warehouse
    failures: int = 0
    waits: int = 0  # views that had to wait for their own command
    wait_timeouts: int = 0
    wait_max_ms: float = 0.0
    last_recorded_at: float | None = None  # wall time of the last applied event's append
    progress_at: float | None = None  # monotonic time of the last event folded in, or start


class ReadModel:
    """Courses, roster and quizzes, kept current by ``store.subscribe`` in one thread."""

    def __init__(self, store: EventStore) -> None:
        self._store = store
        self._cursor = START
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._stats = _Stats()
        self._courses: dict[str, Course] = {}
        # Names are sealed in the log: opened with the store's key store (plain in memory).
        self._roster = Roster(reveal=names_of(store).reveal)
        self._quizzes: dict[str, dict[QuizKey, QuizView]] = {}
        self._student_cursor: dict[str, Cursor] = {}  # the latest event of each student's quizzes
        self._recent: dict[str, tuple[RecentAnswer, ...]] = {}  # newest first, RECENT_ANSWERS
        # Quizzes needing attention, by (student, (course, chapter)) or, when the malformed
        # event does not say whose it is, by its stream id: the problem.
        self._attention: dict[object, str] = {}
        # Async views waiting for a cursor; resolved from the subscriber thread.
        self._waiters: list[tuple[Cursor, asyncio.Future[bool]]] = []

    # -- lifecycle -------------------------------------------------------------------------
    def start(self, catch_up_timeout: float | None = 30.0) -> bool:
        """Start following the log; True once caught up with the head seen now (or no wait)."""
        head = self._store.head()
        with self._changed:
            self._stats.progress_at = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="quizflow-readmodel", daemon=True)
        self._thread.start()
        if catch_up_timeout is None:
            return True
        return self.wait_for(head, catch_up_timeout)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                for event in self._store.subscribe(after=self._cursor, stop=self._stop):
                    try:
                        self.apply(event)
                    except Exception as error:
                        # Folding has no IO: the same event would fail the same way on every
                        # retry, and the model would never get past it. Skip it instead.
                        self._skip_broken(event, error)
            except Exception:
                # Whatever broke (connection lost, a bug folding one event), keep the model
                # serving and resume from the last applied cursor.
                self._stats.failures += 1
                log.exception("read model subscription failed; resuming from %s", self._cursor)
                self._stop.wait(_RETRY_S)

    # -- folding ---------------------------------------------------------------------------
    def apply(self, event: RecordedEvent) -> None:
        """Fold one event in; public so tests and tools can feed a model without a thread."""
        domain: object = None
        problem: PayloadError | None = None
        imported = is_imported_stream(event.stream_id)
        if not imported:
            try:
                domain = from_payload(event.type, event.data)
            except PayloadError as error:
                problem = error  # the warehouse quarantines it; here it is skipped
        with self._changed:
            if imported:
                self._stats.imported_history += 1
            elif problem is not None:
                self._skip(event, problem)
            else:
                self._fold(event, domain)
                self._stats.applied += 1
            self._cursor = max(self._cursor, event.cursor)
            self._stats.last_recorded_at = event.recorded_at.timestamp()
            self._stats.progress_at = time.monotonic()
            self._changed.notify_all()
            if self._waiters:
                self._wake_waiters()

    def _skip_broken(self, event: RecordedEvent, error: Exception) -> None:
        log.exception(
            "read model could not fold event %s of stream %s; skipped",
            event.version,
            event.stream_id,
        )
        with self._changed:
            self._stats.skipped += 1
            self._stats.malformed += 1
            if event.stream_id.startswith("chapter-quiz"):
                self._needs_attention(event, _raw_quiz_ids(event.data), repr(error))
            self._cursor = max(self._cursor, event.cursor)
            self._changed.notify_all()
            if self._waiters:
                self._wake_waiters()

    def _skip(self, event: RecordedEvent, problem: PayloadError) -> None:
        """Count an event that cannot be applied (called with the lock held). An unknown type
        leaves its quiz as it was, at the event's version; a malformed quiz event marks its
        quiz as needing attention."""
        self._stats.skipped += 1
        ids = _raw_quiz_ids(event.data)
        if isinstance(problem, UnknownEventType):
            self._stats.unknown_type += 1
            view = self._quizzes.get(ids[0], {}).get(ids[1]) if ids else None
            if ids and view is not None and view.version == event.version - 1:
                # So a command's own events, which follow it, still fold in at once.
                self._quizzes[ids[0]][ids[1]] = replace(
                    view, version=event.version, cursor=event.cursor
                )
            return
        self._stats.malformed += 1
        if event.type.startswith("chapter-quiz/") or event.stream_id.startswith("chapter-quiz"):
            self._needs_attention(event, ids, str(problem))

    def _needs_attention(
        self, event: RecordedEvent, ids: tuple[str, QuizKey] | None, problem: str
    ) -> None:
        key: object = ids if ids is not None else event.stream_id
        if key not in self._attention:
            log.error(
                "quiz stream %s needs attention: event %s (%s) is malformed: %s",
                event.stream_id,
                event.version,
                event.type,
                problem,
            )
            self._attention[key] = (
                f"this quiz cannot be shown until its stored history is repaired: event "
                f"{event.version} of stream {event.stream_id} ({event.type}) is malformed: "
                f"{problem}"
            )

    def _wake_waiters(self) -> None:
        # Called with the lock held. Futures belong to the event loop's thread, so they are
        # resolved there (call_soon_threadsafe), never from this thread.
        still = []
        for cursor, future in self._waiters:
            if cursor <= self._cursor:
                future.get_loop().call_soon_threadsafe(_resolve, future)
            else:
                still.append((cursor, future))
        self._waiters = still

    def _fold(self, event: RecordedEvent, domain: object) -> None:
        match domain:
            case CoursePublished():
                # Earlier revisions stay known: a student mid-question still sees the one
                # they were assigned.
                self._courses[domain.course_id] = succeed(
                    self._courses.get(domain.course_id), domain.course
                )
            case _:
                if not self._roster.fold(domain):
                    self._fold_quiz(event, domain)

    def _fold_quiz(self, event: RecordedEvent, domain: object) -> None:
        ids = _quiz_ids(domain)
        if ids is None:
            return
        student_id, key = ids
        quizzes = self._quizzes.setdefault(student_id, {})
        view = quizzes.get(key, QuizView())
        if event.version <= view.version:
            return  # folded already, from the command's own result
        try:
            state = evolve(view.state, domain)
        except TypeError as error:  # a known event that does not belong in a quiz stream
            self._stats.skipped += 1
            self._stats.malformed += 1
            self._needs_attention(event, ids, str(error))
            return
        if state.version != event.version:  # an unknown event was skipped before this one
            state = replace(state, version=event.version)
        outcome, inputs = view.last_outcome, view.last_inputs
        answers, mistakes = view.answers, view.mistakes
        if isinstance(domain, QuestionAnsweredCorrectly | QuestionAnsweredIncorrectly):
            correct = isinstance(domain, QuestionAnsweredCorrectly)
            outcome, inputs = ("correct" if correct else "incorrect"), domain.inputs
            answers, mistakes = answers + 1, mistakes + (0 if correct else 1)
            self._remember_answer(event, student_id, domain, correct)
        elif isinstance(domain, QuestionAssigned | QuizStarted):
            # A new question (next, start over, a new attempt) clears the last message.
            outcome, inputs = None, {}
        quizzes[key] = QuizView(
            state, outcome, inputs, event.cursor, event.version, answers, mistakes
        )
        if self._student_cursor.get(student_id, START) < event.cursor:
            self._student_cursor[student_id] = event.cursor

    def _remember_answer(
        self,
        event: RecordedEvent,
        student_id: str,
        domain: QuestionAnsweredCorrectly | QuestionAnsweredIncorrectly,
        correct: bool,
    ) -> None:
        # Ids and field names come from a short list of content, so they are interned: each
        # event's JSON would otherwise give every kept answer copies of its own.
        answer = RecentAnswer(
            event.occurred_at,
            sys.intern(domain.course_id),
            sys.intern(domain.chapter_id),
            sys.intern(domain.question_id),
            tuple((sys.intern(name), value) for name, value in domain.inputs.items()),
            correct,
        )
        kept = self._recent.get(student_id, ())
        self._recent[student_id] = (answer, *kept[: RECENT_ANSWERS - 1])

    def apply_own(self, events: Sequence[RecordedEvent]) -> bool:
        """Fold a command's stored events into its quiz now, ahead of the subscription.

        Only when they continue the quiz exactly (the view has every earlier event of the
        stream); otherwise returns False and the view waits for the subscription instead.
        """
        parsed = []
        for event in events:
            try:
                parsed.append((event, from_payload(event.type, event.data)))
            except PayloadError:
                return False
        if not parsed:
            return True
        first, domain = parsed[0]
        ids = _quiz_ids(domain)
        if ids is None:
            return False
        with self._changed:
            view = self._quizzes.get(ids[0], {}).get(ids[1], QuizView())
            if view.version >= parsed[-1][0].version:
                return True
            if view.version + 1 != first.version:
                return False
            for event, domain in parsed:
                self._fold_quiz(event, domain)
        return True

    # -- reading ---------------------------------------------------------------------------
    @property
    def cursor(self) -> Cursor:
        with self._changed:
            return self._cursor

    def courses(self) -> list[Course]:
        with self._changed:
            return list(self._courses.values())

    def course(self, course_id: str) -> Course | None:
        with self._changed:
            return self._courses.get(course_id)

    def student(self, student_id: str) -> Student | None:
        with self._changed:
            return self._roster.students.get(student_id)

    def teacher(self, teacher_id: str) -> Teacher | None:
        with self._changed:
            return self._roster.teachers.get(teacher_id)

    def school_class(self, class_id: str) -> SchoolClass | None:
        with self._changed:
            return self._roster.classes.get(class_id)

    def account(self, account_id: str) -> Account | None:
        with self._changed:
            return self._roster.accounts.get(account_id)

    def schools(self) -> dict[str, str]:
        with self._changed:
            return dict(self._roster.schools)

    def classes_of_school(self, school_id: str) -> list[SchoolClass]:
        with self._changed:
            return sorted(
                (c for c in self._roster.classes.values() if c.school_id == school_id),
                key=lambda c: c.name,
            )

    def students_of_class(self, class_id: str) -> list[Student]:
        with self._changed:
            school_class = self._roster.classes.get(class_id)
            ids = school_class.student_ids if school_class else ()
            found = [self._roster.students[s] for s in ids if s in self._roster.students]
        return sorted(found, key=lambda s: s.name)

    def accounts_of_school(self, school_id: str) -> list[Account]:
        with self._changed:
            return sorted(
                (a for a in self._roster.accounts.values() if a.school_id == school_id),
                key=lambda a: a.name,
            )

    def quiz(self, student_id: str, course_id: str, chapter_id: str) -> QuizView:
        """The quiz as it stands; raises QuizNeedsAttention when its stream holds a malformed
        event."""
        with self._changed:
            if self._attention:
                problem = self._attention_of(student_id, course_id, chapter_id)
                if problem is not None:
                    raise QuizNeedsAttention(problem)
            return self._quizzes.get(student_id, {}).get((course_id, chapter_id), QuizView())

    def _attention_of(self, student_id: str, course_id: str, chapter_id: str) -> str | None:
        return (
            self._attention.get((student_id, (course_id, chapter_id)))
            or self._attention.get(quiz_stream_id(student_id, course_id, chapter_id))
            # The stream id before ids were escaped (the handler still reads such streams).
            or self._attention.get(f"chapter-quiz-{student_id}-{course_id}-{chapter_id}")
        )

    def quizzes_of(self, student_id: str) -> dict[QuizKey, QuizView]:
        with self._changed:
            return dict(self._quizzes.get(student_id, {}))

    def recent_answers(self, student_id: str) -> tuple[RecentAnswer, ...]:
        """The student's last answers (at most ``RECENT_ANSWERS``), newest first."""
        with self._changed:
            return self._recent.get(student_id, ())

    def wait_for(self, cursor: Cursor | None, timeout: float = 2.0) -> bool:
        """Block until the model has applied ``cursor``; False when ``timeout`` ran out first."""
        if cursor is None:
            return True
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._cursor < cursor:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)
        return True

    async def wait_for_async(self, cursor: Cursor | None, timeout: float = 2.0) -> bool:
        """``wait_for`` for the event loop: no thread is held while waiting."""
        if cursor is None:
            return True
        started = time.monotonic()
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        with self._changed:
            if self._cursor >= cursor:
                return True
            self._waiters.append((cursor, future))
            self._stats.waits += 1
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            with self._changed:
                self._stats.wait_timeouts += 1
            return self.reached(cursor)
        finally:
            waited_ms = (time.monotonic() - started) * 1000
            with self._changed:
                self._waiters = [(c, f) for c, f in self._waiters if f is not future]
                self._stats.wait_max_ms = max(self._stats.wait_max_ms, waited_ms)

    def reached(self, cursor: Cursor | None, student_id: str | None = None) -> bool:
        """Whether views show ``cursor``: the whole model has applied it, or (a student's own
        command) that student's quizzes have."""
        with self._changed:
            if cursor is None or self._cursor >= cursor:
                return True
            return student_id is not None and self._student_cursor.get(student_id, START) >= cursor

    def status(self) -> dict[str, object]:
        """Health figures: where the model stands and how far behind the log it is."""
        with self._changed:
            stats = self._stats
            last = stats.last_recorded_at
            return {
                "cursor": str(self._cursor),
                "running": bool(self._thread and self._thread.is_alive()),
                "events_applied": stats.applied,
                "events_skipped": stats.skipped,
                "events_unknown_type": stats.unknown_type,
                "events_malformed": stats.malformed,
                "events_of_imported_history": stats.imported_history,
                "quizzes_needing_attention": len(self._attention),
                "subscription_failures": stats.failures,
                "views_waited": stats.waits,
                "view_wait_timeouts": stats.wait_timeouts,
                "view_wait_max_ms": round(stats.wait_max_ms, 1),
                "seconds_since_last_event": None if last is None else round(time.time() - last, 3),
                "seconds_since_progress": None
                if stats.progress_at is None
                else round(time.monotonic() - stats.progress_at, 3),
                "courses": len(self._courses),
                "students": len(self._roster.students),
                "classes": len(self._roster.classes),
                "quizzes": sum(len(q) for q in self._quizzes.values()),
            }

    def head(self) -> Cursor:
        """The store's head now (one small query)."""
        return self._store.head()

    def stalled_seconds(self, head: Cursor) -> float:
        """How long the model has been behind ``head`` without folding anything in: the
        shorter of the time since it last applied an event and the age of the oldest event it
        has not applied (0 when it is not behind; one small query when it is)."""
        with self._changed:
            cursor, progress_at = self._cursor, self._stats.progress_at
        if cursor >= head:
            return 0.0
        idle = float("inf") if progress_at is None else time.monotonic() - progress_at
        pending = self._store.read_all(after=cursor, limit=1)
        waiting = time.time() - pending[0].recorded_at.timestamp() if pending else 0.0
        return max(0.0, min(idle, waiting))

    def lag(self) -> dict[str, object]:
        """How far the model is behind the store's head right now (one small query)."""
        head = self._store.head()
        cursor = self.cursor
        return {"head": str(head), "cursor": str(cursor), "behind": cursor < head}


def _resolve(future: asyncio.Future[bool]) -> None:
    if not future.done():
        future.set_result(True)


def _raw_quiz_ids(data: object) -> tuple[str, QuizKey] | None:
    """(student, (course, chapter)) named by an event's stored data, if it names them."""
    if not isinstance(data, dict):
        return None
    student, course, chapter = (
        data.get(name) for name in ("student_id", "course_id", "chapter_id")
    )
    if isinstance(student, str) and isinstance(course, str) and isinstance(chapter, str):
        return student, (course, chapter)
    return None


def _quiz_ids(event: object) -> tuple[str, QuizKey] | None:
    """(student, (course, chapter)) of a quiz event; None for anything else."""
    student, course, chapter = (
        getattr(event, name, None) for name in ("student_id", "course_id", "chapter_id")
    )
    if isinstance(student, str) and isinstance(course, str) and isinstance(chapter, str):
        return student, (course, chapter)
    return None
