"""Classical item statistics (what teachers know from Moodle's quiz statistics and Canvas).

Input: long-format answers, one row per answer event, with columns
`student_id, question_id, correct (bool), answer (normalised text), response_ms (nullable)`
and `occurred_at` (or another order column; a boolean `first_attempt` column also works).

Which attempt counts: facility and discrimination use each student's FIRST answer to a
question (later attempts are after feedback, so they measure something else). Answer counts,
wrong-answer shares and response times use every answer: a content editor wants all the
mistakes students make, including repeats.

With random question assignment students answer different questions, so total scores are not
comparable. The discrimination index here is therefore an approximation of Moodle's corrected
item-rest correlation: x = first-attempt mark on the question, rest = the student's MEAN
first-attempt mark over the other questions they answered (a mean, not a sum, because students
answered different numbers of questions). Prefer the Rasch difficulty (`rasch`) for ranking.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

STUDENT = "student_id"
QUESTION = "question_id"
REQUIRED_COLUMNS = (STUDENT, QUESTION, "correct")
# Pearson's r of fewer pairs is noise (two pairs always give +-1).
MIN_STUDENTS_FOR_DISCRIMINATION = 5


def _check_columns(answers: pl.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in answers.columns]
    if missing:
        raise ValueError(f"answers is missing column(s): {', '.join(missing)}")


def _attributable(answers: pl.DataFrame) -> pl.DataFrame:
    return answers.filter(
        pl.col(STUDENT).is_not_null()
        & pl.col(QUESTION).is_not_null()
        & pl.col("correct").is_not_null()
    )


def first_attempts(answers: pl.DataFrame, *, order_by: str = "occurred_at") -> pl.DataFrame:
    """One row per (student, question): the student's first answer to it.

    Ordered by `order_by` (ties and nulls resolved by row order, nulls last); if that column is
    absent but a boolean `first_attempt` column is present, that flag decides instead.
    """
    _check_columns(answers, REQUIRED_COLUMNS)
    rows = _attributable(answers).with_row_index("_row")
    if order_by in rows.columns:
        rows = rows.sort([order_by, "_row"], nulls_last=True)
    elif "first_attempt" in rows.columns:
        rows = rows.filter(pl.col("first_attempt"))
    else:
        raise ValueError(f"answers needs an order column {order_by!r} or a first_attempt flag")
    return rows.unique(subset=[STUDENT, QUESTION], keep="first", maintain_order=True).drop("_row")


def item_statistics(
    answers: pl.DataFrame,
    *,
    order_by: str = "occurred_at",
    min_students_for_discrimination: int = MIN_STUDENTS_FOR_DISCRIMINATION,
) -> pl.DataFrame:
    """Per question: answers, students, facility, discrimination, discriminative_efficiency,
    median_response_ms, wrong_answers. Undefined values (too few students, no variance) are
    null. Discrimination is the corrected item-rest correlation; discriminative efficiency
    is Moodle's: Cov(x, rest) / Cov_max, the covariance reached if both lists were sorted
    (how much of the discrimination the question's facility allows, it reaches)."""
    _check_columns(answers, REQUIRED_COLUMNS)
    rows = _attributable(answers)
    first = first_attempts(rows, order_by=order_by).with_columns(
        pl.col("correct").cast(pl.Float64).alias("_x")
    )
    per_student = first.group_by(STUDENT).agg(
        pl.col("_x").sum().alias("_total"), pl.len().alias("_k")
    )
    first = first.join(per_student, on=STUDENT).with_columns(
        pl.when(pl.col("_k") > 1)
        .then((pl.col("_total") - pl.col("_x")) / (pl.col("_k") - 1))
        .otherwise(None)
        .alias("_rest")
    )
    has_rest = pl.col("_rest").is_not_null()
    first_stats = first.group_by(QUESTION).agg(
        pl.len().alias("students"),
        pl.col("_x").mean().alias("facility"),
        pl.corr(pl.col("_x").filter(has_rest), pl.col("_rest").filter(has_rest)).alias("_r"),
        pl.cov(pl.col("_x").filter(has_rest), pl.col("_rest").filter(has_rest)).alias("_cov"),
        # Moodle's Cov_max: the covariance the marks would have if they ranked exactly alike.
        pl.cov(pl.col("_x").filter(has_rest).sort(), pl.col("_rest").filter(has_rest).sort()).alias(
            "_cov_max"
        ),
        has_rest.sum().alias("_n_rest"),
    )
    response = (
        pl.col("response_ms").cast(pl.Float64).median()
        if "response_ms" in rows.columns
        else pl.lit(None, dtype=pl.Float64)
    )
    all_stats = rows.group_by(QUESTION).agg(
        pl.len().alias("answers"),
        (~pl.col("correct")).sum().alias("wrong_answers"),
        response.alias("median_response_ms"),
    )
    return (
        all_stats.join(first_stats, on=QUESTION, how="left")
        .with_columns(
            pl.when(pl.col("_n_rest") >= min_students_for_discrimination)
            .then(pl.col("_r").fill_nan(None))
            .otherwise(None)
            .alias("discrimination"),
            pl.when(
                (pl.col("_n_rest") >= min_students_for_discrimination) & (pl.col("_cov_max") > 0)
            )
            .then(pl.col("_cov") / pl.col("_cov_max"))
            .otherwise(None)
            .alias("discriminative_efficiency"),
        )
        .select(
            QUESTION,
            "answers",
            "students",
            "facility",
            "discrimination",
            "discriminative_efficiency",
            "median_response_ms",
            "wrong_answers",
        )
        .sort(QUESTION)
    )


def wrong_answer_counts(answers: pl.DataFrame, *, top: int | None = 3) -> pl.DataFrame:
    """Distractor analysis: per question and wrong answer text, how often (all attempts) and by
    how many students; share = count / all wrong answers to that question. Wrong answers with
    no recorded text count in the denominator but are not listed."""
    _check_columns(answers, (*REQUIRED_COLUMNS, "answer"))
    wrong = _attributable(answers).filter(~pl.col("correct"))
    totals = wrong.group_by(QUESTION).agg(pl.len().alias("_wrong"))
    counts = (
        wrong.filter(pl.col("answer").is_not_null())
        .group_by(QUESTION, "answer")
        .agg(pl.len().alias("count"), pl.col(STUDENT).n_unique().alias("students"))
        .join(totals, on=QUESTION)
        .with_columns((pl.col("count") / pl.col("_wrong")).alias("share"))
        # answer text breaks ties so the ranking is deterministic
        .sort([QUESTION, "count", "answer"], descending=[False, True, False])
        .with_columns(pl.int_range(1, pl.len() + 1).over(QUESTION).alias("rank"))
    )
    if top is not None:
        counts = counts.filter(pl.col("rank") <= top)
    return counts.select(QUESTION, "answer", "count", "students", "share", "rank")


@dataclass(frozen=True)
class QuizReliability:
    alpha: float  # Cronbach's alpha
    error_ratio: float  # 100 * sqrt(1 - alpha), as Moodle reports it
    standard_error: float  # error_ratio / 100 * sd(total)
    students: int  # students who answered every question (the only ones used)
    questions: int


def cronbach_alpha(
    answers: pl.DataFrame,
    questions: Sequence[object] | None = None,
    *,
    order_by: str = "occurred_at",
) -> QuizReliability | None:
    """Alpha over first-attempt marks of the students who answered every one of `questions`
    (default: every question in `answers`). None where undefined: fewer than 2 questions or
    complete students, or no variance in the totals. With random assignment from a larger
    bank few students answer them all, so this is usually None; use it for fixed quizzes."""
    first = first_attempts(answers, order_by=order_by)
    wanted = list(questions) if questions is not None else first[QUESTION].unique().to_list()
    p = len(wanted)
    if p < 2:
        return None
    first = first.filter(pl.col(QUESTION).is_in(wanted))
    complete = first.group_by(STUDENT).agg(pl.len().alias("_k")).filter(pl.col("_k") == p)
    marks = (
        first.join(complete.select(STUDENT), on=STUDENT)
        .with_columns(pl.col("correct").cast(pl.Float64))
        .pivot(on=QUESTION, index=STUDENT, values="correct")
        .drop(STUDENT)
        .to_numpy()
    )
    if marks.shape[0] < 2:
        return None
    total_var = float(marks.sum(axis=1).var(ddof=1))
    if total_var == 0.0:
        return None
    alpha = p / (p - 1) * (1.0 - float(marks.var(axis=0, ddof=1).sum()) / total_var)
    error_ratio = 100.0 * float(np.sqrt(max(1.0 - alpha, 0.0)))
    return QuizReliability(
        alpha=alpha,
        error_ratio=error_ratio,
        standard_error=error_ratio / 100.0 * float(np.sqrt(total_var)),
        students=int(marks.shape[0]),
        questions=p,
    )
