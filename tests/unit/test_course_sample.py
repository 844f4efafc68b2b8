"""The sample maths course: real content, checked against the answer checker.

If a listed wrong answer were accepted, or an accepted answer rejected, the content (or the
checker) is wrong, and students would be graded wrongly.
"""

from __future__ import annotations

import itertools

import pytest

from quizflow.content import load_course_file, sample_course_path
from quizflow.quiz import Course, Question, check

COURSE = Course.from_data(load_course_file(sample_course_path()))
QUESTIONS = [question for chapter in COURSE.chapters for question in chapter.questions]


def by_id(question: Question) -> str:
    return question.question_id


def test_the_sample_course_has_at_least_three_chapters_of_fifteen_questions() -> None:
    assert len(COURSE.chapters) >= 3
    for chapter in COURSE.chapters:
        assert len(chapter.questions) >= 15, chapter.chapter_id


@pytest.mark.parametrize("question", QUESTIONS, ids=by_id)
def test_every_accepted_answer_is_accepted(question: Question) -> None:
    names = question.field_names
    for combination in itertools.product(*(question.accepted[name] for name in names)):
        assert check(question, dict(zip(names, combination, strict=True))), combination


@pytest.mark.parametrize("question", QUESTIONS, ids=by_id)
def test_no_listed_wrong_answer_is_accepted(question: Question) -> None:
    for wrong in question.wrong_answers:
        assert not check(question, wrong.answer), (wrong.answer, wrong.misconception)


@pytest.mark.parametrize("question", QUESTIONS, ids=by_id)
def test_every_question_lists_two_to_four_typical_wrong_answers(question: Question) -> None:
    assert 2 <= len(question.wrong_answers) <= 4
    assert all(wrong.misconception.strip() for wrong in question.wrong_answers)
    answers = [tuple(sorted(wrong.answer.items())) for wrong in question.wrong_answers]
    assert len(set(answers)) == len(answers), "a wrong answer is listed twice"


@pytest.mark.parametrize("question", QUESTIONS, ids=by_id)
def test_every_question_has_an_authoring_difficulty_in_range(question: Question) -> None:
    assert question.difficulty is not None and -2 <= question.difficulty <= 2


def test_question_ids_name_their_chapter() -> None:
    for chapter in COURSE.chapters:
        prefixes = {question.question_id.split("-")[0] for question in chapter.questions}
        assert len(prefixes) == 1, chapter.chapter_id


def test_most_questions_have_one_input_field_and_some_have_two() -> None:
    field_counts = [len(question.fields) for question in QUESTIONS]
    assert field_counts.count(1) > 0.8 * len(field_counts)
    assert field_counts.count(2) >= 3
    assert all(question.fields[0].name == "_INPUT_1_" for question in QUESTIONS)


def test_every_equivalence_is_used() -> None:
    used = {kind for question in QUESTIONS for kind in question.equivalence.values()}
    assert used == {"text", "number", "fraction"}


def test_typical_alternative_spellings_of_right_answers_are_accepted() -> None:
    questions = {question.question_id: question for question in QUESTIONS}
    spellings = {
        "frac-04": ["1 1/2", "1.5", "1,5", "6/4"],
        "frac-14": [".375", "0,375"],
        "pct-02": ["60%", "60 %"],
        "pct-15": ["60,50", "€60.50"],
        "neg-02": ["−5", "- 5"],
        "lin-10": ["4/6"],
        "frac-01": [" 5 / 6 "],
    }
    for question_id, typed in spellings.items():
        for value in typed:
            assert check(questions[question_id], {"_INPUT_1_": value}), (question_id, value)
