"""Answers that cannot be read as what the field expects, and the feedback for a known mistake."""

from __future__ import annotations

import pytest

from quizflow.content import load_course_file, sample_course_path
from quizflow.quiz import Course, Question
from quizflow.quiz.answers import known_wrong_answer
from quizflow.quiz.equivalence import parse_fraction
from quizflow.quiz.readable import REASONS, hint, unreadable_fields

COURSE = Course.from_data(load_course_file(sample_course_path()))


def question(question_id: str) -> Question:
    found = next(q for c in COURSE.chapters for q in c.questions if q.question_id == question_id)
    return found


@pytest.mark.parametrize(
    ("question_id", "typed", "reason"),
    [
        ("frac-14", "3/8", "fraction-not-decimal"),  # the right value, not as a decimal
        ("pct-14", "0.45", "decimal-not-fraction"),  # the right value, not as a fraction
        ("pct-01", "abc", "not-a-number"),
        ("frac-04", "abc", "not-a-fraction"),
        ("frac-01", "abc", "not-a-fraction"),  # a text field whose answers are fractions
        ("frac-04", "1½", "number-symbol"),
        ("pct-01", "9\u200b", "invisible-character"),
        ("pct-01", "\u200b", "invisible-character"),
    ],
)
def test_an_answer_that_cannot_be_read_is_refused_with_its_reason(
    question_id: str, typed: str, reason: str
) -> None:
    assert unreadable_fields(question(question_id), {"_INPUT_1_": typed}) == {"_INPUT_1_": reason}


@pytest.mark.parametrize(
    ("question_id", "typed"),
    [
        ("frac-14", "0,375"),
        ("frac-14", "3.8"),  # a wrong value, but a number: graded wrong, not refused
        ("frac-14", "1/3"),  # another value as a fraction is a wrong answer like any other
        ("frac-08", "4.1"),  # a decimal with another value than the mixed number asked
        ("frac-04", "1 1/2"),
        ("pct-01", " 9 "),
        ("pct-01", "−9"),
    ],
)
def test_a_readable_answer_is_graded_even_when_wrong(question_id: str, typed: str) -> None:
    assert unreadable_fields(question(question_id), {"_INPUT_1_": typed}) == {}


def test_one_half_as_a_symbol_is_no_longer_read_as_eleven_halves() -> None:
    assert parse_fraction("1½") is None
    assert parse_fraction("1 1/2") == parse_fraction("3/2")


def test_each_field_of_a_two_field_answer_is_judged_on_its_own() -> None:
    inputs = {"_INPUT_1_": "3", "_INPUT_2_": "seven"}
    assert unreadable_fields(question("frac-06"), inputs) == {"_INPUT_2_": "not-a-number"}


def test_every_reason_has_a_hint_that_names_the_field_by_its_label() -> None:
    for reason in REASONS:
        sentence = hint(reason, "boys (%)")
        assert sentence.startswith("Boys (%) ") and sentence.endswith(".")


def test_the_feedback_chosen_is_the_one_of_the_misconception_the_answer_matches() -> None:
    wrong = known_wrong_answer(question("frac-01"), {"_INPUT_1_": " 2/5 "})
    assert wrong is not None
    assert wrong.misconception == "adds the numerators and adds the denominators"
    assert wrong.feedback.startswith("You added the tops")


def test_an_equivalent_spelling_of_a_listed_wrong_answer_gets_its_feedback() -> None:
    wrong = known_wrong_answer(question("pct-09"), {"_INPUT_1_": "35.0"})
    assert wrong is not None and wrong.misconception == "divides by 10 instead of by 100"


def test_an_unlisted_wrong_answer_gets_no_misconception_feedback() -> None:
    assert known_wrong_answer(question("frac-01"), {"_INPUT_1_": "7/9"}) is None


def test_a_two_field_answer_matches_only_when_every_field_does() -> None:
    q = question("frac-06")
    assert known_wrong_answer(q, {"_INPUT_1_": "7", "_INPUT_2_": "3"}) is not None
    assert known_wrong_answer(q, {"_INPUT_1_": "7", "_INPUT_2_": "4"}) is None


def test_every_question_of_the_sample_has_a_solution_and_every_wrong_answer_feedback() -> None:
    questions = [q for c in COURSE.chapters for q in c.questions]
    assert all(q.solution.strip() for q in questions)
    assert all(w.feedback.strip() for q in questions for w in q.wrong_answers)
