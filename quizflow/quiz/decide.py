"""The chapter quiz rules: ``decide(state, command, course, rng)`` -> events or a rejection.

Pure: the stream's state, the published course and a random source go in; the events to
append (or why not) come out. Stale expected versions are the command handler's concern.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, TypeVar

from quizflow.quiz.answers import check
from quizflow.quiz.commands import Command, NextQuestion, StartOver, StartQuiz, SubmitAnswer
from quizflow.quiz.course import Chapter, Course
from quizflow.quiz.events import (
    QuestionAnsweredCorrectly,
    QuestionAnsweredIncorrectly,
    QuestionAssigned,
    QuizEvent,
    QuizPassed,
    QuizStarted,
    QuizStartedOver,
    UnreadableAnswerRefused,
)
from quizflow.quiz.readable import unreadable_fields
from quizflow.quiz.state import QuizState, Status

STREAK_TO_PASS = 3

T = TypeVar("T")


class RandomSource(Protocol):
    """What the decider needs of ``random.Random``; tests inject a deterministic one."""

    def choice(self, seq: Sequence[T], /) -> T: ...


class Code(StrEnum):
    """Stable rejection codes: clients and tests match on these, never on the reason text."""

    UNKNOWN_COURSE = "unknown-course"
    UNKNOWN_CHAPTER = "unknown-chapter"
    UNKNOWN_QUESTION = "unknown-question"
    WRONG_STREAM = "wrong-stream"
    QUIZ_NOT_STARTED = "quiz-not-started"
    QUIZ_ALREADY_STARTED = "quiz-already-started"
    QUIZ_ALREADY_PASSED = "quiz-already-passed"
    QUESTION_NOT_ASSIGNED = "question-not-assigned"
    QUESTION_ALREADY_ANSWERED = "question-already-answered"
    QUESTION_NOT_ANSWERED = "question-not-answered"
    UNKNOWN_FIELDS = "unknown-fields"
    MISSING_FIELDS = "missing-fields"
    LAST_ANSWER_WRONG = "last-answer-wrong"
    START_OVER_NOT_NEEDED = "start-over-not-needed"


@dataclass(frozen=True)
class Rejected:
    """A command the rules refuse; nothing is appended. ``code`` is a ``Code`` value."""

    reason: str
    code: str


def decide(
    state: QuizState, command: Command, course: Course | None, rng: RandomSource
) -> list[QuizEvent] | Rejected:
    """The events ``command`` causes in a quiz in ``state``, or why it is rejected.

    ``course`` is the latest published version of the command's course (None if never
    published); ``rng`` picks the questions.
    """
    if course is None or course.course_id != command.course_id:
        return Rejected(f"course {command.course_id!r} is not published", Code.UNKNOWN_COURSE)
    chapter = course.chapter(command.chapter_id)
    if chapter is None:
        return Rejected(
            f"course {course.course_id!r} has no chapter {command.chapter_id!r}",
            Code.UNKNOWN_CHAPTER,
        )
    ids = (command.student_id, command.course_id, command.chapter_id)
    if state.status is not Status.NOT_STARTED and ids != (
        state.student_id,
        state.course_id,
        state.chapter_id,
    ):
        return Rejected("the command is for another quiz than this stream", Code.WRONG_STREAM)
    if isinstance(command, StartQuiz):
        return _start(state, command, chapter, rng)
    if state.status is Status.NOT_STARTED:
        return Rejected("the quiz has not been started", Code.QUIZ_NOT_STARTED)
    if state.status is Status.PASSED:
        return Rejected(
            f"attempt {state.attempt} is passed; start the quiz again for a new attempt",
            Code.QUIZ_ALREADY_PASSED,
        )
    if isinstance(command, SubmitAnswer):
        return _answer(state, command, course, chapter)
    if isinstance(command, NextQuestion):
        return _next(state, command, chapter, rng)
    return _start_over(state, command, chapter, rng)


def _start(
    state: QuizState, command: StartQuiz, chapter: Chapter, rng: RandomSource
) -> list[QuizEvent] | Rejected:
    if state.status not in (Status.NOT_STARTED, Status.PASSED):
        return Rejected(f"attempt {state.attempt} is in progress", Code.QUIZ_ALREADY_STARTED)
    attempt = state.attempt + 1
    return [
        QuizStarted(command.student_id, command.course_id, command.chapter_id, attempt),
        _assign(command, attempt, chapter, rng, avoid=None),
    ]


def _answer(
    state: QuizState, command: SubmitAnswer, course: Course, chapter: Chapter
) -> list[QuizEvent] | Rejected:
    if command.question_id != state.question_id:
        return Rejected(
            f"question {command.question_id!r} is not the assigned question",
            Code.QUESTION_NOT_ASSIGNED,
        )
    if state.status is not Status.AWAITING_ANSWER:
        return Rejected(
            f"question {command.question_id!r} is already answered",
            Code.QUESTION_ALREADY_ANSWERED,
        )
    current = chapter.question(command.question_id)
    if current is None:
        return Rejected(
            f"question {command.question_id!r} is no longer in chapter {chapter.chapter_id!r}",
            Code.UNKNOWN_QUESTION,
        )
    # Graded by the version the student was shown, though an edit was published since: its
    # text (and so its right answer) may differ from the current one.
    question = course.revision(current.question_id, state.question_version) or current
    unknown = sorted(set(command.inputs) - set(question.field_names))
    if unknown:
        return Rejected(
            f"question {question.question_id!r} has no input fields {', '.join(unknown)}",
            Code.UNKNOWN_FIELDS,
        )
    missing = [
        name
        for name in question.field_names
        if not isinstance(command.inputs.get(name), str) or not command.inputs[name].strip()
    ]
    if missing:
        return Rejected(f"no answer for input fields {', '.join(missing)}", Code.MISSING_FIELDS)
    quiz = (command.student_id, command.course_id, command.chapter_id, state.attempt)
    unreadable = unreadable_fields(question, command.inputs)
    if unreadable:
        # Not an answer: recorded (notation trouble is worth counting) but graded never.
        return [UnreadableAnswerRefused(*quiz, command.question_id, command.inputs, unreadable)]
    version = question.version
    if not check(question, command.inputs):
        return [QuestionAnsweredIncorrectly(*quiz, command.question_id, command.inputs, version)]
    streak = state.streak + 1
    answered = QuestionAnsweredCorrectly(
        *quiz, command.question_id, command.inputs, streak, version
    )
    if streak >= STREAK_TO_PASS:
        return [answered, QuizPassed(*quiz)]
    return [answered]


def _next(
    state: QuizState, command: NextQuestion, chapter: Chapter, rng: RandomSource
) -> list[QuizEvent] | Rejected:
    if state.status is Status.ANSWERED_INCORRECTLY:
        return Rejected("the last answer was wrong; start over", Code.LAST_ANSWER_WRONG)
    if state.status is not Status.ANSWERED_CORRECTLY:
        return Rejected("the assigned question has not been answered", Code.QUESTION_NOT_ANSWERED)
    return [_assign(command, state.attempt, chapter, rng, avoid=state.question_id)]


def _start_over(
    state: QuizState, command: StartOver, chapter: Chapter, rng: RandomSource
) -> list[QuizEvent] | Rejected:
    if state.status is not Status.ANSWERED_INCORRECTLY:
        return Rejected(
            "starting over is only needed after a wrong answer", Code.START_OVER_NOT_NEEDED
        )
    quiz = (command.student_id, command.course_id, command.chapter_id, state.attempt)
    return [
        QuizStartedOver(*quiz),
        _assign(command, state.attempt, chapter, rng, avoid=state.question_id),
    ]


def _assign(
    command: Command, attempt: int, chapter: Chapter, rng: RandomSource, avoid: str | None
) -> QuestionAssigned:
    # The chapter order is the candidates' order, so a seeded rng picks reproducibly.
    # A one-question chapter can only repeat its question.
    candidates = [q for q in chapter.questions if q.question_id != avoid]
    question = rng.choice(candidates or list(chapter.questions))
    return QuestionAssigned(
        command.student_id,
        command.course_id,
        command.chapter_id,
        attempt,
        question.question_id,
        question.version,
    )
