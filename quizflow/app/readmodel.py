"""The live read model: what the web app shows, folded in memory from the store's subscription.

Its cost at start does not grow with the quizzes taken (docs/read-model.md). One background
thread folds courses, the roster and accounts (every event but the quizzes', read through an
index of their own) up to the head seen at start, then follows the whole log live. A student's
quizzes are folded from the student's own quiz streams the first time they are shown (``load``,
one indexed query), and kept current by the subscription from then on. Views read plain dicts
of frozen values, so a reader holds the lock only long enough to pick a value up; the
subscriber replaces values, never mutates them.

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
import threading
import time
from collections.abc import Iterable, Sequence
from functools import partial

from quizflow.app.readmodel_quizzes import (
    RECENT_ANSWERS,
    FoldStats,
    QuizNeedsAttention,
    QuizViews,
    quiz_ids,
    raw_quiz_ids,
)
from quizflow.app.readmodel_roster import Roster
from quizflow.app.readmodel_students import StudentLoads, quiz_streams
from quizflow.app.readmodel_views import (
    Account,
    AnswerOutcome,
    QuizKey,
    QuizView,
    RecentAnswer,
    SchoolClass,
    Student,
    Teacher,
)
from quizflow.eventstore import START, Cursor, EventStore, RecordedEvent
from quizflow.eventstore.types import QUIZ_EVENT_TYPE_PREFIX
from quizflow.importer.events import is_imported_stream
from quizflow.privacy.keys import names_of
from quizflow.quiz import (
    Course,
    CoursePublished,
    PayloadError,
    from_payload,
)
from quizflow.quiz.versions import succeed
from quizflow.school_time import DEFAULT_TIME_ZONE

__all__ = [
    "RECENT_ANSWERS",
    "Account",
    "AnswerOutcome",
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
# Events per read while catching up with courses, roster and accounts at start.
_CATCH_UP_BATCH = 1000
# How long a view waits for another request's read of the same student before reading itself.
_LOAD_WAIT_S = 10.0


class ReadModel:
    """Courses, roster and quizzes, kept current by ``store.subscribe`` in one thread.

    ``every_student``: fold every quiz event of the log from the start, as a full replay does
    (a reference for tests and tools), instead of each student's on first use."""

    def __init__(self, store: EventStore, *, every_student: bool = False) -> None:
        self._store = store
        self._cursor = START
        # The head seen at start: the catch-up reads courses, roster and accounts up to it.
        self._catch_up_to = START
        self._students = StudentLoads(everyone=every_student)
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._stats = FoldStats()
        self._courses: dict[str, Course] = {}
        # Names are sealed in the log: opened with the store's key store (plain in memory).
        self._roster = Roster(reveal=names_of(store).reveal)
        self._views = QuizViews(self._students, self._stats)
        # Async views waiting for a cursor; resolved from the subscriber thread.
        self._waiters: list[tuple[Cursor, asyncio.Future[bool]]] = []

    # -- lifecycle -------------------------------------------------------------------------
    def start(self, catch_up_timeout: float | None = 30.0) -> bool:
        """Start following the log; True once caught up with the head seen now (or no wait)."""
        head = self._store.head()
        with self._changed:
            self._stats.progress_at = time.monotonic()
            if not self._students.everyone:
                self._catch_up_to = head
            loaded_before = sorted(self._students.loaded)
        if loaded_before:
            # Read before the model followed the log: what they did since is read now, and
            # everything after ``head`` comes from the subscription.
            self.load(loaded_before, again=True)
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
                self._catch_up()
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

    def _catch_up(self) -> None:
        """Courses, roster and accounts up to the head seen at start, without reading a quiz
        event: quizzes are read per student when first shown, and the cursor may pass their
        events (a student's read finds every one stored before it)."""
        while not self._stop.is_set():
            after = self.cursor
            if after >= self._catch_up_to:
                return
            batch = self._store.read_all_but_quiz_events(after, self._catch_up_to, _CATCH_UP_BATCH)
            for event in batch:
                try:
                    self.apply(event)
                except Exception as error:
                    self._skip_broken(event, error)
            if len(batch) < _CATCH_UP_BATCH:
                with self._changed:
                    self._cursor = max(self._cursor, self._catch_up_to)
                    self._stats.progress_at = time.monotonic()
                    self._changed.notify_all()
                    if self._waiters:
                        self._wake_waiters()
                return

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
            elif self._held(event, domain):
                pass  # folded once the student's streams are read
            elif problem is not None:
                self._views.skip(event, problem)
            else:
                self._fold(event, domain)
                self._stats.applied += 1
            self._cursor = max(self._cursor, event.cursor)
            self._stats.last_recorded_at = event.recorded_at.timestamp()
            self._stats.progress_at = time.monotonic()
            self._changed.notify_all()
            if self._waiters:
                self._wake_waiters()

    def _held(self, event: RecordedEvent, domain: object) -> bool:
        if not self._students.busy:
            return False
        ids = quiz_ids(domain) or raw_quiz_ids(event.data)
        return ids is not None and self._students.hold(ids[0], event)

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
                self._views.needs_attention(event, raw_quiz_ids(event.data), repr(error))
            self._cursor = max(self._cursor, event.cursor)
            self._changed.notify_all()
            if self._waiters:
                self._wake_waiters()

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
                    self._views.fold(event, domain)

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
        ids = quiz_ids(domain)
        if ids is None:
            return False
        try:
            self.load([ids[0]])
        except Exception:
            # The command is stored; its views wait for the subscription (or a later read).
            log.exception("read model could not read the quizzes of %s", ids[0])
            return False
        with self._changed:
            view = self._views.quizzes.get(ids[0], {}).get(ids[1], QuizView())
            if view.version >= parsed[-1][0].version:
                return True
            if view.version + 1 != first.version:
                return False
            for event, domain in parsed:
                self._views.fold(event, domain)
        return True

    # -- loading a student's quizzes -------------------------------------------------------
    def is_loaded(self, student_id: str) -> bool:
        with self._changed:
            return self._students.is_loaded(student_id)

    def load(
        self, student_ids: Iterable[str], *, again: bool = False, refresh: bool = False
    ) -> None:
        """Make sure these students' quizzes are in the model: the first time, fold them from
        their own quiz streams (one query for all of them); from then on the subscription keeps
        them current. Blocks on the store: async callers run it in a thread. ``again`` reads
        loaded students once more (for students read before the model started); ``refresh``
        too, for what another process appended that the subscription has not brought yet
        (what the model had is not counted twice)."""
        again = again or refresh
        students = self._students
        # Without the lock: a set's membership is safe to read, and a student once loaded stays.
        wanted = [s for s in student_ids if again or not students.is_loaded(s)]
        while wanted:
            with self._changed:
                mine, others = self._students.claim(wanted, again)
                streams, prefixes = quiz_streams(mine, self._courses.values())
            if mine:
                self._read_students(mine, streams, prefixes, counted=refresh)
            if not others:
                return
            # Another request reads them now: wait for it, then read whatever it could not
            # (a refresh reads again: that read may have begun before what it is after).
            with self._changed:
                self._changed.wait_for(partial(self._read_by_others, others), _LOAD_WAIT_S)
                wanted = [s for s in others if refresh or not self._students.is_loaded(s)]
            again = refresh

    def _read_by_others(self, student_ids: list[str]) -> bool:
        return not self._students.reading(student_ids)

    def _read_students(
        self, student_ids: list[str], streams: list[str], prefixes: list[str], counted: bool
    ) -> None:
        try:
            events = self._store.read_streams(streams, prefixes)
        except BaseException:
            with self._changed:
                self._students.abandon(student_ids)
                self._changed.notify_all()
            raise
        only = set(student_ids)
        with self._changed:
            held = self._students.finish(student_ids)
            for event in events:
                self._fold_read(event, only, counted=counted)
            for event in held:  # passed by the live model, which left them to this read
                self._fold_read(event, only, held=True)
            self._changed.notify_all()

    def _fold_read(
        self, event: RecordedEvent, only: set[str], held: bool = False, counted: bool = False
    ) -> None:
        """Fold an event read from a student's quiz stream (called with the lock held); only
        quiz events of the students being read count. The figures count it here only when
        the live model did not: a quiz event from before the head seen at start, or one it
        held for this read; ``counted``: a refresh, whose earlier read counted the former."""
        if is_imported_stream(event.stream_id):
            return
        count = held or (
            not counted
            and event.cursor <= self._catch_up_to
            and event.type.startswith(QUIZ_EVENT_TYPE_PREFIX)
        )
        try:
            domain = from_payload(event.type, event.data)
        except PayloadError as problem:
            ids = raw_quiz_ids(event.data)
            if ids is None or ids[0] in only:
                self._views.skip(event, problem, count=count)
            return
        ids = quiz_ids(domain)
        if ids is None or ids[0] not in only:
            return
        try:
            self._views.fold(event, domain, count=count)
        except Exception as error:  # as the subscription does: skip what cannot be folded
            log.exception(
                "read model could not fold event %s of %s", event.version, event.stream_id
            )
            if count:
                self._stats.skipped += 1
                self._stats.malformed += 1
            self._views.needs_attention(event, ids, repr(error))
            return
        if count:
            self._stats.applied += 1

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

    def time_zone(self, school_id: str) -> str:
        """The school's clock (the default zone until the school sets one)."""
        with self._changed:
            return self._roster.time_zones.get(school_id, DEFAULT_TIME_ZONE)

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
        self.load([student_id])
        with self._changed:
            if self._views.attention:
                problem = self._views.attention_of(student_id, course_id, chapter_id)
                if problem is not None:
                    raise QuizNeedsAttention(problem)
            return self._views.quizzes.get(student_id, {}).get((course_id, chapter_id), QuizView())

    def quizzes_of(self, student_id: str) -> dict[QuizKey, QuizView]:
        self.load([student_id])
        with self._changed:
            return dict(self._views.quizzes.get(student_id, {}))

    def recent_answers(self, student_id: str) -> tuple[RecentAnswer, ...]:
        """The student's last answers (at most ``RECENT_ANSWERS``), newest first."""
        self.load([student_id])
        with self._changed:
            return self._views.recent.get(student_id, ())

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
        if student_id is not None:
            self.load([student_id])
        with self._changed:
            return (
                student_id is not None
                and self._views.student_cursor.get(student_id, START) >= cursor
            )

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
                "quizzes_needing_attention": len(self._views.attention),
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
                "students_loaded": len(self._students.loaded),
                "quizzes": sum(len(q) for q in self._views.quizzes.values()),
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
