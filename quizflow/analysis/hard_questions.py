"""The hard-questions list for content editors: Rasch difficulty + classical statistics + flags."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import polars as pl

from quizflow.analysis.answer_evidence import (
    QuestionEvidence,
    answer_abilities,
    question_evidence,
)
from quizflow.analysis.flags import (
    DEFAULT_THRESHOLDS,
    FlagThresholds,
    fault_flags,
    question_flags,
)
from quizflow.analysis.item_stats import (
    QUESTION,
    STUDENT,
    first_attempts,
    item_statistics,
    wrong_answer_counts,
)
from quizflow.analysis.rasch import RaschFit, fit_rasch

TOP_WRONG_ANSWERS = 3


def rasch_difficulties(first: pl.DataFrame, **fit_options: Any) -> tuple[pl.DataFrame, RaschFit]:
    table, fit, _ = _fit_rasch_coded(first, **fit_options)
    return table, fit


def _fit_rasch_coded(
    first: pl.DataFrame, **fit_options: Any
) -> tuple[pl.DataFrame, RaschFit, pl.DataFrame]:
    """Fit the Rasch model to first attempts (one row per student and question).

    Returns per question: question_id, difficulty, difficulty_se, extreme (all answers right
    or all wrong: the difficulty then leans on the weak prior, see `rasch`), and the fit.
    `fit_options` go to `fit_rasch` (e.g. sigma=1.0, n_quadrature=31).
    """
    # Dense codes 0..n-1 per id; rank works for any orderable id type (int, str, uuid text).
    coded = first.select(
        (pl.col(STUDENT).rank("dense").cast(pl.Int64) - 1).alias("_p"),
        (pl.col(QUESTION).rank("dense").cast(pl.Int64) - 1).alias("_q"),
        pl.col("correct"),
        pl.col(QUESTION),
        pl.col(STUDENT),
    )
    fit = fit_rasch(
        coded["_p"].to_numpy(),
        coded["_q"].to_numpy(),
        coded["correct"].to_numpy(),
        **fit_options,
    )
    ids = coded.select("_q", QUESTION).unique("_q").sort("_q")
    table = ids.with_columns(
        pl.Series("difficulty", fit.difficulty[ids["_q"].to_numpy()]),
        pl.Series("difficulty_se", fit.difficulty_se[ids["_q"].to_numpy()]),
        pl.Series("extreme", np.asarray(fit.extreme)[ids["_q"].to_numpy()]),
    ).drop("_q")
    codes = coded.select(STUDENT, QUESTION, "_p", "_q").unique([STUDENT, QUESTION])
    return table, fit, codes


def hard_questions(
    answers_df: pl.DataFrame,
    questions_df: pl.DataFrame | None = None,
    limit: int = 20,
    min_answers: int = 10,
    *,
    thresholds: FlagThresholds = DEFAULT_THRESHOLDS,
    order_by: str = "occurred_at",
) -> list[dict[str, Any]]:
    """Questions ranked hardest first by Rasch difficulty, with what an editor needs to act.

    answers_df: student_id, question_id, correct, answer, response_ms, occurred_at (one row
    per answer). questions_df (optional): question_id, text. Questions with fewer than
    `min_answers` answers are left out of the list (they still inform the students' abilities).
    Each dict: question_id, text, answers, students, facility, discrimination,
    discriminative_efficiency, key_z, answer_analysis (per answer: answer, correct, count,
    share, mean_ability, point_biserial, strong_z, among_wrong_z, vs_key_t; see
    `answer_evidence`),
    difficulty, difficulty_se, median_response_ms, top_wrong_answers [{answer, count,
    share}], flags (see `flags`).
    Floats that are undefined are None, so the list serialises to JSON as is.
    """
    if answers_df.height == 0:
        return []
    first = first_attempts(answers_df, order_by=order_by)
    if first.height == 0:
        return []
    difficulty, fit, codes = _fit_rasch_coded(first)
    correct_first = first.group_by(QUESTION).agg(pl.col("correct").sum().alias("_correct"))
    stats = (
        item_statistics(answers_df, order_by=order_by)
        .join(difficulty, on=QUESTION, how="left")
        .join(correct_first, on=QUESTION, how="left")
        .filter(pl.col("answers") >= min_answers)
        .sort(
            [pl.col("difficulty").fill_nan(None), QUESTION],
            descending=[True, False],
            nulls_last=True,
        )
        .head(limit)
    )
    texts: dict[Any, Any] = {}
    if questions_df is not None and stats.height:
        wanted = questions_df.filter(pl.col(QUESTION).is_in(stats[QUESTION].implode()))
        texts = dict(zip(wanted[QUESTION].to_list(), wanted["text"].to_list(), strict=True))
    wrong = wrong_answer_counts(
        answers_df.filter(pl.col(QUESTION).is_in(stats[QUESTION].implode())),
        top=TOP_WRONG_ANSWERS,
    )
    wrong_by_question: dict[Any, list[dict[str, Any]]] = {}
    for row in wrong.iter_rows(named=True):
        wrong_by_question.setdefault(row[QUESTION], []).append(row)

    # Every question's evidence, listed or not: the ambiguous flag is decided over the whole
    # course at once (see `fault_flags`).
    evidence = question_evidence(
        answer_abilities(answers_df.select(STUDENT, QUESTION, "correct", "answer"), fit, codes),
        min_choosers=thresholds.min_choosers,
    )
    faults = fault_flags(evidence, thresholds)
    result = []
    for row in stats.iter_rows(named=True):
        top = wrong_by_question.get(row[QUESTION], [])
        found = evidence.get(row[QUESTION])
        flags = question_flags(
            facility=row["facility"],
            students=row["students"],
            difficulty=row["difficulty"],
            difficulty_se=row["difficulty_se"],
            fault=faults.get(row[QUESTION]),
            thresholds=thresholds,
        )
        result.append(
            {
                "question_id": row[QUESTION],
                "text": texts.get(row[QUESTION]),
                "answers": row["answers"],
                "students": row["students"],
                "facility": _number(row["facility"]),
                "discrimination": _number(row["discrimination"]),
                "discriminative_efficiency": _number(row["discriminative_efficiency"]),
                "key_z": None if found is None else _number(found.key_z),
                "answer_analysis": _answer_analysis(found),
                "difficulty": _number(row["difficulty"]),
                "difficulty_se": _number(row["difficulty_se"]),
                "median_response_ms": _number(row["median_response_ms"]),
                "top_wrong_answers": [
                    {"answer": w["answer"], "count": w["count"], "share": w["share"]} for w in top
                ],
                "flags": flags,
            }
        )
    return result


def _answer_analysis(evidence: QuestionEvidence | None) -> list[dict[str, Any]]:
    """Per answer given (all attempts): how many gave it and how strong they were."""
    if evidence is None:
        return []
    return [
        {
            "answer": o.answer,
            "correct": o.correct,
            "count": o.choosers,
            "share": o.choosers / evidence.answers,
            "mean_ability": _number(o.mean_ability),
            "point_biserial": _number(o.point_biserial),
            "strong_z": _number(o.strong_z),
            "among_wrong_z": _number(o.among_wrong_z),
            "vs_key_t": _number(o.vs_key_t),
        }
        for o in evidence.options
    ]


def _number(value: float | None) -> float | None:
    if value is None or math.isnan(value):
        return None
    return float(value)
