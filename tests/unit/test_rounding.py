"""Figures rounded for people (three significant digits, whole numbers from 1,000 on), in the
CLI's tables and the notebooks, while the frames and files keep every digit."""

from __future__ import annotations

import math

import polars as pl
import pytest

from quizflow.rounding import readable_number, rounded


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (2 / 3, "0.667"),
        (0.5, "0.5"),
        (1.0, "1"),
        (0.0, "0"),
        (12.345, "12.3"),
        (123.456, "123"),
        (0.00123456, "0.00123"),
        (-0.04567, "-0.0457"),
        (48213.7, "48214"),
        (999.96, "1000"),
        (math.inf, "inf"),
    ],
)
def test_a_figure_reads_with_three_significant_digits(value: float, text: str) -> None:
    assert readable_number(value) == text


def test_a_frame_is_shown_rounded_and_the_original_keeps_every_digit() -> None:
    frame = pl.DataFrame(
        {
            "question_id": ["q1", "q2", "q3"],
            "answers": [3, 12345, 7],
            "facility": [2 / 3, 0.5, None],
            "median_ms": [48213.7, 12.345, 0.00123456],
        }
    )
    shown = rounded(frame)
    assert shown.to_dicts() == [
        {"question_id": "q1", "answers": 3, "facility": 0.667, "median_ms": 48214.0},
        {"question_id": "q2", "answers": 12345, "facility": 0.5, "median_ms": 12.3},
        {"question_id": "q3", "answers": 7, "facility": None, "median_ms": 0.00123},
    ]
    assert shown.schema == frame.schema
    assert frame["facility"][0] == 2 / 3 and frame["median_ms"][0] == 48213.7
