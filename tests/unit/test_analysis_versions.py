"""Hard questions per question version: an edited question beside its earlier version."""

from __future__ import annotations

import polars as pl

from quizflow.analysis import hard_questions
from quizflow.analysis.versions import (
    MIN_STUDENTS_SINCE_EDIT,
    compare_versions,
    hard_questions_by_version,
)
from tests.unit.test_analysis_flags import FAULTY, answers


def edited(frame: pl.DataFrame, since_edit: int) -> pl.DataFrame:
    """q00 edited after all but the last ``since_edit`` students had answered it; the new
    version is much easier (everyone since the edit gets it right)."""
    students = sorted(frame["student_id"].unique().to_list())
    after = set(students[len(students) - since_edit :])
    is_new = (pl.col("question_id") == FAULTY) & pl.col("student_id").is_in(list(after))
    return frame.with_columns(
        pl.when(is_new).then(2).otherwise(1).alias("question_version"),
        pl.when(is_new).then(True).otherwise(pl.col("correct")).alias("correct"),
        pl.when(is_new).then(pl.lit("R")).otherwise(pl.col("answer")).alias("answer"),
    )


def test_an_edited_question_shows_both_versions_and_that_it_got_easier() -> None:
    ranked = hard_questions_by_version(edited(answers(None), 150), limit=100, min_answers=1)
    item = next(q for q in ranked if q["question_id"] == FAULTY)
    assert item["question_version"] == 2
    before, after = item["versions"]
    assert (before["question_version"], after["question_version"]) == (1, 2)
    assert before["answers"] + after["answers"] == 400 and after["answers"] == 150
    assert after["facility"] == 1.0 > before["facility"]
    assert after["difficulty"] < before["difficulty"]
    assert item["edit"]["verdict"] == "easier" and item["edit"]["z"] < 0
    assert item["difficulty"] == after["difficulty"]  # listed by what students see now


def test_too_few_answers_since_the_edit_says_so_instead_of_a_verdict() -> None:
    few = MIN_STUDENTS_SINCE_EDIT - 1
    ranked = hard_questions_by_version(edited(answers(None), few), limit=100, min_answers=1)
    item = next(q for q in ranked if q["question_id"] == FAULTY)
    assert item["edit"] == {
        "verdict": "too few answers since the edit to tell",
        "z": None,
        "students_since_edit": few,
        "students_needed": MIN_STUDENTS_SINCE_EDIT,
    }


def test_unedited_questions_are_listed_as_without_versions() -> None:
    frame = answers(None)
    by_version = hard_questions_by_version(
        frame.with_columns(pl.lit(1).alias("question_version")), limit=5
    )
    plain = hard_questions(frame, limit=5)
    assert [q["question_id"] for q in by_version] == [q["question_id"] for q in plain]
    assert [q["difficulty"] for q in by_version] == [q["difficulty"] for q in plain]
    assert all("versions" not in q and q["question_version"] == 1 for q in by_version)


def test_a_change_within_the_error_is_no_clear_change() -> None:
    before = {"difficulty": 0.5, "difficulty_se": 0.3, "students": 50}
    after = {"difficulty": 0.2, "difficulty_se": 0.3, "students": 50}
    assert compare_versions(before, after)["verdict"] == "no clear change"
