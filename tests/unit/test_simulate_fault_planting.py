"""Planted faults: which questions, reproducibly, and the course published with wrong keys."""

from __future__ import annotations

import random

import pytest

from quizflow.content import load_course_file, sample_course_path
from quizflow.quiz import Course, check
from quizflow.simulate.answers import right
from quizflow.simulate.faults import (
    AMBIGUOUS,
    FAULTS,
    STRONG_DISTRACTOR,
    WRONG_KEY,
    choose_faults,
    with_wrong_keys,
)

DATA = load_course_file(sample_course_path())
COURSE = Course.from_data(DATA)


def test_the_same_seed_plants_the_same_faults_and_another_seed_others() -> None:
    planted = choose_faults(7, COURSE, 6)
    assert planted == choose_faults(7, COURSE, 6)
    assert [p.question_id for p in planted] != [p.question_id for p in choose_faults(8, COURSE, 6)]
    assert [p.fault for p in planted] == list(FAULTS) * 2
    assert len({p.question_id for p in planted}) == 6


def test_no_faults_plants_nothing_and_too_many_is_refused() -> None:
    assert choose_faults(1, COURSE, 0) == ()
    questions = sum(len(c.questions) for c in COURSE.chapters)
    with pytest.raises(ValueError, match="cannot plant"):
        choose_faults(1, COURSE, questions + 1)


def test_a_wrong_key_accepts_a_typical_wrong_answer_and_refuses_the_right_one() -> None:
    planted = choose_faults(3, COURSE, 3)
    faulty = Course.from_data(with_wrong_keys(DATA, planted))
    wrong_key = next(p for p in planted if p.fault == WRONG_KEY)
    assert wrong_key.answer is not None
    question = next(
        q for c in COURSE.chapters for q in c.questions if q.question_id == wrong_key.question_id
    )
    published = next(
        q for c in faulty.chapters for q in c.questions if q.question_id == wrong_key.question_id
    )
    truly_right = right(random.Random(0), question)
    assert check(question, truly_right) and not check(published, truly_right)
    assert check(published, wrong_key.answer) and not check(question, wrong_key.answer)
    # Every other question is published exactly as authored.
    others = [
        (a, b)
        for a, b in zip(
            (q for c in COURSE.chapters for q in c.questions),
            (q for c in faulty.chapters for q in c.questions),
            strict=True,
        )
        if a.question_id != wrong_key.question_id
    ]
    assert all(a == b for a, b in others)


def test_the_other_faults_change_behaviour_not_the_published_course() -> None:
    planted = [p for p in choose_faults(3, COURSE, 3) if p.fault in (AMBIGUOUS, STRONG_DISTRACTOR)]
    assert with_wrong_keys(DATA, planted) == DATA
    trap = next(p for p in planted if p.fault == STRONG_DISTRACTOR)
    question = next(
        q for c in COURSE.chapters for q in c.questions if q.question_id == trap.question_id
    )
    assert trap.answer in [w.answer for w in question.wrong_answers]
