"""What a `quizflow query` table shows of an answer: the display, in the place of the key."""

from __future__ import annotations

from quizflow.cli.query import as_people_read


def test_a_row_shows_its_display_where_the_answer_was_and_leaves_the_raw_inputs_out() -> None:
    row = {
        "question_id": "frac-16",
        "answer": "_INPUT_1_=8; _INPUT_2_=11",
        "example_inputs": '{"_INPUT_1_":"8","_INPUT_2_":"11"}',
        "times": 3,
        "answer_display": "a 8; b 11",
    }
    shown = as_people_read([row])
    assert shown == [{"question_id": "frac-16", "answer_display": "a 8; b 11", "times": 3}]
    assert list(shown[0]) == ["question_id", "answer_display", "times"]
    assert row["answer"] == "_INPUT_1_=8; _INPUT_2_=11"  # the rows given are left as they are


def test_records_nested_in_a_row_are_shown_the_same_way() -> None:
    row = {
        "student_id": "p-1",
        "wrong_answers": [
            {
                "question_id": "q",
                "answer": "_INPUT_1_=-1; _INPUT_2_=2",
                "answer_display": "x -1; y 2",
            }
        ],
    }
    assert as_people_read([row]) == [
        {
            "student_id": "p-1",
            "wrong_answers": [{"question_id": "q", "answer_display": "x -1; y 2"}],
        }
    ]


def test_rows_without_a_display_are_shown_as_they_are() -> None:
    rows = [{"class_id": "7a", "answer": "none", "students": 2, "example_inputs": "{}"}]
    assert as_people_read(rows) == rows
