"""Flags a content editor acts on."""

from __future__ import annotations

import math

from quizflow.analysis import FLAG_ADVICE, FlagThresholds, question_flags
from quizflow.analysis.flags import (
    ALL_CORRECT,
    ALL_WRONG,
    LOW_DISCRIMINATION,
    SHARED_MISCONCEPTION,
    VERY_EASY,
    VERY_HARD,
)


def test_a_question_most_students_fail_is_very_hard() -> None:
    assert question_flags(facility=0.25) == [VERY_HARD]
    assert question_flags(facility=0.3) == []  # the threshold itself is not "very hard"


def test_a_high_rasch_difficulty_is_very_hard_even_with_a_fair_facility() -> None:
    assert question_flags(facility=0.45, difficulty=2.1) == [VERY_HARD]
    assert question_flags(facility=0.45, difficulty=0.4) == []


def test_a_question_nearly_everyone_gets_right_is_very_easy() -> None:
    assert question_flags(facility=0.95) == [VERY_EASY]


def test_low_discrimination_asks_to_check_the_answer_key() -> None:
    assert question_flags(facility=0.5, discrimination=0.05) == [LOW_DISCRIMINATION]
    assert FLAG_ADVICE[LOW_DISCRIMINATION] == "check the answer key"


def test_unknown_statistics_raise_no_flag() -> None:
    assert question_flags(facility=None, difficulty=math.nan, discrimination=None) == []


def test_a_shared_misconception_needs_both_a_large_share_and_enough_students() -> None:
    common = {"answer": "12", "count": 9, "share": 0.45, "students": 8}
    assert question_flags(facility=0.5, wrong_answers=[common]) == [SHARED_MISCONCEPTION]
    one_student = {**common, "students": 1}
    assert question_flags(facility=0.5, wrong_answers=[one_student]) == []
    small_share = {**common, "share": 0.2}
    assert question_flags(facility=0.5, wrong_answers=[small_share]) == []


def test_thresholds_can_be_overridden() -> None:
    strict = FlagThresholds(very_hard_facility=0.5, misconception_min_students=1)
    wrong = [{"share": 0.5, "students": 1}]
    assert question_flags(facility=0.45, wrong_answers=wrong, thresholds=strict) == [
        VERY_HARD,
        SHARED_MISCONCEPTION,
    ]


def test_all_wrong_and_all_correct_first_attempts_are_flagged() -> None:
    assert question_flags(facility=0.0, answers=4, correct=0) == [VERY_HARD, ALL_WRONG]
    assert question_flags(facility=1.0, answers=4, correct=4) == [VERY_EASY, ALL_CORRECT]


def test_every_flag_comes_with_advice_for_the_editor() -> None:
    for flag in (
        VERY_HARD,
        VERY_EASY,
        LOW_DISCRIMINATION,
        SHARED_MISCONCEPTION,
        ALL_WRONG,
        ALL_CORRECT,
    ):
        assert FLAG_ADVICE[flag]
