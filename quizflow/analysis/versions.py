"""Hard questions per question version: an edited question is a new item, shown beside the old.

An edit (new text, fields, key...) makes a new version; its answers say nothing about the old
wording and the reverse. So each (question, version) is an item of its own in the Rasch fit
and the statistics (the students' abilities still come from everything they answered, which
puts both versions on one scale), and a question is listed with its latest version's figures,
the figures of every version, and what the edit changed: harder, easier, no clear change, or
too few answers since the edit to tell.
"""

from __future__ import annotations

import math
from typing import Any

import polars as pl

from quizflow.analysis.flags import critical_z
from quizflow.analysis.hard_questions import hard_questions
from quizflow.analysis.item_stats import QUESTION

VERSION = "question_version"
# First answers the new version needs before its difficulty is compared with the old one's.
MIN_STUDENTS_SINCE_EDIT = 20
_SEPARATOR = "\x1f"


def hard_questions_by_version(
    answers_df: pl.DataFrame,
    questions_df: pl.DataFrame | None = None,
    limit: int = 20,
    min_answers: int = 10,
    **options: Any,
) -> list[dict[str, Any]]:
    """`hard_questions`, with a `question_version` column taken into account (without one,
    exactly `hard_questions`). Each dict gains `question_version` (the latest) and, for an
    edited question, `versions` (per version: question_version, answers, students, facility,
    difficulty, difficulty_se, flags) and `edit` ({verdict, z, students_since_edit})."""
    if VERSION not in answers_df.columns:
        return hard_questions(answers_df, questions_df, limit, min_answers, **options)
    keyed = answers_df.with_columns(
        pl.col(QUESTION).alias("_question"),
        pl.col(VERSION).fill_null(1).cast(pl.Int64).alias("_version"),
    ).with_columns(
        pl.concat_str(
            pl.col(QUESTION).cast(pl.String), pl.lit(_SEPARATOR), pl.col("_version").cast(pl.String)
        ).alias(QUESTION)
    )
    origin = {
        key: (question, version)
        for key, question, version in keyed.select(QUESTION, "_question", "_version")
        .unique()
        .iter_rows()
    }
    items = hard_questions(
        keyed.drop("_question", "_version", VERSION),
        None,
        limit=len(origin),
        min_answers=1,
        **options,
    )
    by_question: dict[Any, list[dict[str, Any]]] = {}
    for item in items:
        question, version = origin[item["question_id"]]
        item["question_id"], item[VERSION] = question, version
        by_question.setdefault(question, []).append(item)
    listed = []
    for versions in by_question.values():
        versions.sort(key=lambda v: v[VERSION])
        if sum(v["answers"] for v in versions) < min_answers:
            continue
        latest = versions[-1]
        if len(versions) > 1:
            latest["versions"] = [_summary(v) for v in versions]
            latest["edit"] = compare_versions(versions[-2], latest)
        listed.append(latest)
    listed.sort(key=_hardest_first)
    listed = listed[:limit]
    if questions_df is not None:
        texts = dict(
            zip(questions_df[QUESTION].to_list(), questions_df["text"].to_list(), strict=True)
        )
        for item in listed:
            item["text"] = texts.get(item["question_id"])
    return listed


def compare_versions(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Did the edit change the difficulty? A z-test on the two Rasch difficulties."""
    students = after.get("students") or 0
    b0, s0 = before.get("difficulty"), before.get("difficulty_se")
    b1, s1 = after.get("difficulty"), after.get("difficulty_se")
    if students < MIN_STUDENTS_SINCE_EDIT or None in (b0, s0, b1, s1):
        return {
            "verdict": "too few answers since the edit to tell",
            "z": None,
            "students_since_edit": students,
            "students_needed": MIN_STUDENTS_SINCE_EDIT,
        }
    z = (b1 - b0) / math.sqrt(s0 * s0 + s1 * s1)  # type: ignore[operator]
    clear = critical_z(0.025)
    verdict = "harder" if z > clear else "easier" if z < -clear else "no clear change"
    return {
        "verdict": verdict,
        "z": z,
        "students_since_edit": students,
        "students_needed": MIN_STUDENTS_SINCE_EDIT,
    }


def _summary(item: dict[str, Any]) -> dict[str, Any]:
    keys = (VERSION, "answers", "students", "facility", "difficulty", "difficulty_se", "flags")
    return {key: item.get(key) for key in keys} | {
        "top_wrong_answers": item.get("top_wrong_answers", [])
    }


def _hardest_first(item: dict[str, Any]) -> tuple[bool, float, str]:
    difficulty = item.get("difficulty")
    if difficulty is None or math.isnan(difficulty):
        return (True, 0.0, str(item["question_id"]))
    return (False, -float(difficulty), str(item["question_id"]))
