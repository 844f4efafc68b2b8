"""The chapter quiz as the decider sees it: a fold over the quiz's event stream."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

from quizflow.quiz.events import (
    QuestionAnsweredCorrectly,
    QuestionAnsweredIncorrectly,
    QuestionAssigned,
    QuizPassed,
    QuizStarted,
    QuizStartedOver,
    UnreadableAnswerRefused,
)


class Status(StrEnum):
    NOT_STARTED = "not-started"
    AWAITING_ANSWER = "awaiting-answer"
    ANSWERED_CORRECTLY = "answered-correctly"  # waiting for NextQuestion
    ANSWERED_INCORRECTLY = "answered-incorrectly"  # waiting for StartOver
    PASSED = "passed"


@dataclass(frozen=True)
class QuizState:
    student_id: str | None = None
    course_id: str | None = None
    chapter_id: str | None = None
    status: Status = Status.NOT_STARTED
    attempt: int = 0
    # The assigned question while awaiting an answer, afterwards the one just answered.
    question_id: str | None = None
    # The version of that question the student was shown (quizflow.quiz.versions).
    question_version: int = 1
    streak: int = 0
    # Events folded so far: the stream version a command handler appends after.
    version: int = 0


INITIAL = QuizState()


def evolve(state: QuizState, event: object) -> QuizState:
    """The state after ``event``. Events are facts, so they are applied without checks."""
    state = replace(state, version=state.version + 1)
    match event:
        case QuizStarted():
            return replace(
                state,
                student_id=event.student_id,
                course_id=event.course_id,
                chapter_id=event.chapter_id,
                status=Status.AWAITING_ANSWER,
                attempt=event.attempt,
                question_id=None,
                streak=0,
            )
        case QuestionAssigned():
            return replace(
                state,
                status=Status.AWAITING_ANSWER,
                question_id=event.question_id,
                question_version=event.question_version,
            )
        case QuestionAnsweredCorrectly():
            return replace(
                state,
                status=Status.ANSWERED_CORRECTLY,
                question_id=event.question_id,
                question_version=event.question_version,
                streak=event.streak,
            )
        case QuestionAnsweredIncorrectly():
            return replace(
                state,
                status=Status.ANSWERED_INCORRECTLY,
                question_id=event.question_id,
                question_version=event.question_version,
                streak=0,
            )
        case QuizStartedOver():
            return replace(state, streak=0)
        case QuizPassed():
            return replace(state, status=Status.PASSED)
        case UnreadableAnswerRefused():
            return state  # refused, so nothing changes: the question still awaits an answer
    raise TypeError(f"{type(event).__name__} does not belong in a chapter quiz stream")


def fold(events: Iterable[object], state: QuizState = INITIAL) -> QuizState:
    """The state after all ``events``, in stream order."""
    for event in events:
        state = evolve(state, event)
    return state
