"""The warehouse's answer_display and unreadable_answers, over given raw events (DuckDB)."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest

from tests.unit.test_projection_sql import quiz, rows, warehouse


def course(version: int, labels: tuple[str, str], seconds: float) -> tuple[Any, ...]:
    fields = [{"name": "_INPUT_1_", "label": labels[0]}, {"name": "_INPUT_2_", "label": labels[1]}]
    questions = [
        {"question_id": "q1", "fields": fields},
        {"question_id": "q2", "fields": [{"name": "_INPUT_1_", "label": "answer"}]},
    ]
    data = {
        "course_id": "c1",
        "version": version,
        "chapters": [{"chapter_id": "ch1", "title": "One", "questions": questions}],
    }
    return ("course-c1", "course/CoursePublished", data, seconds)


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    return warehouse(
        [
            course(1, ("x =", "y ="), 0),
            quiz("QuestionAssigned", 1, question_id="q1"),
            quiz(
                "QuestionAnsweredIncorrectly",
                2,
                question_id="q1",
                inputs={"_INPUT_2_": " 3.0", "_INPUT_1_": "7"},
            ),
            quiz("QuestionAnsweredIncorrectly", 3, question_id="q2", inputs={"_INPUT_1_": "0,5"}),
            quiz(
                "UnreadableAnswerRefused",
                4,
                question_id="q2",
                inputs={"_INPUT_1_": "abc"},
                reasons={"_INPUT_1_": "not-a-number"},
            ),
            course(2, ("first", "second"), 5),
            quiz(
                "QuestionAnsweredIncorrectly",
                6,
                question_id="q1",
                inputs={"_INPUT_1_": "8", "_INPUT_2_": "11"},
            ),
            quiz(
                "QuestionAnsweredIncorrectly",
                7,
                question_id="gone",
                inputs={"_INPUT_1_": "1", "_INPUT_2_": "2"},
            ),
        ]
    )


def test_answers_show_labels_in_field_order_not_field_names(con: duckdb.DuckDBPyConnection) -> None:
    shown = rows(con, "select question_id, answer, answer_display from answers order by position")
    assert shown[0] == ("q1", "_INPUT_1_=7; _INPUT_2_=3", "x = 7; y = 3")
    assert shown[1] == ("q2", "0.5", "0.5")


def test_an_answer_is_shown_with_the_labels_published_before_it(
    con: duckdb.DuckDBPyConnection,
) -> None:
    shown = rows(con, "select answer_display from answers order by position")
    assert [row[0] for row in shown[2:]] == ["first 8; second 11", "field 1 1; field 2 2"]


def test_an_unreadable_answer_is_not_an_answer_but_is_kept(con: duckdb.DuckDBPyConnection) -> None:
    assert rows(con, "select count(*) from answers") == [(4,)]
    assert rows(con, "select question_id, reasons ->> '$._INPUT_1_' from unreadable_answers") == [
        ("q2", "not-a-number")
    ]
    assert rows(con, "select count(*) from quarantine") == [(0,)]
