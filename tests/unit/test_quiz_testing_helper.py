"""The given/when/then helper fails loudly and readably."""

from __future__ import annotations

import pytest

from quizflow.quiz import NextQuestion, QuestionAssigned, QuizStarted, StartQuiz
from quizflow.quiz.testing import given, tiny_course

QUIZ = ("ann", "maths", "basics")


def test_then_fails_when_the_events_differ() -> None:
    outcome = given([], course=tiny_course()).when(StartQuiz(*QUIZ))
    with pytest.raises(AssertionError, match="expected"):
        outcome.then([QuizStarted(*QUIZ, 2), QuestionAssigned(*QUIZ, 2, "q1")])


def test_then_fails_when_the_command_was_rejected() -> None:
    outcome = given([], course=tiny_course()).when(NextQuestion(*QUIZ))
    with pytest.raises(AssertionError, match="quiz-not-started"):
        outcome.then([])


def test_then_rejected_fails_when_events_were_decided() -> None:
    outcome = given([], course=tiny_course()).when(StartQuiz(*QUIZ))
    with pytest.raises(AssertionError, match="QuizStarted"):
        outcome.then_rejected("quiz-not-started")


def test_then_rejected_fails_on_another_code() -> None:
    outcome = given([], course=tiny_course()).when(NextQuestion(*QUIZ))
    with pytest.raises(AssertionError, match="unknown-course"):
        outcome.then_rejected("unknown-course")
