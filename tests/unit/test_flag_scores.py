"""Scoring the fault flags against planted truth: counts, shares and their intervals."""

from __future__ import annotations

import pytest

from quizflow.analysis.calibration import FlagScore, flag_scores, share_interval


def test_hits_count_only_the_flag_planted_on_that_question() -> None:
    items = [
        {"question_id": "q1", "flags": ["wrong_key", "very_hard"]},
        {"question_id": "q2", "flags": ["ambiguous"]},
        {"question_id": "q3", "flags": ["strong_distractor"]},
        {"question_id": "q4", "flags": []},
    ]
    planted = [
        {"question_id": "q1", "fault": "wrong_key"},
        {"question_id": "q2", "fault": "strong_distractor"},
        {"question_id": "q4", "fault": "ambiguous"},
    ]
    scores = flag_scores(items, planted)
    counts = {f: (s.hits, s.raised, s.planted) for f, s in scores.items()}
    assert counts == {
        "wrong_key": (1, 1, 1),
        "ambiguous": (0, 1, 1),
        "strong_distractor": (0, 1, 1),
    }


def test_seven_of_ten_has_the_wilson_interval() -> None:
    # Wilson's 95% interval for 7/10 is 0.397-0.892: 7 of 10 and 8 of 10 are no different.
    assert share_interval(7, 10) == pytest.approx([0.397, 0.892], abs=0.001)
    low, high = share_interval(8, 10) or (None, None)
    assert low is not None and high is not None and low < 0.7 < high


def test_the_interval_stays_within_zero_and_one_and_is_absent_without_cases() -> None:
    assert share_interval(10, 10) == pytest.approx([0.722, 1.0], abs=0.001)
    assert share_interval(0, 10) == pytest.approx([0.0, 0.278], abs=0.001)
    assert share_interval(0, 0) is None


def test_json_gives_each_share_with_its_interval() -> None:
    report = FlagScore(planted=10, raised=8, hits=7).as_json()
    assert report["precision"] == 7 / 8
    assert report["recall"] == 0.7
    assert report["recall_interval"] == share_interval(7, 10)
    assert report["precision_interval"] == share_interval(7, 8)
    empty = FlagScore().as_json()
    assert empty["precision"] is None and empty["precision_interval"] is None
