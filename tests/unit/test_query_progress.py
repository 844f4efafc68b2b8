"""Progress questions: attempts before passing, wheel-spinning students, class progress."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest

from quizflow.queries import load_queries, run_query
from quizflow.queries.testing import at, attempt_row, empty_warehouse, insert_questions, insert_rows


def run(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> list[tuple[Any, ...]]:
    return run_query(con, load_queries()[name], params).rows


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = empty_warehouse()
    insert_rows(
        con,
        "attempts",
        [
            # ann passes ch-1 in her second attempt, then practises it again (attempt 3).
            attempt_row("ann", 1, started=0, last=9, answers=8, wrong=3, restarts=3),
            attempt_row("ann", 2, started=10, answers=5, wrong=1, restarts=1, passed=20),
            attempt_row("ann", 3, started=30, last=35, answers=4, wrong=2, restarts=2),
            # ann passes ch-2 at once.
            attempt_row("ann", 1, chapter_id="ch-2", started=40, answers=3, passed=43),
            # bob spins on ch-1: 12 answers, 7 restarts, never passes.
            attempt_row(
                "bob", 1, started=5, last=60, answers=12, wrong=7, restarts=7, best_streak=2
            ),
            # cyd has only just started ch-1: 2 answers, 1 restart.
            attempt_row("cyd", 1, started=50, last=52, answers=2, wrong=1, restarts=1),
        ],
    )
    return con


def test_attempts_before_passing_count_up_to_the_first_pass_or_everything_so_far(
    con: duckdb.DuckDBPyConnection,
) -> None:
    assert run(con, "attempts_before_passing") == [
        ("ann", "math-1", "ch-1", True, 2, 4, 13, 4, at(0), at(20)),
        ("ann", "math-1", "ch-2", True, 1, 0, 3, 0, at(40), at(43)),
        ("bob", "math-1", "ch-1", False, 1, 7, 12, 7, at(5), None),
        ("cyd", "math-1", "ch-1", False, 1, 1, 2, 1, at(50), None),
    ]


def test_attempts_before_passing_filter_by_student_and_chapter(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rows = run(con, "attempts_before_passing", student_id="ann", chapter_id="ch-2")
    assert [r[:3] for r in rows] == [("ann", "math-1", "ch-2")]


def test_wheel_spinning_finds_students_who_restart_often_without_ever_passing(
    con: duckdb.DuckDBPyConnection,
) -> None:
    assert run(con, "wheel_spinning") == [
        ("bob", "math-1", "ch-1", 1, 7, 12, 7, 2, at(5), at(60)),
    ]


def test_wheel_spinning_thresholds_are_parameters_and_passing_once_is_not_spinning(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # With low thresholds cyd counts too; ann never does (she passed ch-1, despite 6 restarts).
    rows = run(con, "wheel_spinning", min_restarts=1, min_answers=2)
    assert [r[0] for r in rows] == ["bob", "cyd"]
    assert run(con, "wheel_spinning", min_restarts=8) == []


def test_class_progress_counts_students_started_and_passed_per_class_and_chapter(
    con: duckdb.DuckDBPyConnection,
) -> None:
    roster = [
        ("7a", "Class 7A", "Ms Ames", "ann"),
        ("7a", "Class 7A", "Ms Ames", "bob"),
        ("7a", "Class 7A", "Ms Ames", "dan"),
        ("7a", "Class 7A", "Ms Ames", "eve"),
        ("7b", "Class 7B", "Mr Bell", "cyd"),
    ]
    insert_rows(
        con,
        "roster",
        [
            {"school_id": "sch", "class_id": c, "class_name": n, "teacher_name": t, "student_id": s}
            for c, n, t, s in roster
        ],
    )
    insert_questions(
        con,
        [
            {
                "course_id": "math-1",
                "chapter_id": f"ch-{n}",
                "chapter_title": f"Chapter {n}",
                "chapter_number": n,
                "question_id": f"q{n}",
            }
            for n in (1, 2, 3)
        ],
    )
    assert run(con, "class_progress") == [
        ("sch", "7a", "Class 7A", "Ms Ames", "math-1", "ch-1", "Chapter 1", 4, 2, 1, 0.5, 0.25, 1),
        ("sch", "7a", "Class 7A", "Ms Ames", "math-1", "ch-2", "Chapter 2", 4, 1, 1, 0.25, 0.25, 2),
        ("sch", "7a", "Class 7A", "Ms Ames", "math-1", "ch-3", "Chapter 3", 4, 0, 0, 0.0, 0.0, 3),
        ("sch", "7b", "Class 7B", "Mr Bell", "math-1", "ch-1", "Chapter 1", 1, 1, 0, 1.0, 0.0, 1),
        ("sch", "7b", "Class 7B", "Mr Bell", "math-1", "ch-2", "Chapter 2", 1, 0, 0, 0.0, 0.0, 2),
        ("sch", "7b", "Class 7B", "Mr Bell", "math-1", "ch-3", "Chapter 3", 1, 0, 0, 0.0, 0.0, 3),
    ]
    assert [r[5] for r in run(con, "class_progress", class_id="7b", course_id="math-1")] == [
        "ch-1",
        "ch-2",
        "ch-3",
    ]
