"""What simulated students type: accepted answers, typical wrong answers, and slips."""

from __future__ import annotations

from collections import Counter

from quizflow.content import load_course_file, sample_course_path
from quizflow.quiz import Course, check
from quizflow.simulate.answers import SLIP_SHARE, WrongAnswerModel, right, slip, typo
from quizflow.simulate.seeding import stream

COURSE = Course.from_data(load_course_file(sample_course_path()))
QUESTIONS = [q for chapter in COURSE.chapters for q in chapter.questions]
MODEL = WrongAnswerModel.build(1, COURSE)


def test_a_right_answer_is_always_accepted() -> None:
    rng = stream(1, "test")
    assert all(check(q, right(rng, q)) for q in QUESTIONS for _ in range(5))


def test_a_wrong_answer_is_never_accepted() -> None:
    rng = stream(1, "test")
    assert not any(check(q, MODEL.wrong(rng, q)) for q in QUESTIONS for _ in range(50))


def test_most_wrong_answers_are_typical_ones_and_some_are_slips() -> None:
    rng = stream(2, "test")
    listed = slips = 0
    for question in QUESTIONS:
        typical = [dict(w.answer) for w in question.wrong_answers]
        for _ in range(40):
            if MODEL.wrong(rng, question) in typical:
                listed += 1
            else:
                slips += 1
    share = slips / (listed + slips)
    assert abs(share - SLIP_SHARE) < 0.04


def test_some_misconceptions_are_more_common_than_others() -> None:
    question = next(q for q in QUESTIONS if len(q.wrong_answers) >= 3)
    rng = stream(3, "test")
    counts = Counter(str(MODEL.wrong(rng, question)) for _ in range(2000))
    common = [n for _, n in counts.most_common(len(question.wrong_answers))]
    assert common[0] > 1.3 * common[-1]


def test_the_prevalence_of_misconceptions_is_fixed_by_the_seed() -> None:
    assert WrongAnswerModel.build(1, COURSE) == MODEL
    assert WrongAnswerModel.build(9, COURSE) != MODEL


def test_a_slip_changes_exactly_one_field() -> None:
    rng = stream(4, "test")
    inputs = {"_INPUT_1_": "3", "_INPUT_2_": "7"}
    for _ in range(100):
        typed = slip(rng, inputs)
        assert sum(typed[k] != inputs[k] for k in inputs) == 1


def test_a_typo_always_changes_the_text_and_leaves_something_typed() -> None:
    rng = stream(5, "test")
    for text in ("5/12", "-3", "4 1/4", "0.75", "7", "x"):
        for _ in range(200):
            typed = typo(rng, text)
            assert typed != text and typed.strip()
