"""notation_stumbles: answers the quiz refused as unreadable, counted per question and reason."""

from __future__ import annotations

import json
import uuid
from typing import Any

import duckdb
import pytest

from quizflow.queries import load_queries, run_query
from quizflow.queries.testing import answer_row, at, empty_warehouse, insert_questions, insert_rows


def refusal(student: str, question: str, reasons: dict[str, str], chapter: str = "ch-1") -> Any:
    return {
        "event_id": uuid.uuid4(),
        "occurred_at": at(1),
        "course_id": "math-1",
        "chapter_id": chapter,
        "student_id": student,
        "question_id": question,
        "inputs": json.dumps(dict.fromkeys(reasons, "abc")),
        "reasons": json.dumps(reasons),
        "attempt": 1,
    }


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = empty_warehouse()
    insert_questions(
        con,
        [
            {"course_id": "math-1", "chapter_id": "ch-1", "question_id": "q1", "text": "3/8?"},
            {"course_id": "math-1", "chapter_id": "ch-2", "question_id": "q2", "text": "x, y?"},
        ],
    )
    insert_rows(
        con,
        "answers",
        [
            answer_row("s1", "q1", True, "0.375", 1),
            answer_row("s2", "q1", False, "3.8", 2),
            answer_row("s3", "q2", True, "_INPUT_1_=2; _INPUT_2_=-1", 3, chapter_id="ch-2"),
        ],
    )
    one = {"_INPUT_1_": "fraction-not-decimal"}
    insert_rows(
        con,
        "unreadable_answers",
        [
            refusal("s1", "q1", one),
            refusal("s1", "q1", one),
            refusal("s2", "q1", one),
            refusal("s2", "q1", {"_INPUT_1_": "invisible-character"}),
            # Both fields of one refusal for the same reason: one refusal for that reason.
            refusal("s3", "q2", {"_INPUT_1_": "not-a-number", "_INPUT_2_": "not-a-number"}, "ch-2"),
        ],
    )
    return con


def run(con: duckdb.DuckDBPyConnection, **params: Any) -> list[dict[str, Any]]:
    result = run_query(con, load_queries()["notation_stumbles"], params)
    return [dict(zip(result.columns, row, strict=True)) for row in result.rows]


def test_refusals_are_counted_per_question_and_reason_most_first(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rows = run(con)
    assert [(r["question_id"], r["reason"], r["refusals"], r["students"]) for r in rows] == [
        ("q1", "fraction-not-decimal", 3, 2),
        ("q1", "invisible-character", 1, 1),
        ("q2", "not-a-number", 1, 1),
    ]
    # q1 was tried 6 times: 2 answers and 4 refusals; q2 twice.
    assert [r["share_of_tries"] for r in rows] == [pytest.approx(3 / 6), 1 / 6, 1 / 2]
    assert rows[0]["text"] == "3/8?" and rows[0]["chapter_id"] == "ch-1"


def test_the_scope_and_the_least_number_of_refusals_narrow_the_rows(
    con: duckdb.DuckDBPyConnection,
) -> None:
    assert [r["question_id"] for r in run(con, chapter_id="ch-2")] == ["q2"]
    assert run(con, course_id="another") == []
    assert [r["reason"] for r in run(con, min_refusals=2)] == ["fraction-not-decimal"]
