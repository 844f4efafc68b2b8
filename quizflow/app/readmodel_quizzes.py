"""The quizzes as the live read model keeps them: one view per student and chapter, each
student's last answers, and the quizzes whose stored history needs attention.

Not thread-safe by itself: the read model calls it under its lock. Values are frozen and
replaced, never mutated, so a reader may keep one after the lock is released.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, replace

from quizflow.app.readmodel_students import StudentLoads
from quizflow.app.readmodel_views import QuizKey, QuizView, RecentAnswer
from quizflow.eventstore import START, Cursor, RecordedEvent
from quizflow.quiz import (
    PayloadError,
    QuestionAnsweredCorrectly,
    QuestionAnsweredIncorrectly,
    QuestionAssigned,
    QuizStarted,
    UnknownEventType,
    evolve,
    quiz_stream_id,
)

log = logging.getLogger("quizflow.app.readmodel")

# The answers kept per student for the teacher's pages (newest first); older ones drop off.
RECENT_ANSWERS = 20


class QuizNeedsAttention(Exception):
    """A quiz whose stream holds a malformed event: no view of it can be trusted until the
    history is repaired. ``detail`` names the event and what is wrong with it."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass
class FoldStats:
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


class QuizViews:
    """Every loaded student's quizzes; ``stats`` is the read model's, counted here too."""

    def __init__(self, students: StudentLoads, stats: FoldStats) -> None:
        self.students = students
        self.stats = stats
        self.quizzes: dict[str, dict[QuizKey, QuizView]] = {}
        self.student_cursor: dict[str, Cursor] = {}  # the latest event of each student's quizzes
        self.recent: dict[str, tuple[RecentAnswer, ...]] = {}  # newest first, RECENT_ANSWERS
        # Quizzes needing attention, by (student, (course, chapter)) or, when the malformed
        # event does not say whose it is, by its stream id: the problem.
        self.attention: dict[object, str] = {}

    def fold(self, event: RecordedEvent, domain: object, *, count: bool = True) -> None:
        """Fold a quiz event of a loaded student (others are read when first shown).
        ``count``: add it to the figures (False for one the live model counted already)."""
        stats = self.stats if count else FoldStats()
        ids = quiz_ids(domain)
        if ids is None:
            return
        student_id, key = ids
        if not self.students.is_loaded(student_id):
            return  # read from the student's streams, with this event, when first shown
        quizzes = self.quizzes.setdefault(student_id, {})
        view = quizzes.get(key, QuizView())
        if event.version <= view.version:
            return  # folded already, from the command's own result
        try:
            state = evolve(view.state, domain)
        except TypeError as error:  # a known event that does not belong in a quiz stream
            stats.skipped += 1
            stats.malformed += 1
            self.needs_attention(event, ids, str(error))
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
        if self.student_cursor.get(student_id, START) < event.cursor:
            self.student_cursor[student_id] = event.cursor

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
        kept = self.recent.get(student_id, ())
        self.recent[student_id] = (answer, *kept[: RECENT_ANSWERS - 1])

    def skip(self, event: RecordedEvent, problem: PayloadError, *, count: bool = True) -> None:
        """Count an event that cannot be applied (called with the lock held). An unknown type
        leaves its quiz as it was, at the event's version; a malformed quiz event marks its
        quiz as needing attention."""
        stats = self.stats if count else FoldStats()
        stats.skipped += 1
        ids = raw_quiz_ids(event.data)
        if isinstance(problem, UnknownEventType):
            stats.unknown_type += 1
            view = self.quizzes.get(ids[0], {}).get(ids[1]) if ids else None
            if ids and view is not None and view.version == event.version - 1:
                # So a command's own events, which follow it, still fold in at once.
                self.quizzes[ids[0]][ids[1]] = replace(
                    view, version=event.version, cursor=event.cursor
                )
            return
        stats.malformed += 1
        if event.type.startswith("chapter-quiz/") or event.stream_id.startswith("chapter-quiz"):
            self.needs_attention(event, ids, str(problem))

    def needs_attention(
        self, event: RecordedEvent, ids: tuple[str, QuizKey] | None, problem: str
    ) -> None:
        key: object = ids if ids is not None else event.stream_id
        if key not in self.attention:
            log.error(
                "quiz stream %s needs attention: event %s (%s) is malformed: %s",
                event.stream_id,
                event.version,
                event.type,
                problem,
            )
            self.attention[key] = (
                f"this quiz cannot be shown until its stored history is repaired: event "
                f"{event.version} of stream {event.stream_id} ({event.type}) is malformed: "
                f"{problem}"
            )

    def attention_of(self, student_id: str, course_id: str, chapter_id: str) -> str | None:
        return (
            self.attention.get((student_id, (course_id, chapter_id)))
            or self.attention.get(quiz_stream_id(student_id, course_id, chapter_id))
            # The stream id before ids were escaped (the handler still reads such streams).
            or self.attention.get(f"chapter-quiz-{student_id}-{course_id}-{chapter_id}")
        )


def raw_quiz_ids(data: object) -> tuple[str, QuizKey] | None:
    """(student, (course, chapter)) named by an event's stored data, if it names them."""
    if not isinstance(data, dict):
        return None
    student, course, chapter = (
        data.get(name) for name in ("student_id", "course_id", "chapter_id")
    )
    if isinstance(student, str) and isinstance(course, str) and isinstance(chapter, str):
        return student, (course, chapter)
    return None


def quiz_ids(event: object) -> tuple[str, QuizKey] | None:
    """(student, (course, chapter)) of a quiz event; None for anything else."""
    student, course, chapter = (
        getattr(event, name, None) for name in ("student_id", "course_id", "chapter_id")
    )
    if isinstance(student, str) and isinstance(course, str) and isinstance(chapter, str):
        return student, (course, chapter)
    return None
