"""The hard-questions list: Rasch difficulty, classical statistics and flags together."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import numpy as np
import polars as pl
import pytest
from scipy.stats import spearmanr

from quizflow.analysis import first_attempts, hard_questions, rasch_difficulties
from quizflow.analysis.flags import wilson_interval
from quizflow.analysis.simulation import simulate_rasch
from tests.conftest import REALDATA

EEDI_CSV = REALDATA / "eedi" / "valid_task_4.csv"
KEYS = {
    "question_id",
    "text",
    "answers",
    "facility",
    "difficulty",
    "difficulty_se",
    "median_response_ms",
    "top_wrong_answers",
    "flags",
}
MISCONCEPTION_QUESTION = 3


def simulated_answers(seed: int = 0) -> tuple[pl.DataFrame, np.ndarray]:
    """40 questions, 600 students answering 12 each, then retrying some wrong ones."""
    sim = simulate_rasch(600, 40, 12, sigma=1.2, seed=seed)
    rng = np.random.default_rng(seed)
    n = sim.person.size
    wrong_text = rng.choice(["a", "b", "c", "d"], size=n).astype("<U8")
    # On one question most students who fail type the same wrong answer.
    misconception = (sim.item == MISCONCEPTION_QUESTION) & (rng.random(n) < 0.7)
    wrong_text[misconception] = "x+1"
    answer = np.where(sim.correct, "key", wrong_text)
    order = np.tile(np.arange(12), 600)
    first = pl.DataFrame(
        {
            "student_id": [f"student-{p}" for p in sim.person],
            "question_id": sim.item + 100,
            "correct": sim.correct,
            "answer": answer,
            "response_ms": rng.integers(2_000, 60_000, n),
            "occurred_at": [datetime(2024, 9, 2) + timedelta(minutes=int(m)) for m in order],
        }
    ).with_columns(  # some answers have no timing
        pl.when(pl.Series(rng.random(n) < 0.1))
        .then(None)
        .otherwise(pl.col("response_ms"))
        .alias("response_ms")
    )
    # Retries (later, correct) must not change facility or difficulty.
    retries = (
        first.filter(~pl.col("correct"))
        .head(300)
        .with_columns(
            pl.lit(True).alias("correct"),
            pl.lit("key").alias("answer"),
            (pl.col("occurred_at") + timedelta(days=1)).alias("occurred_at"),
        )
    )
    return pl.concat([retries, first]), sim.difficulty


@pytest.fixture(scope="module")
def simulated() -> tuple[pl.DataFrame, np.ndarray]:
    return simulated_answers()


def test_questions_are_ranked_hardest_first_by_rasch_difficulty(simulated) -> None:
    frame, true_b = simulated
    ranked = hard_questions(frame, limit=40, min_answers=1)
    difficulties = [q["difficulty"] for q in ranked]
    assert difficulties == sorted(difficulties, reverse=True)
    true_order = [true_b[q["question_id"] - 100] for q in ranked]
    assert spearmanr(difficulties, true_order).statistic > 0.9


def test_each_question_carries_what_an_editor_needs(simulated) -> None:
    frame, _ = simulated
    ranked = hard_questions(frame, limit=5)
    assert len(ranked) == 5
    for q in ranked:
        assert set(q) >= KEYS
        assert q["text"] is None
        assert 0 < len(q["top_wrong_answers"]) <= 3
        assert all(set(w) == {"answer", "count", "share"} for w in q["top_wrong_answers"])
        assert q["difficulty_se"] > 0
    json.dumps(ranked)  # plain JSON types only


def test_retries_count_as_answers_but_not_in_facility(simulated) -> None:
    frame, _ = simulated
    ranked = hard_questions(frame, limit=40, min_answers=1)
    first = first_attempts(frame)
    for q in ranked[:5]:
        mine = first.filter(pl.col("question_id") == q["question_id"])
        assert q["facility"] == pytest.approx(mine["correct"].mean())
        assert q["answers"] == frame.filter(pl.col("question_id") == q["question_id"]).height


def test_a_common_wrong_answer_is_reported_but_is_no_fault(simulated) -> None:
    frame, _ = simulated
    ranked = hard_questions(frame, limit=40, min_answers=1)
    planted = next(q for q in ranked if q["question_id"] == 100 + MISCONCEPTION_QUESTION)
    top = planted["top_wrong_answers"][0]
    assert top["answer"] == "x+1" and top["share"] > 0.5
    wrong = frame.filter(
        (pl.col("question_id") == planted["question_id"]) & ~pl.col("correct")
    ).height
    assert top["share"] == pytest.approx(top["count"] / wrong)
    # A misconception many weak students share is what wrong answers usually look like.
    assert not set(planted["flags"]) & {"wrong_key", "ambiguous", "strong_distractor"}


def test_question_texts_are_joined_when_given(simulated) -> None:
    frame, _ = simulated
    texts = pl.DataFrame(
        {"question_id": list(range(100, 140)), "text": [f"Q{i}" for i in range(40)]}
    )
    ranked = hard_questions(frame, texts, limit=3)
    assert all(q["text"] == f"Q{q['question_id'] - 100}" for q in ranked)


def test_questions_with_few_answers_are_left_out(simulated) -> None:
    frame, _ = simulated
    extra = frame.head(2).with_columns(pl.lit(999, dtype=pl.Int64).alias("question_id"))
    ranked = hard_questions(pl.concat([frame, extra]), limit=100, min_answers=10)
    assert 999 not in {q["question_id"] for q in ranked}
    assert len(ranked) == 40


def test_no_answers_give_an_empty_list() -> None:
    empty = pl.DataFrame(
        schema={
            "student_id": pl.String,
            "question_id": pl.Int64,
            "correct": pl.Boolean,
            "answer": pl.String,
            "response_ms": pl.Int64,
            "occurred_at": pl.Datetime,
        }
    )
    assert hard_questions(empty) == []


def eedi_answers() -> pl.DataFrame:
    if not EEDI_CSV.exists():
        pytest.skip("Eedi data not available")
    raw = pl.read_csv(EEDI_CSV)
    return raw.with_row_index("occurred_at").select(
        pl.col("UserId").alias("student_id"),
        pl.col("QuestionId").alias("question_id"),
        (pl.col("IsCorrect") == 1).alias("correct"),
        pl.col("AnswerValue").cast(pl.String).alias("answer"),
        pl.lit(None, dtype=pl.Int64).alias("response_ms"),
        "occurred_at",
    )


def test_on_real_sparse_eedi_answers_sigma_is_set_by_the_data_not_its_start() -> None:
    first = first_attempts(eedi_answers())
    _, from_low = rasch_difficulties(first, sigma_start=0.4)
    _, from_high = rasch_difficulties(first, sigma_start=2.5)
    assert from_low.converged and from_high.converged
    assert from_low.sigma == pytest.approx(from_high.sigma, abs=2e-3)
    assert 0.5 < from_low.sigma < 2.0


def test_on_real_eedi_answers_the_hardest_questions_are_rarely_answered_correctly() -> None:
    ranked = hard_questions(eedi_answers(), limit=10, min_answers=30)
    assert len(ranked) == 10
    assert all(q["facility"] < 0.35 for q in ranked)
    # "very hard" needs the facility's 95% interval below 30% (or the difficulty's above 1.5).
    assert any("very_hard" in q["flags"] for q in ranked)
    for q in ranked:
        high = wilson_interval(q["facility"], q["students"])[1]
        sure = q["difficulty"] - 1.96 * q["difficulty_se"] > 1.5
        assert ("very_hard" in q["flags"]) == (high < 0.3 or sure)
