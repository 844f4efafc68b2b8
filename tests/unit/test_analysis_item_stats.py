"""Classical item statistics: first attempts, facility, discrimination, distractors, alpha."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import polars as pl
import pytest

from quizflow.analysis import (
    cronbach_alpha,
    first_attempts,
    item_statistics,
    wrong_answer_counts,
)
from tests.conftest import REALDATA

LSAT_CSV = REALDATA / "lsat" / "bock_table_lsat6_lsat7.csv"
T0 = datetime(2024, 9, 2, 9, 0)


def answers(rows: list[tuple]) -> pl.DataFrame:
    """rows: (student, question, correct, answer, response_ms, minutes after T0)."""
    return pl.DataFrame(
        [
            {
                "student_id": s,
                "question_id": q,
                "correct": c,
                "answer": a,
                "response_ms": ms,
                "occurred_at": T0 + timedelta(minutes=m),
            }
            for s, q, c, a, ms, m in rows
        ],
        schema={
            "student_id": pl.String,
            "question_id": pl.Int64,
            "correct": pl.Boolean,
            "answer": pl.String,
            "response_ms": pl.Int64,
            "occurred_at": pl.Datetime,
        },
    )


def lsat6_answers() -> pl.DataFrame:
    if not LSAT_CSV.exists():
        pytest.skip("LSAT reference data not available")
    table = pl.read_csv(LSAT_CSV)
    marks = np.repeat(
        table.select([f"Q{k}" for k in range(1, 6)]).to_numpy(), table["Ob6"].to_numpy(), axis=0
    )
    n, j = marks.shape
    return pl.DataFrame(
        {
            "student_id": np.repeat(np.arange(n), j),
            "question_id": np.tile(np.arange(1, j + 1), n),
            "correct": marks.ravel().astype(bool),
            "answer": np.where(marks.ravel() == 1, "key", "wrong"),
            "response_ms": np.full(n * j, 1000),
            "occurred_at": np.tile(np.arange(j), n),
        }
    )


def stats_of(frame: pl.DataFrame, question: int) -> dict:
    return item_statistics(frame).filter(pl.col("question_id") == question).row(0, named=True)


def test_the_first_answer_of_each_student_decides_facility() -> None:
    frame = answers(
        [
            ("ann", 1, False, "3", 900, 0),
            ("ann", 1, True, "4", 800, 5),  # retry after feedback: not counted in facility
            ("bob", 1, True, "4", 700, 1),
        ]
    )
    row = stats_of(frame, 1)
    assert row["answers"] == 3
    assert row["students"] == 2
    assert row["facility"] == pytest.approx(0.5)
    assert row["wrong_answers"] == 1


def test_the_first_attempt_is_decided_by_time_not_by_row_order() -> None:
    frame = answers([("ann", 1, True, "4", 800, 10), ("ann", 1, False, "3", 900, 2)])
    first = first_attempts(frame)
    assert first.height == 1
    assert first["answer"].to_list() == ["3"]


def test_a_first_attempt_flag_can_replace_the_order_column() -> None:
    frame = answers([("ann", 1, False, "3", 900, 0), ("ann", 1, True, "4", 800, 5)])
    frame = frame.drop("occurred_at").with_columns(pl.Series("first_attempt", [False, True]))
    assert first_attempts(frame)["answer"].to_list() == ["4"]


def test_discrimination_correlates_the_mark_with_the_mean_mark_on_the_other_questions() -> None:
    rows = []
    # Five students answer question 1 and a varying number of others.
    marks_q1 = [True, True, False, False, True]
    others = [[True, True], [True], [False, False, True], [False], [False, True]]
    for s, (m, other) in enumerate(zip(marks_q1, others, strict=True)):
        rows.append((f"s{s}", 1, m, "k" if m else "x", 100, 0))
        for k, o in enumerate(other):
            rows.append((f"s{s}", 10 + k, o, "k" if o else "x", 100, 1 + k))
    rest = [1.0, 1.0, 1 / 3, 0.0, 0.5]
    expected = np.corrcoef(np.array(marks_q1, float), rest)[0, 1]
    assert stats_of(answers(rows), 1)["discrimination"] == pytest.approx(expected)


def test_discrimination_is_null_when_too_few_students_or_no_variance() -> None:
    few = answers([(f"s{i}", 1, i % 2 == 0, "k", 1, 0) for i in range(3)])
    few = pl.concat([few, answers([(f"s{i}", 2, True, "k", 1, 1) for i in range(3)])])
    assert stats_of(few, 1)["discrimination"] is None
    same = [(f"s{i}", 1, True, "k", 1, 0) for i in range(8)]
    same += [(f"s{i}", 2, i % 2 == 0, "k", 1, 1) for i in range(8)]
    assert stats_of(answers(same), 1)["discrimination"] is None


def test_discrimination_matches_mirt_corrected_item_total_correlations_on_lsat6() -> None:
    # mirt::itemstats(expand.table(LSAT6)): total.r_if_rm. With every student answering all
    # five questions the mean of the other four is the rest score divided by 4.
    stats = item_statistics(lsat6_answers()).sort("question_id")
    expected = [0.113, 0.153, 0.173, 0.144, 0.122]
    np.testing.assert_allclose(stats["discrimination"].to_numpy(), expected, atol=0.001)
    np.testing.assert_allclose(
        stats["facility"].to_numpy(), [0.924, 0.709, 0.553, 0.763, 0.870], atol=1e-9
    )


def test_cronbach_alpha_matches_mirt_on_lsat6() -> None:
    reliability = cronbach_alpha(lsat6_answers())
    assert reliability is not None
    assert reliability.alpha == pytest.approx(0.295, abs=0.001)
    assert (reliability.students, reliability.questions) == (1000, 5)
    assert reliability.error_ratio == pytest.approx(100 * np.sqrt(1 - reliability.alpha))


def test_alpha_is_undefined_when_no_student_answered_every_question() -> None:
    frame = answers(
        [("ann", 1, True, "k", 1, 0), ("ann", 2, False, "x", 1, 1), ("bob", 3, True, "k", 1, 0)]
    )
    assert cronbach_alpha(frame) is None


def test_wrong_answer_shares_are_of_all_wrong_answers_to_the_question() -> None:
    frame = answers(
        [
            ("ann", 1, False, "12", 1, 0),
            ("ann", 1, False, "12", 1, 1),
            ("bob", 1, False, "12", 1, 0),
            ("cat", 1, False, "21", 1, 0),
            ("dan", 1, False, None, 1, 0),  # no text: in the denominator, not listed
            ("eve", 1, True, "7", 1, 0),
        ]
    )
    rows = wrong_answer_counts(frame).to_dicts()
    assert [(r["answer"], r["count"], r["students"], r["rank"]) for r in rows] == [
        ("12", 3, 2, 1),
        ("21", 1, 1, 2),
    ]
    assert rows[0]["share"] == pytest.approx(3 / 5)


def test_only_the_top_wrong_answers_are_kept_with_ties_broken_by_text() -> None:
    frame = answers([(f"s{i}", 1, False, text, 1, 0) for i, text in enumerate("dcbad")])
    rows = wrong_answer_counts(frame, top=3).to_dicts()
    assert [r["answer"] for r in rows] == ["d", "a", "b"]


def test_median_response_time_ignores_unknown_times() -> None:
    frame = answers(
        [
            ("ann", 1, True, "k", 1000, 0),
            ("bob", 1, True, "k", None, 0),
            ("cat", 1, False, "x", 3000, 0),
        ]
    )
    assert stats_of(frame, 1)["median_response_ms"] == pytest.approx(2000)


def test_answers_without_a_student_or_question_are_ignored() -> None:
    frame = answers([("ann", 1, True, "k", 1, 0), (None, 1, False, "x", 1, 0)])
    assert stats_of(frame, 1)["answers"] == 1


def test_missing_columns_are_reported_by_name() -> None:
    with pytest.raises(ValueError, match="correct"):
        item_statistics(pl.DataFrame({"student_id": [1], "question_id": [1]}))
