"""The per-student questions: a student's timeline, the questions they answered, their mistakes."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest

from quizflow.queries import load_queries, run_query
from quizflow.queries.testing import (
    answer_row,
    at,
    attempt_row,
    empty_warehouse,
    insert_questions,
    insert_rows,
)


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = empty_warehouse()
    insert_questions(
        con,
        [
            {"course_id": "math-1", "chapter_id": "ch-1", "question_id": "q1", "text": "1+1?"},
            {"course_id": "math-1", "chapter_id": "ch-1", "question_id": "q2", "text": "2x=8?"},
        ],
    )
    insert_rows(
        con,
        "answers",
        [
            answer_row("ann", "q1", False, "3", 1, response_ms=4000),
            answer_row("ann", "q2", True, "4", 3, response_ms=9000),
            answer_row("bob", "q1", True, "2", 4),
            answer_row("ann", "q1", True, "2", 5, attempt=2),
            answer_row("ann", "q3", False, "x", 6, course_id="art-1", chapter_id="a-1"),
            answer_row("ann", "q2", False, "16", 7, attempt=2),
            answer_row("bob", "q2", False, "6", 8),
        ],
    )
    insert_rows(
        con,
        "attempts",
        [
            attempt_row("ann", 1, started=0, answers=2, wrong=1, restarts=1),
            attempt_row("ann", 2, started=4, answers=2, wrong=1, passed=7.5),
            attempt_row("bob", 1, started=4, answers=2, wrong=1),
        ],
    )
    return con


def run(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> list[tuple[Any, ...]]:
    return run_query(con, load_queries()[name], params).rows


def test_a_timeline_lists_starts_answers_and_passes_of_one_student_in_time_order(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rows = run(con, "student_timeline", student_id="ann", course_id="math-1")
    assert rows == [
        (1, at(0), "attempt started", "math-1", "ch-1", 1, None, None, None, None, None),
        (2, at(1), "answered incorrectly", "math-1", "ch-1", 1, "q1", False, "3", 4000, "3"),
        (3, at(3), "answered correctly", "math-1", "ch-1", 1, "q2", True, "4", 9000, "4"),
        (4, at(4), "attempt started", "math-1", "ch-1", 2, None, None, None, None, None),
        (5, at(5), "answered correctly", "math-1", "ch-1", 2, "q1", True, "2", None, "2"),
        (6, at(7), "answered incorrectly", "math-1", "ch-1", 2, "q2", False, "16", None, "16"),
        (7, at(7.5), "quiz passed", "math-1", "ch-1", 2, None, None, None, None, None),
    ]


def test_a_timeline_without_a_course_covers_every_course_of_the_student(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rows = run(con, "student_timeline", student_id="ann")
    assert [(r[0], r[2], r[3], r[6]) for r in rows if r[3] == "art-1"] == [
        (6, "answered incorrectly", "art-1", "q3")
    ]
    assert len(rows) == 8


def test_student_questions_count_answers_per_question_with_the_first_answer_and_text(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rows = run(con, "student_questions", student_id="ann")
    assert rows == [
        ("math-1", "ch-1", "q1", "1+1?", 2, 1, 1, False, at(1), at(5)),
        ("math-1", "ch-1", "q2", "2x=8?", 2, 1, 1, True, at(3), at(7)),
        ("art-1", "a-1", "q3", None, 1, 0, 1, False, at(6), at(6)),
    ]


def test_student_mistakes_count_each_students_mistakes_and_list_them_oldest_first(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rows = run(con, "student_mistakes", course_id="math-1")
    assert rows == [
        (
            "ann",
            4,
            2,
            0.5,
            2,
            [
                {"occurred_at": at(1), "question_id": "q1", "answer": "3", "answer_display": "3"},
                {
                    "occurred_at": at(7),
                    "question_id": "q2",
                    "answer": "16",
                    "answer_display": "16",
                },
            ],
        ),
        (
            "bob",
            2,
            1,
            0.5,
            1,
            [{"occurred_at": at(8), "question_id": "q2", "answer": "6", "answer_display": "6"}],
        ),
    ]


def test_student_mistakes_leave_out_students_below_the_minimum_and_can_show_one_student(
    con: duckdb.DuckDBPyConnection,
) -> None:
    assert [r[0] for r in run(con, "student_mistakes", min_mistakes=2)] == ["ann"]
    assert [r[:3] for r in run(con, "student_mistakes", student_id="ann")] == [("ann", 5, 3)]
    insert_rows(con, "answers", [answer_row("cyd", "q1", True, "2", 9)])
    assert run(con, "student_mistakes", student_id="cyd", min_mistakes=0) == [
        ("cyd", 1, 0, 0.0, 0, [])
    ]
