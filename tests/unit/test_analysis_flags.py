"""The fault flags on synthetic Rasch answers, with and without the fault they name."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import polars as pl
import pytest

from quizflow.analysis import FLAG_ADVICE, hard_questions, question_flags
from quizflow.analysis.answer_evidence import AnswerEvidence, QuestionEvidence
from quizflow.analysis.flags import (
    AMBIGUOUS,
    FAULT_FLAGS,
    MIN_ANSWERS,
    MIN_TRAP_CHOOSERS,
    STRONG_DISTRACTOR,
    VERY_EASY,
    VERY_HARD,
    WRONG_KEY,
    benjamini_hochberg,
    fault_flag,
    fault_flags,
    wilson_interval,
)

STUDENTS = 400
QUESTIONS = 20
FAULTY = "q00"
WRONG = ("A", "B", "C")  # misconceptions, chosen by weak students in these proportions
WRONG_WEIGHTS = (0.6, 0.3, 0.1)


def answers(fault: str | None, *, seed: int = 0, students: int = STUDENTS) -> pl.DataFrame:
    """Every student answers every question once; question q00 carries ``fault``."""
    rng = np.random.default_rng(seed)
    theta = rng.normal(0.0, 1.0, students)
    difficulty = rng.normal(0.0, 0.8, QUESTIONS)
    difficulty[0] = 0.0
    rows = []
    start = datetime(2026, 1, 5, 9)
    for s in range(students):
        for q in range(QUESTIONS):
            p = 1 / (1 + np.exp(-(theta[s] - difficulty[q])))
            if q == 0 and fault == AMBIGUOUS:
                p = 0.5
            knows = rng.random() < p
            typed = "R" if knows else str(rng.choice(WRONG, p=WRONG_WEIGHTS))
            if q == 0 and fault == STRONG_DISTRACTOR and knows and rng.random() < 0.5:
                typed = "C"  # the trap: students who know the topic fall for it
            key = "A" if q == 0 and fault == WRONG_KEY else "R"
            rows.append(
                {
                    "student_id": f"s{s:03d}",
                    "question_id": f"q{q:02d}",
                    "correct": typed == key,
                    "answer": typed,
                    "response_ms": None,
                    "occurred_at": start + timedelta(minutes=s * QUESTIONS + q),
                }
            )
    return pl.DataFrame(rows)


def flags_of(frame: pl.DataFrame, question: str = FAULTY) -> list[str]:
    ranked = hard_questions(frame, limit=100, min_answers=1)
    return next(q["flags"] for q in ranked if q["question_id"] == question)


def fault_flags_anywhere(frame: pl.DataFrame) -> dict[str, list[str]]:
    ranked = hard_questions(frame, limit=100, min_answers=1)
    found = {q["question_id"]: set(q["flags"]) & set(FAULT_FLAGS) for q in ranked}
    return {q: sorted(f) for q, f in found.items() if f}


@pytest.mark.parametrize("seed", [0, 1])
def test_sound_questions_raise_no_fault_flag(seed: int) -> None:
    assert fault_flags_anywhere(answers(None, seed=seed)) == {}


@pytest.mark.parametrize("fault", [WRONG_KEY, AMBIGUOUS, STRONG_DISTRACTOR])
def test_a_planted_fault_raises_its_own_flag_and_no_other(fault: str) -> None:
    found = fault_flags_anywhere(answers(fault))
    assert found == {FAULTY: [fault]}


def test_a_wrong_key_shows_the_keyed_answer_given_by_the_weaker_students() -> None:
    ranked = hard_questions(answers(WRONG_KEY), limit=100, min_answers=1)
    item = next(q for q in ranked if q["question_id"] == FAULTY)
    by_answer = {a["answer"]: a for a in item["answer_analysis"]}
    assert by_answer["A"]["correct"] and not by_answer["R"]["correct"]
    assert by_answer["R"]["mean_ability"] > by_answer["A"]["mean_ability"]
    assert by_answer["R"]["point_biserial"] > 0 > by_answer["A"]["point_biserial"]
    assert item["discrimination"] < 0


def test_too_few_answers_raise_no_fault_flag_however_clear_they_look() -> None:
    few = answers(WRONG_KEY, students=MIN_ANSWERS - 1)
    assert WRONG_KEY not in flags_of(few)
    assert WRONG_KEY in flags_of(answers(WRONG_KEY, students=300))


def evidence(
    key_z: float, *options: AnswerEvidence, answers: int = 200, right: int = 100
) -> QuestionEvidence:
    keyed = AnswerEvidence("R", True, right, 0.5, 0.3, None, None)
    return QuestionEvidence("q", answers, key_z, 0.5, -0.5, [keyed, *options])


def option(
    answer: str,
    *,
    strong_z: float = 0.0,
    vs_key_t: float = -3.0,
    key_z_without: float = 0.0,
    among_wrong_z: float = 0.0,
    choosers: int = 30,
    point_biserial: float = -0.1,
) -> AnswerEvidence:
    return AnswerEvidence(
        answer,
        False,
        choosers,
        0.0,
        point_biserial,
        strong_z,
        vs_key_t,
        key_z_without,
        among_wrong_z,
    )


def rising(answer: str, **evidence: float) -> AnswerEvidence:
    """A wrong answer given more the stronger the students (trend z = 0.3 * sqrt(200) = 4.2)."""
    return option(answer, **({"point_biserial": 0.3} | evidence))


def trap(answer: str, choosers: int = MIN_TRAP_CHOOSERS, **evidence: float) -> AnswerEvidence:
    """A wrong answer of many choosers who are strong, and stronger than other wrong answers'."""
    return option(answer, choosers=choosers, **({"strong_z": 4.0, "among_wrong_z": 3.0} | evidence))


def test_the_rules_read_the_evidence_in_order_of_how_specific_it_is() -> None:
    assert fault_flag(evidence(-4.0, rising("x", vs_key_t=3.0))) == WRONG_KEY
    # A trap explains a poor key fit only if the key fits without the trap's choosers.
    assert fault_flag(evidence(-4.0, trap("x"))) == STRONG_DISTRACTOR
    assert fault_flag(evidence(-4.0, trap("x", key_z_without=-3.5))) == AMBIGUOUS
    assert fault_flag(evidence(-4.0, option("x"))) == AMBIGUOUS
    assert fault_flag(evidence(-1.0, trap("x"))) == STRONG_DISTRACTOR
    assert fault_flag(evidence(-1.0, trap("x", strong_z=2.0))) is None
    # Strong students at every wrong answer alike: the key is at fault, not one answer.
    assert fault_flag(evidence(-4.0, trap("x", among_wrong_z=0.5))) == AMBIGUOUS
    assert fault_flag(evidence(-1.0, trap("x", among_wrong_z=0.5))) is None
    # A handful of strong choosers is chance more often than the tests allow: no trap.
    assert fault_flag(evidence(-1.0, trap("x", choosers=MIN_TRAP_CHOOSERS - 1))) is None
    # A wrong answer of stronger choosers is no wrong key while the key discriminates well.
    assert fault_flag(evidence(1.0, rising("x", vs_key_t=3.0))) is None
    assert fault_flag(evidence(-9.0, rising("x", vs_key_t=9.0), answers=10)) is None


def test_a_wrong_answer_beating_the_key_is_no_wrong_key_unless_it_rises_with_strength() -> None:
    # In an ambiguous question nobody's answer depends on strength: now and then one wrong
    # answer's choosers come out stronger than the key's by chance (Welch's t of 3), while
    # giving it goes with strength no more than chance allows (trend z = 0.1 * sqrt(200)).
    assert fault_flag(evidence(-4.0, option("x", vs_key_t=3.0, point_biserial=0.1))) == AMBIGUOUS
    assert fault_flag(evidence(-4.0, rising("x", vs_key_t=3.0))) == WRONG_KEY


def test_a_key_hardly_anyone_gives_is_wrong_when_strong_students_agree_on_another() -> None:
    # Four students gave the key: too few to compare, but the strong ones all gave "x" (a
    # wrong key needs no group of a trap's size behind the other answer).
    assert fault_flag(evidence(-1.0, trap("x"), right=4)) == WRONG_KEY
    assert fault_flag(evidence(-1.0, trap("x", choosers=20), right=4)) == WRONG_KEY
    assert fault_flag(evidence(-1.0, trap("x", strong_z=1.0), right=4)) is None


def test_ambiguous_is_decided_over_the_course_at_a_false_discovery_rate() -> None:
    # The same key fit (z = -3.0, one-sided p = 0.00135) is flagged beside clear faults, where
    # one more flag barely changes the share of false ones, and not among 60 sound questions.
    sound = {f"s{i}": evidence(0.0) for i in range(60)}
    borderline = {"b": evidence(-3.0)}
    clear = {f"c{i}": evidence(-6.0) for i in range(3)}
    assert fault_flags(sound | borderline) == {}
    assert fault_flags(sound | borderline | clear) == {"b": AMBIGUOUS} | {
        f"c{i}": AMBIGUOUS for i in range(3)
    }
    # Questions with too few answers, or another fault, are not in the count.
    few = {f"f{i}": evidence(-6.0, answers=MIN_ANSWERS - 1) for i in range(3)}
    keyed = {f"k{i}": evidence(-6.0, rising("x", vs_key_t=5.0)) for i in range(3)}
    assert fault_flags(sound | borderline | few | keyed) == {f"k{i}": WRONG_KEY for i in range(3)}


def test_a_flagged_misfit_is_a_wrong_key_when_one_wrong_answer_draws_the_strong_students() -> None:
    # Welch's t of 1.7 is no wrong key alone (the wrong key had few choosers to compare), but
    # the key's misfit is certain and the strong students agree on "x": the key is "x".
    drawing = option(
        "x", strong_z=4.5, among_wrong_z=3.0, vs_key_t=1.7, key_z_without=-4.0, choosers=150
    )
    assert fault_flag(evidence(-5.5, drawing)) == WRONG_KEY
    # The same misfit without such an answer, or with the key's choosers the stronger ones
    # (a trap beside a sound key), or with strong students at every wrong answer alike, or
    # with the misfit not significant: no wrong key.
    assert fault_flag(evidence(-5.5, option("x", vs_key_t=1.7))) == AMBIGUOUS
    weaker = option("x", strong_z=4.5, among_wrong_z=3.0, vs_key_t=-0.5, key_z_without=-5.0)
    assert fault_flag(evidence(-5.5, weaker)) == AMBIGUOUS
    alike = option("x", strong_z=4.5, among_wrong_z=1.0, vs_key_t=1.7)
    assert fault_flag(evidence(-5.5, alike)) == AMBIGUOUS
    assert fault_flag(evidence(-1.0, drawing)) is None


def test_benjamini_hochberg_steps_up_from_the_largest_p_value_that_passes() -> None:
    assert benjamini_hochberg([], 0.1) == []
    # 0.04 <= 0.1 * 4/10 passes, so every smaller p-value is rejected too, 0.02 > 0.1 * 1/10
    # or not.
    p = [0.02, 0.03, 0.035, 0.04, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95]
    assert benjamini_hochberg(p, 0.1) == [True] * 4 + [False] * 6
    assert benjamini_hochberg(p, 0.01) == [False] * 10


def test_very_hard_and_very_easy_need_the_whole_confidence_interval_past_the_limit() -> None:
    assert question_flags(facility=0.2, students=10) == []  # could well be 45%
    assert question_flags(facility=0.2, students=200) == [VERY_HARD]
    assert question_flags(facility=0.97, students=200) == [VERY_EASY]
    assert question_flags(facility=0.5, students=200, difficulty=2.5, difficulty_se=0.2) == [
        VERY_HARD
    ]
    assert question_flags(facility=None, students=None) == []


def test_the_wilson_interval_holds_the_share_and_narrows_with_more_answers() -> None:
    low, high = wilson_interval(0.3, 20)
    narrow_low, narrow_high = wilson_interval(0.3, 2000)
    assert low is not None and high is not None
    assert narrow_low is not None and narrow_high is not None
    assert low < narrow_low < 0.3 < narrow_high < high


def test_every_flag_comes_with_advice_for_the_editor() -> None:
    for flag in (*FAULT_FLAGS, VERY_HARD, VERY_EASY):
        assert FLAG_ADVICE[flag]
