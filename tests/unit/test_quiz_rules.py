"""The chapter quiz rules, as given/when/then scenarios (decide over a folded stream)."""

from __future__ import annotations

import random

import pytest

from quizflow.quiz import (
    Code,
    Command,
    NextQuestion,
    QuestionAnsweredCorrectly,
    QuestionAnsweredIncorrectly,
    QuestionAssigned,
    QuizEvent,
    QuizPassed,
    QuizStarted,
    QuizStartedOver,
    StartOver,
    StartQuiz,
    Status,
    SubmitAnswer,
    UnreadableAnswerRefused,
    fold,
)
from quizflow.quiz.testing import given, tiny_course

COURSE = tiny_course()
QUIZ = ("ann", "maths", "basics")
RIGHT = {"q1": {"_INPUT_1_": "3/4"}, "q2": {"_INPUT_1_": "6"}, "q3": {"_INPUT_1_": "paris"}}
WRONG = {"_INPUT_1_": "2/6"}

start = StartQuiz(*QUIZ)
next_question = NextQuestion(*QUIZ)
start_over = StartOver(*QUIZ)


def answer(question_id: str, inputs: dict[str, str]) -> SubmitAnswer:
    return SubmitAnswer(*QUIZ, question_id=question_id, inputs=inputs)


def started(attempt: int = 1, question_id: str = "q1") -> list[QuizEvent]:
    return [QuizStarted(*QUIZ, attempt), QuestionAssigned(*QUIZ, attempt, question_id)]


def correct(question_id: str, streak: int, attempt: int = 1) -> QuestionAnsweredCorrectly:
    return QuestionAnsweredCorrectly(*QUIZ, attempt, question_id, RIGHT[question_id], streak)


def incorrect(question_id: str, attempt: int = 1) -> QuestionAnsweredIncorrectly:
    return QuestionAnsweredIncorrectly(*QUIZ, attempt, question_id, WRONG)


def assigned(question_id: str, attempt: int = 1) -> QuestionAssigned:
    return QuestionAssigned(*QUIZ, attempt, question_id)


def passed_history() -> list[QuizEvent]:
    return [
        *started(),
        correct("q1", 1),
        assigned("q2"),
        correct("q2", 2),
        assigned("q3"),
        correct("q3", 3),
        QuizPassed(*QUIZ, 1),
    ]


# --- the rules ---------------------------------------------------------------------------


def test_starting_a_quiz_assigns_a_question_of_the_chapter() -> None:
    given([], course=COURSE).when(start).then(started(attempt=1, question_id="q1"))


def test_the_first_question_is_picked_at_random_from_the_chapter() -> None:
    picked = set()
    for seed in range(200):
        events = given([], course=COURSE, rng=random.Random(seed)).when(start).events
        assert isinstance(events[1], QuestionAssigned)
        picked.add(events[1].question_id)
    assert picked == {"q1", "q2", "q3", "q4"}


def test_a_correct_answer_is_recorded_with_its_inputs_and_the_streak() -> None:
    given(started(), course=COURSE).when(answer("q1", RIGHT["q1"])).then([correct("q1", 1)])


def test_an_equivalent_answer_counts_as_correct() -> None:
    given(started(), course=COURSE).when(answer("q1", {"_INPUT_1_": " 0,75 "})).then(
        [QuestionAnsweredCorrectly(*QUIZ, 1, "q1", {"_INPUT_1_": " 0,75 "}, 1)]
    )


def test_a_wrong_answer_is_recorded_with_its_raw_inputs() -> None:
    given(started(), course=COURSE).when(answer("q1", WRONG)).then([incorrect("q1")])


def test_a_wrong_answer_resets_the_streak() -> None:
    history = [*started(), correct("q1", 1), assigned("q2"), incorrect("q2")]
    assert fold(history).streak == 0
    after_start_over = [*history, QuizStartedOver(*QUIZ, 1), assigned("q1")]
    given(after_start_over, course=COURSE).when(answer("q1", RIGHT["q1"])).then([correct("q1", 1)])


def test_next_question_after_a_correct_answer_assigns_another_question() -> None:
    given([*started(), correct("q1", 1)], course=COURSE).when(next_question).then([assigned("q2")])


@pytest.mark.parametrize("seed", range(30))
def test_next_question_never_repeats_the_question_just_answered(seed: int) -> None:
    history = [*started(question_id="q3"), correct("q3", 1)]
    events = given(history, course=COURSE, rng=random.Random(seed)).when(next_question).events
    assert len(events) == 1
    assert isinstance(events[0], QuestionAssigned)
    assert events[0].question_id in {"q1", "q2", "q4"}


def test_starting_over_after_a_wrong_answer_resets_the_streak_and_assigns_another_question() -> (
    None
):
    given([*started(), incorrect("q1")], course=COURSE).when(start_over).then(
        [QuizStartedOver(*QUIZ, 1), assigned("q2")]
    )


def test_three_correct_answers_in_a_row_pass_the_quiz() -> None:
    history = [*started(), correct("q1", 1), assigned("q2"), correct("q2", 2), assigned("q3")]
    given(history, course=COURSE).when(answer("q3", RIGHT["q3"])).then(
        [correct("q3", 3), QuizPassed(*QUIZ, 1)]
    )


def test_only_correct_answers_since_the_last_wrong_one_count_towards_passing() -> None:
    history = [
        *started(),
        correct("q1", 1),
        assigned("q2"),
        correct("q2", 2),
        assigned("q3"),
        incorrect("q3"),
        QuizStartedOver(*QUIZ, 1),
        assigned("q1"),
        correct("q1", 1),
        assigned("q2"),
    ]
    given(history, course=COURSE).when(answer("q2", RIGHT["q2"])).then([correct("q2", 2)])


def test_starting_again_after_passing_begins_a_new_attempt() -> None:
    given(passed_history(), course=COURSE).when(start).then(started(attempt=2))


def test_answers_in_a_new_attempt_carry_the_new_attempt() -> None:
    history = [*passed_history(), *started(attempt=2)]
    given(history, course=COURSE).when(answer("q1", RIGHT["q1"])).then(
        [correct("q1", 1, attempt=2)]
    )


def test_a_question_with_two_fields_needs_both_fields_right() -> None:
    history = started(question_id="q4")
    given(history, course=COURSE).when(answer("q4", {"_INPUT_1_": "7", "_INPUT_2_": "3"})).then(
        [QuestionAnsweredCorrectly(*QUIZ, 1, "q4", {"_INPUT_1_": "7", "_INPUT_2_": "3"}, 1)]
    )
    given(history, course=COURSE).when(answer("q4", {"_INPUT_1_": "7", "_INPUT_2_": "4"})).then(
        [QuestionAnsweredIncorrectly(*QUIZ, 1, "q4", {"_INPUT_1_": "7", "_INPUT_2_": "4"})]
    )


def test_a_chapter_with_one_question_assigns_it_again() -> None:
    solo = ("ann", "maths", "solo")
    history: list[QuizEvent] = [
        QuizStarted(*solo, 1),
        QuestionAssigned(*solo, 1, "s1"),
        QuestionAnsweredCorrectly(*solo, 1, "s1", {"_INPUT_1_": "1"}, 1),
    ]
    given(history, course=COURSE).when(NextQuestion(*solo)).then([QuestionAssigned(*solo, 1, "s1")])


# --- rejections --------------------------------------------------------------------------


@pytest.mark.parametrize("command", [answer("q1", RIGHT["q1"]), next_question, start_over])
def test_anything_but_starting_is_rejected_before_the_quiz_is_started(command: Command) -> None:
    given([], course=COURSE).when(command).then_rejected(Code.QUIZ_NOT_STARTED)


@pytest.mark.parametrize(
    "history",
    [started(), [*started(), correct("q1", 1)], [*started(), incorrect("q1")]],
    ids=["awaiting an answer", "after a correct answer", "after a wrong answer"],
)
def test_starting_a_quiz_that_is_in_progress_is_rejected(history: list[QuizEvent]) -> None:
    given(history, course=COURSE).when(start).then_rejected(Code.QUIZ_ALREADY_STARTED)


def test_answering_a_question_that_is_not_assigned_is_rejected() -> None:
    given(started(), course=COURSE).when(answer("q2", RIGHT["q2"])).then_rejected(
        Code.QUESTION_NOT_ASSIGNED
    )


@pytest.mark.parametrize(
    "history",
    [[*started(), correct("q1", 1)], [*started(), incorrect("q1")]],
    ids=["after a correct answer", "after a wrong answer"],
)
def test_answering_the_same_question_twice_is_rejected(history: list[QuizEvent]) -> None:
    given(history, course=COURSE).when(answer("q1", RIGHT["q1"])).then_rejected(
        Code.QUESTION_ALREADY_ANSWERED
    )


@pytest.mark.parametrize("command", [answer("q3", RIGHT["q3"]), next_question, start_over])
def test_anything_but_starting_again_is_rejected_after_passing(command: Command) -> None:
    given(passed_history(), course=COURSE).when(command).then_rejected(Code.QUIZ_ALREADY_PASSED)


def test_next_question_after_a_wrong_answer_is_rejected() -> None:
    given([*started(), incorrect("q1")], course=COURSE).when(next_question).then_rejected(
        Code.LAST_ANSWER_WRONG
    )


def test_next_question_before_answering_is_rejected() -> None:
    given(started(), course=COURSE).when(next_question).then_rejected(Code.QUESTION_NOT_ANSWERED)


@pytest.mark.parametrize(
    "history",
    [started(), [*started(), correct("q1", 1)]],
    ids=["awaiting an answer", "after a correct answer"],
)
def test_starting_over_when_the_last_answer_was_not_wrong_is_rejected(
    history: list[QuizEvent],
) -> None:
    given(history, course=COURSE).when(start_over).then_rejected(Code.START_OVER_NOT_NEEDED)


def test_a_course_that_is_not_published_is_rejected() -> None:
    given([], course=None).when(start).then_rejected(Code.UNKNOWN_COURSE)
    other = StartQuiz("ann", "physics", "basics")
    given([], course=COURSE).when(other).then_rejected(Code.UNKNOWN_COURSE)


def test_a_chapter_the_course_does_not_have_is_rejected() -> None:
    given([], course=COURSE).when(StartQuiz("ann", "maths", "calculus")).then_rejected(
        Code.UNKNOWN_CHAPTER
    )


def test_inputs_for_fields_the_question_does_not_have_are_rejected() -> None:
    inputs = {"_INPUT_1_": "3/4", "_INPUT_9_": "1"}
    rejected = (
        given(started(), course=COURSE)
        .when(answer("q1", inputs))
        .then_rejected(Code.UNKNOWN_FIELDS)
    )
    assert "_INPUT_9_" in rejected.reason


@pytest.mark.parametrize("inputs", [{}, {"_INPUT_1_": "7"}, {"_INPUT_1_": "7", "_INPUT_2_": "  "}])
def test_missing_or_blank_fields_are_rejected(inputs: dict[str, str]) -> None:
    given(started(question_id="q4"), course=COURSE).when(answer("q4", inputs)).then_rejected(
        Code.MISSING_FIELDS
    )


def test_answering_a_question_removed_from_the_course_is_rejected() -> None:
    given(started(question_id="gone"), course=COURSE).when(
        answer("gone", {"_INPUT_1_": "1"})
    ).then_rejected(Code.UNKNOWN_QUESTION)


def test_a_command_for_another_students_quiz_is_rejected() -> None:
    given(started(), course=COURSE).when(StartOver("bob", "maths", "basics")).then_rejected(
        Code.WRONG_STREAM
    )


def test_a_rejection_says_why_in_words_and_appends_nothing() -> None:
    outcome = given(started(), course=COURSE).when(next_question)
    rejected = outcome.then_rejected(Code.QUESTION_NOT_ANSWERED)
    assert rejected.reason and rejected.code == "question-not-answered"


# --- answers that cannot be read ----------------------------------------------------------


def test_an_unreadable_answer_is_refused_without_costing_the_streak() -> None:
    history = [*started(question_id="q2"), assigned("q2")]
    outcome = given(history, course=COURSE).when(answer("q2", {"_INPUT_1_": "abc"}))
    outcome.then(
        [
            UnreadableAnswerRefused(
                *QUIZ, 1, "q2", {"_INPUT_1_": "abc"}, {"_INPUT_1_": "not-a-number"}
            )
        ]
    )
    after = fold([*history, *outcome.events])
    assert after.status is Status.AWAITING_ANSWER and after.question_id == "q2"


def test_after_an_unreadable_answer_the_same_question_can_be_answered() -> None:
    refused = UnreadableAnswerRefused(*QUIZ, 1, "q1", {"_INPUT_1_": "x"}, {"_INPUT_1_": "r"})
    given([*started(), correct("q1", 1), assigned("q2"), refused], course=COURSE).when(
        answer("q2", RIGHT["q2"])
    ).then([correct("q2", 2)])
