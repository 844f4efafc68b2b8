"""The quiz state is a fold over the stream."""

from __future__ import annotations

import pytest

from quizflow.quiz import (
    INITIAL,
    CoursePublished,
    QuestionAnsweredCorrectly,
    QuestionAnsweredIncorrectly,
    QuestionAssigned,
    QuizPassed,
    QuizStarted,
    QuizStartedOver,
    QuizState,
    Status,
    evolve,
    fold,
)
from quizflow.quiz.testing import tiny_course

QUIZ = ("ann", "maths", "basics")


def test_an_empty_stream_is_a_quiz_not_started() -> None:
    assert fold([]) == INITIAL == QuizState()
    assert INITIAL.status is Status.NOT_STARTED


def test_the_state_follows_the_quiz_through_its_events() -> None:
    events = [
        QuizStarted(*QUIZ, 1),
        QuestionAssigned(*QUIZ, 1, "q1"),
        QuestionAnsweredCorrectly(*QUIZ, 1, "q1", {"_INPUT_1_": "3/4"}, 1),
    ]
    state = fold(events)
    assert state == QuizState(
        *QUIZ,
        status=Status.ANSWERED_CORRECTLY,
        attempt=1,
        question_id="q1",
        streak=1,
        version=3,
    )


def test_a_wrong_answer_breaks_the_streak_and_starting_over_keeps_it_at_zero() -> None:
    state = fold(
        [
            QuizStarted(*QUIZ, 1),
            QuestionAssigned(*QUIZ, 1, "q1"),
            QuestionAnsweredCorrectly(*QUIZ, 1, "q1", {"_INPUT_1_": "3/4"}, 1),
            QuestionAssigned(*QUIZ, 1, "q2"),
            QuestionAnsweredIncorrectly(*QUIZ, 1, "q2", {"_INPUT_1_": "5"}),
        ]
    )
    assert (state.status, state.streak) == (Status.ANSWERED_INCORRECTLY, 0)
    state = evolve(state, QuizStartedOver(*QUIZ, 1))
    assert state.streak == 0


def test_passing_ends_the_attempt_and_a_new_start_counts_the_next_one() -> None:
    state = fold([QuizStarted(*QUIZ, 1), QuizPassed(*QUIZ, 1)])
    assert state.status is Status.PASSED
    state = evolve(state, QuizStarted(*QUIZ, 2))
    assert (state.status, state.attempt, state.streak) == (Status.AWAITING_ANSWER, 2, 0)


def test_the_version_counts_the_events_folded() -> None:
    events = [QuizStarted(*QUIZ, 1), QuestionAssigned(*QUIZ, 1, "q1")]
    assert fold(events).version == 2
    assert fold(events[1:], fold(events[:1])) == fold(events)


def test_an_event_of_another_stream_is_refused() -> None:
    with pytest.raises(TypeError, match="CoursePublished"):
        evolve(INITIAL, CoursePublished(tiny_course()))
