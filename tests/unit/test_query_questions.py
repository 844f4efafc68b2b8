"""The per-question questions: hardest questions, common wrong answers, response times."""

from __future__ import annotations

import json
from typing import Any

import duckdb
import pytest

from quizflow.queries import load_queries, run_query
from quizflow.queries.testing import answer_row, empty_warehouse, insert_questions, insert_rows


def run(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> list[tuple[Any, ...]]:
    return run_query(con, load_queries()[name], params).rows


def question(
    question_id: str, text: str, wrong: list[tuple[str, str]] | None = None
) -> dict[str, Any]:
    return {
        "course_id": "math-1",
        "chapter_id": "ch-1",
        "question_id": question_id,
        "text": text,
        "wrong_answers": json.dumps(
            [{"answer": {"_INPUT_1_": a}, "misconception": m} for a, m in wrong or []]
        ),
    }


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = empty_warehouse()
    insert_questions(
        con,
        [
            question("q1", "1/2 + 1/4?", [("2/6", "adds tops and bottoms"), (" 0.50", "halves")]),
            question("q2", "2x = 8?"),
        ],
    )
    rows = []
    # q1: 4 students; first answers right for s1 only (facility 1/4); s2 retries and succeeds.
    rows += [
        answer_row("s1", "q1", True, "3/4", 1, response_ms=1000),
        answer_row("s2", "q1", False, "2/6", 2, response_ms=2000),
        answer_row("s2", "q1", True, "3/4", 3, response_ms=3000),
        answer_row("s3", "q1", False, "2/6", 4, response_ms=4000),
        answer_row("s4", "q1", False, "0.5", 5, response_ms=5000),
        answer_row("s4", "q1", False, "2/6", 6),
        answer_row("s4", "q1", False, "", 7),
    ]
    # q2: 2 of 3 first answers right (facility 2/3).
    rows += [
        answer_row("s1", "q2", True, "4", 1, response_ms=10_000),
        answer_row("s2", "q2", False, "16", 2, response_ms=30_000),
        answer_row("s3", "q2", True, "4", 3),
    ]
    # q9 in another course: one student, right.
    rows += [answer_row("s1", "q9", True, "x", 1, course_id="art-1", chapter_id="a-1")]
    insert_rows(con, "answers", rows)
    return con


def test_hardest_questions_rank_by_first_answer_facility_with_counts_and_median_time(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rows = run(con, "hardest_questions", min_students=1)
    assert rows == [
        ("math-1", "ch-1", "q1", "1/2 + 1/4?", 7, 4, 0.25, 2 / 7, 5, 3000.0, 1),
        ("math-1", "ch-1", "q2", "2x = 8?", 3, 3, 2 / 3, 2 / 3, 1, 20_000.0, 2),
        ("art-1", "a-1", "q9", None, 1, 1, 1.0, 1.0, 0, None, 3),
    ]


def test_hardest_questions_leave_out_rarely_answered_questions_and_respect_the_limit(
    con: duckdb.DuckDBPyConnection,
) -> None:
    assert [r[2] for r in run(con, "hardest_questions", min_students=3)] == ["q1", "q2"]
    assert [r[2] for r in run(con, "hardest_questions", min_students=1, limit=1)] == ["q1"]
    assert [r[2] for r in run(con, "hardest_questions", min_students=1, course_id="art-1")] == [
        "q9"
    ]


def test_common_wrong_answers_count_normalised_answers_with_share_and_misconception(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rows = run(con, "common_wrong_answers", question_id="q1")
    # 5 wrong answers in all; the empty one counts in the total but is not listed. The course
    # lists " 0.50", which normalises to the "0.5" a student typed.
    assert rows == [
        ("q1", "2/6", 3, 3, 3 / 5, "adds tops and bottoms", 1, "2/6"),
        ("q1", "0.5", 1, 1, 1 / 5, "halves", 2, "0.5"),
    ]


def test_common_wrong_answers_respect_the_limit_and_know_nothing_of_other_questions(
    con: duckdb.DuckDBPyConnection,
) -> None:
    assert [r[1] for r in run(con, "common_wrong_answers", question_id="q1", limit=1)] == ["2/6"]
    assert run(con, "common_wrong_answers", question_id="q2") == [
        ("q2", "16", 1, 1, 1.0, None, 1, "16")
    ]
    assert run(con, "common_wrong_answers", question_id="nope") == []


def test_response_times_give_median_and_90th_percentile_of_timed_answers(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rows = run(con, "response_times")
    assert rows == [
        # q2: 10 s and 30 s; p90 interpolates 10 + 0.9 * 20 = 28 s.
        ("math-1", "ch-1", "q2", 2, 20_000.0, 28_000.0, 10_000.0, 30_000.0),
        # q1: 1..5 s; p90 = 4 + 0.6 * 1 = 4.6 s; right answers 1 s and 3 s, wrong 2, 4, 5 s.
        ("math-1", "ch-1", "q1", 5, 3000.0, 4600.0, 2000.0, 4000.0),
    ]


def test_response_times_leave_out_questions_with_too_few_timed_answers(
    con: duckdb.DuckDBPyConnection,
) -> None:
    assert [r[2] for r in run(con, "response_times", min_answers=3)] == ["q1"]


def test_item_answers_list_every_answer_in_time_order_with_empty_answers_as_null(
    con: duckdb.DuckDBPyConnection,
) -> None:
    result = run_query(con, load_queries()["item_answers"], {"course_id": "math-1"})
    rows = [
        (r["student_id"], r["question_id"], r["correct"], r["answer"]) for r in result.records()
    ]
    assert rows == [
        ("s1", "q1", True, "3/4"),
        ("s1", "q2", True, "4"),
        ("s2", "q1", False, "2/6"),
        ("s2", "q2", False, "16"),
        ("s2", "q1", True, "3/4"),
        ("s3", "q2", True, "4"),
        ("s3", "q1", False, "2/6"),
        ("s4", "q1", False, "0.5"),
        ("s4", "q1", False, "2/6"),
        ("s4", "q1", False, None),
    ]


def test_question_content_lists_the_courses_wrong_answers_normalised_with_misconceptions(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rows = run(con, "question_content", course_id="math-1")
    assert [(r[2], r[4], r[5]) for r in rows] == [
        (
            "q1",
            "1/2 + 1/4?",
            [
                {
                    "answer": "2/6",
                    "misconception": "adds tops and bottoms",
                    "answer_display": "2/6",
                },
                {"answer": "0.5", "misconception": "halves", "answer_display": "0.5"},
            ],
        ),
        ("q2", "2x = 8?", []),
    ]
