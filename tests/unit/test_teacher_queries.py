"""The teacher report's named queries (queries/teacher_*.sql) on given rows.

One small school: class 7a (Ann passes chapter 1 this week, Bob is stuck on it, Cyd has just
begun chapter 2, Eve only worked the week before) and class 7b (Dan), whose rows must never
show up in 7a's figures. The week is 2025-W10: Monday 3 March 2025 (minute 0 of ``at``) to
Sunday 9 March; minute 10080 is the next Monday.
"""

from __future__ import annotations

import datetime as dt
import json
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

WEEK = "2025-W10"
NEXT_MONDAY = 7 * 24 * 60


def run(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> list[dict[str, Any]]:
    return run_query(con, load_queries()[name], params).records()


def day(n: int) -> dt.date:
    return dt.date(2025, 3, 3) + dt.timedelta(days=n)


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = empty_warehouse()
    insert_rows(
        con,
        "roster",
        [
            {
                "school_id": "sch",
                "school_name": "School",
                "class_id": c,
                "class_name": n,
                "teacher_id": t,
                "teacher_name": t.title(),
                "student_id": s,
                "student_name": s.title(),
                "enrolled_at": at(-20000),
            }
            for c, n, t, s in [
                ("7a", "Class 7A", "ames", "ann"),
                ("7a", "Class 7A", "ames", "bob"),
                ("7a", "Class 7A", "ames", "cyd"),
                ("7a", "Class 7A", "ames", "eve"),
                ("7b", "Class 7B", "bell", "dan"),
            ]
        ],
    )
    insert_questions(
        con,
        [
            {
                "course_id": "math-1",
                "chapter_id": ch,
                "chapter_title": title,
                "chapter_number": number,
                "question_id": q,
                "text": f"Question {q}",
                "wrong_answers": json.dumps(wrong),
            }
            for ch, title, number, q, wrong in [
                (
                    "ch-1",
                    "Fractions",
                    1,
                    "q1",
                    [{"answer": {"_INPUT_1_": " 5 "}, "misconception": "multiplies"}],
                ),
                ("ch-1", "Fractions", 1, "q2", []),
                ("ch-2", "Decimals", 2, "q3", []),
            ]
        ],
    )
    answers = [
        # Ann, week before: passes chapter 2.
        *(answer_row("ann", "q3", True, "1", -1000 + n, chapter_id="ch-2") for n in range(3)),
        # Ann, this week: one slip, then passes chapter 1.
        answer_row("ann", "q1", True, "0.5", 0, response_ms=1000),
        answer_row("ann", "q1", False, "5", 1, response_ms=3000),
        answer_row("ann", "q2", True, "2", 2),
        answer_row("ann", "q1", True, "0.5", 3, response_ms=2000),
        answer_row("ann", "q2", True, "2", 4),
        # Bob, this week: 12 answers on chapter 1, 6 wrong, never passes (stuck).
        *(answer_row("bob", "q1", False, "5", 1440 + n) for n in range(4)),
        *(answer_row("bob", "q2", False, "7", 1450 + n) for n in range(2)),
        *(answer_row("bob", "q1", True, "0.5", 1460 + n) for n in range(3)),
        *(answer_row("bob", "q2", True, "2", 1470 + n) for n in range(3)),
        # Bob passes after the week: not part of W10.
        *(answer_row("bob", "q1", True, "0.5", NEXT_MONDAY + n) for n in range(3)),
        # Cyd starts chapter 2 on Friday with a mistake.
        answer_row("cyd", "q3", False, "x", 4 * 1440, chapter_id="ch-2"),
        # Dan is in the other class.
        answer_row("dan", "q1", False, "5", 5),
    ]
    insert_rows(con, "answers", answers)
    insert_rows(
        con,
        "attempts",
        [
            attempt_row("ann", 1, chapter_id="ch-2", started=-1001, answers=3, passed=-998),
            attempt_row("ann", 1, started=0, answers=5, wrong=1, restarts=1, passed=4),
            attempt_row(
                "bob", 1, started=1440, answers=15, wrong=6, restarts=6, passed=NEXT_MONDAY + 2
            ),
            attempt_row(
                "cyd", 1, chapter_id="ch-2", started=4 * 1440, answers=1, wrong=1, restarts=1
            ),
        ],
    )
    insert_rows(
        con,
        "student_days",
        [
            {
                "student_id": s,
                "day": d,
                "answers": a,
                "correct_answers": a - m,
                "mistakes": m,
                "quizzes_passed": p,
                "time_on_task_ms": t,
            }
            for s, d, a, m, p, t in [
                ("eve", day(-2), 4, 1, 0, 300_000),
                ("ann", day(-1), 3, 0, 1, 120_000),
                ("ann", day(0), 5, 1, 1, 240_000),
                ("bob", day(1), 12, 6, 0, 900_000),
                ("bob", day(7), 3, 0, 1, 60_000),
                ("cyd", day(4), 1, 1, 0, 30_000),
                ("dan", day(0), 1, 1, 0, 10_000),
            ]
        ],
    )
    return con


def test_teacher_classes_lists_each_class_with_its_teacher_and_students(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rows = run(con, "teacher_classes")
    assert [(r["class_id"], r["class_name"], r["teacher_name"], r["students"]) for r in rows] == [
        ("7a", "Class 7A", "Ames", 4),
        ("7b", "Class 7B", "Bell", 1),
    ]
    assert [r["class_id"] for r in run(con, "teacher_classes", teacher_id="bell")] == ["7b"]


def test_week_students_lists_every_enrolled_student_with_the_weeks_work(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rows = run(con, "teacher_week_students", class_id="7a", week=WEEK)
    assert [
        (
            r["student_id"],
            r["answers"],
            r["correct_answers"],
            r["mistakes"],
            r["quizzes_passed"],
            r["time_on_task_ms"],
            r["active_days"],
            r["last_active_on"],
        )
        for r in rows
    ] == [
        ("ann", 5, 4, 1, 1, 240_000, 1, day(0)),
        ("bob", 12, 6, 6, 0, 900_000, 1, day(1)),
        ("cyd", 1, 0, 1, 0, 30_000, 1, day(4)),
        # Eve did nothing this week: zeros, and when she last worked.
        ("eve", 0, 0, 0, 0, 0, 0, day(-2)),
    ]
    assert rows[0]["share_correct"] == pytest.approx(0.8)
    assert rows[3]["share_correct"] is None


def test_week_chapters_say_who_passed_this_week_before_is_stuck_or_working(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rows = run(con, "teacher_week_chapters", class_id="7a", week=WEEK)
    got = [
        (
            r["student_id"],
            r["chapter_id"],
            r["answers_this_week"],
            r["mistakes_this_week"],
            r["answers_so_far"],
            r["restarts_so_far"],
            r["first_passed_at"],
            r["status"],
        )
        for r in rows
    ]
    assert got == [
        ("ann", "ch-1", 5, 1, 5, 1, at(4), "passed this week"),
        ("ann", "ch-2", 0, 0, 3, 0, at(-998), "passed before"),
        # Bob's pass comes after the week's end, so in W10 he is stuck.
        ("bob", "ch-1", 12, 6, 12, 6, None, "stuck"),
        ("bob", "ch-2", 0, 0, 0, 0, None, "not started"),
        ("cyd", "ch-1", 0, 0, 0, 0, None, "not started"),
        ("cyd", "ch-2", 1, 1, 1, 1, None, "working"),
        ("eve", "ch-1", 0, 0, 0, 0, None, "not started"),
        ("eve", "ch-2", 0, 0, 0, 0, None, "not started"),
    ]
    assert {(r["chapter_title"], r["chapter_number"]) for r in rows} == {
        ("Fractions", 1),
        ("Decimals", 2),
    }


def test_week_chapters_stuck_thresholds_are_parameters(con: duckdb.DuckDBPyConnection) -> None:
    rows = run(con, "teacher_week_chapters", class_id="7a", week=WEEK, min_restarts=7)
    assert [r["status"] for r in rows if r["student_id"] == "bob"] == ["working", "not started"]
    rows = run(
        con, "teacher_week_chapters", class_id="7a", week=WEEK, min_restarts=1, min_answers=1
    )
    assert [r["status"] for r in rows if r["student_id"] == "cyd"] == ["not started", "stuck"]


def test_the_next_week_sees_bobs_pass_and_nobody_stuck(con: duckdb.DuckDBPyConnection) -> None:
    rows = run(con, "teacher_week_chapters", class_id="7a", week="2025-W11")
    statuses = {(r["student_id"], r["chapter_id"]): r["status"] for r in rows}
    assert statuses[("bob", "ch-1")] == "passed this week"
    assert statuses[("ann", "ch-1")] == "passed before"
    assert "stuck" not in statuses.values()


def test_week_questions_rank_the_class_hardest_first_and_leave_out_rare_ones(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rows = run(con, "teacher_week_questions", class_id="7a", week=WEEK)
    assert [
        (
            r["rank"],
            r["question_id"],
            r["chapter_title"],
            r["text"],
            r["answers"],
            r["wrong_answers"],
            r["students"],
            r["students_wrong"],
        )
        for r in rows
    ] == [
        (1, "q1", "Fractions", "Question q1", 10, 5, 2, 2),
        (2, "q2", "Fractions", "Question q2", 7, 2, 2, 1),
    ]
    assert rows[0]["share_wrong"] == pytest.approx(0.5)
    assert rows[0]["median_response_ms"] == pytest.approx(2000)
    # q3 had one answer from one student; with the thresholds lowered it shows.
    lowered = run(
        con, "teacher_week_questions", class_id="7a", week=WEEK, min_answers=1, min_students=1
    )
    assert [r["question_id"] for r in lowered] == ["q3", "q1", "q2"]


def test_week_wrong_answers_count_who_gave_which_wrong_answer_with_its_misconception(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rows = run(con, "teacher_week_wrong_answers", class_id="7a", week=WEEK)
    assert [
        (
            r["question_id"],
            r["answer"],
            r["times"],
            r["share"],
            r["students"],
            r["student_names"],
            r["misconception"],
            r["rank"],
        )
        for r in rows
    ] == [
        # Dan's "5" (class 7b) is not counted; the course lists " 5 ", which normalises to "5".
        ("q1", "5", 5, 1.0, 2, ["Ann", "Bob"], "multiplies", 1),
        ("q2", "7", 2, 1.0, 1, ["Bob"], None, 1),
        ("q3", "x", 1, 1.0, 1, ["Cyd"], None, 1),
    ]
    assert json.loads(rows[0]["example_inputs"]) == {"_INPUT_1_": "5"}


def test_week_days_give_each_active_students_time_per_day_of_that_week_only(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rows = run(con, "teacher_week_days", class_id="7a", week=WEEK)
    assert [(r["student_id"], r["day"], r["weekday"], r["time_on_task_ms"]) for r in rows] == [
        ("ann", day(0), 1, 240_000),
        ("bob", day(1), 2, 900_000),
        ("cyd", day(4), 5, 30_000),
    ]


def test_an_unknown_class_gives_no_rows(con: duckdb.DuckDBPyConnection) -> None:
    for name in ("teacher_week_students", "teacher_week_chapters", "teacher_week_questions"):
        assert run(con, name, class_id="nope", week=WEEK) == []
