"""Each projection's SQL over given raw events in an in-memory DuckDB (no PostgreSQL)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
import pytest

from quizflow.warehouse.projections import apply_projections, load_projections
from quizflow.warehouse.sqlfiles import schema_statements

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
QUIZ = {"student_id": "s1", "course_id": "c1", "chapter_id": "ch1", "attempt": "1"}


def warehouse(events: list[tuple[str, str, dict[str, Any], float]]) -> duckdb.DuckDBPyConnection:
    """A warehouse holding (stream, type, data, seconds after T0) events, projected."""
    con = duckdb.connect()
    for statement in schema_statements():
        con.execute(statement)
    versions: dict[str, int] = {}
    for position, (stream, type_, data, seconds) in enumerate(events, start=1):
        versions[stream] = versions.get(stream, 0) + 1
        at = T0 + timedelta(seconds=seconds)
        con.execute(
            "insert into events values (?, ?, ?, ?, ?, ?, ?, '{}', ?, ?, ?, ?, ?, ?, ?)",
            [
                position,
                position,
                str(uuid.uuid4()),
                stream,
                versions[stream],
                type_,
                json.dumps(data),
                at,
                at,
                data.get("student_id"),
                data.get("course_id"),
                data.get("chapter_id"),
                data.get("question_id"),
                None if data.get("attempt") is None else str(data.get("attempt")),
            ],
        )
    con.execute(
        "insert into ingest_checkpoint values (1, ?, ?, ?, now())",
        [len(events), len(events), len(events)],
    )
    apply_projections(con, load_projections())
    return con


def rows(con: duckdb.DuckDBPyConnection, query: str) -> list[tuple[Any, ...]]:
    return con.execute(query).fetchall()


def quiz(type_: str, seconds: float, **extra: Any) -> tuple[str, str, dict[str, Any], float]:
    return ("chapter-quiz-s1-c1-ch1", f"chapter-quiz/{type_}", {**QUIZ, **extra}, seconds)


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    answer = {"question_id": "q1", "inputs": {"_INPUT_1_": "2"}}
    return warehouse(
        [
            (
                "course-c1",
                "course/CoursePublished",
                {
                    "course_id": "c1",
                    "version": 1,
                    "chapters": [
                        {"chapter_id": "ch1", "title": "One", "questions": [{"question_id": "old"}]}
                    ],
                },
                0,
            ),
            (
                "course-c1",
                "course/CoursePublished",
                {
                    "course_id": "c1",
                    "version": 2,
                    "chapters": [
                        {
                            "chapter_id": "ch1",
                            "title": "One",
                            "questions": [
                                {"question_id": "q1", "text": "1+1?", "difficulty": 0.5},
                                {"question_id": "q2", "text": "2+2?", "version": 3},
                            ],
                        }
                    ],
                },
                1,
            ),
            ("roster-sc", "roster/SchoolRegistered", {"school_id": "sc", "name": "School"}, 0),
            (
                "roster-sc",
                "roster/ClassRegistered",
                {
                    "school_id": "sc",
                    "class_id": "k",
                    "name": "K",
                    "teacher_id": "t",
                    "teacher_name": "T",
                },
                0,
            ),
            (
                "roster-sc",
                "roster/StudentEnrolled",
                {"school_id": "sc", "class_id": "k", "student_id": "s1", "name": "S"},
                0,
            ),
            quiz("QuizStarted", 10),
            quiz("QuestionAssigned", 10, question_id="q1"),
            quiz("QuestionAnsweredCorrectly", 20, streak=1, **answer),
            quiz("QuestionAssigned", 21, question_id="q1"),
            quiz(
                "QuestionAnsweredIncorrectly",
                30,
                question_id="q1",
                inputs={"_INPUT_1_": "3"},
                question_version=2,
            ),
            quiz("QuizStartedOver", 30),
            quiz("QuestionAssigned", 31, question_id="q1"),
            *[quiz("QuestionAnsweredCorrectly", 40 + n, streak=n, **answer) for n in (1, 2, 3)],
            quiz("QuizPassed", 43),
            quiz("QuestionAnsweredCorrectly", 44, streak="three", **answer),  # malformed
        ]
    )


def test_answers_time_each_answer_from_its_assignment(con: duckdb.DuckDBPyConnection) -> None:
    got = rows(con, "select correct, answer, response_ms from answers order by position")
    assert got == [
        (True, "2", 10_000),
        (False, "3", 9_000),
        (True, "2", 10_000),
        (True, "2", 11_000),  # no new assignment: timed from the same one
        (True, "2", 12_000),
    ]


def test_answers_carry_the_question_version_and_older_answers_read_1(
    con: duckdb.DuckDBPyConnection,
) -> None:
    got = rows(con, "select question_version from answers order by position")
    assert got == [(1,), (2,), (1,), (1,), (1,)]


def test_questions_carry_their_version(con: duckdb.DuckDBPyConnection) -> None:
    got = rows(con, "select question_id, question_version from questions order by question_id")
    assert got == [("q1", 1), ("q2", 3)]


def test_attempts_count_answers_restarts_and_the_outcome(con: duckdb.DuckDBPyConnection) -> None:
    got = rows(
        con,
        "select questions_answered, correct_answers, wrong_answers, restarts,"
        " best_streak, streak, outcome from attempts",
    )
    assert got == [(5, 4, 1, 1, 3, 3, "passed")]


def test_questions_hold_only_the_latest_course_version(con: duckdb.DuckDBPyConnection) -> None:
    got = rows(
        con,
        "select question_id, chapter_id, text, difficulty, course_version"
        " from questions order by question_id",
    )
    assert got == [("q1", "ch1", "1+1?", 0.5, 2), ("q2", "ch1", "2+2?", None, 2)]


def test_roster_joins_school_class_and_student(con: duckdb.DuckDBPyConnection) -> None:
    got = rows(con, "select school_name, class_name, teacher_name, student_id from roster")
    assert got == [("School", "K", "T", "s1")]


def test_a_moved_and_renamed_student_is_one_row_in_the_new_class_with_the_new_name() -> None:
    def klass(class_id: str, teacher: str) -> tuple[str, str, dict[str, Any], float]:
        return (
            "roster-sc",
            "roster/ClassRegistered",
            {
                "school_id": "sc",
                "class_id": class_id,
                "name": class_id.upper(),
                "teacher_id": teacher,
                "teacher_name": teacher.upper(),
            },
            0,
        )

    student = {"school_id": "sc", "student_id": "s1"}
    moved = warehouse(
        [
            ("roster-sc", "roster/SchoolRegistered", {"school_id": "sc", "name": "School"}, 0),
            klass("k", "t"),
            klass("m", "u"),
            ("roster-sc", "roster/StudentEnrolled", {**student, "class_id": "k", "name": "Sam"}, 1),
            ("roster-sc", "roster/StudentMoved", {**student, "class_id": "m"}, 2),
            ("roster-sc", "roster/StudentRenamed", {**student, "name": "Samira"}, 3),
            (
                "account-s1",
                "accounts/AccountCreated",
                {"account_id": "s1", "school_id": "sc", "name": "Sam", "roles": ["student"]},
                1,
            ),
        ]
    )
    got = rows(moved, "select class_id, teacher_id, student_name, enrolled_at from roster")
    assert got == [("m", "u", "Samira", T0 + timedelta(seconds=1))]
    assert rows(moved, "select count(*) from quarantine") == [(0,)]


def test_known_wrong_answers_are_normalised_like_answers_for_plain_sql_joins() -> None:
    course = {
        "course_id": "c1",
        "version": 1,
        "chapters": [
            {
                "chapter_id": "ch1",
                "title": "One",
                "questions": [
                    {
                        "question_id": "q1",
                        "text": "1/2 as a decimal?",
                        "fields": [{"name": "_INPUT_1_", "label": "answer"}],
                        "wrong_answers": [
                            {
                                "answer": {"_INPUT_1_": " .50 "},
                                "misconception": "reads the digits as they stand",
                                "feedback": "Look at the place values.",
                            },
                            {"answer": {"_INPUT_1_": "2"}, "misconception": "flips it"},
                        ],
                    }
                ],
            }
        ],
    }
    con = warehouse(
        [
            ("course-c1", "course/CoursePublished", course, 0),
            quiz("QuestionAssigned", 1, question_id="q1"),
            quiz("QuestionAnsweredIncorrectly", 9, question_id="q1", inputs={"_INPUT_1_": "0.5"}),
        ]
    )
    got = rows(
        con,
        "select listed_number, answer, answer_display, misconception, feedback"
        " from known_wrong_answers order by listed_number",
    )
    assert [g[0] for g in got] == [1, 2]
    assert got[0][3:] == ("reads the digits as they stand", "Look at the place values.")
    assert got[1][3:] == ("flips it", None)
    # The student's "0.5" meets the listed " .50 " in a plain join.
    matched = rows(
        con,
        "select k.misconception from answers a join known_wrong_answers k"
        " using (course_id, question_id, answer)",
    )
    assert matched == [("reads the digits as they stand",)]


def test_no_named_query_needs_a_function_registered_on_the_connection() -> None:
    from pathlib import Path

    queries = Path(__file__).resolve().parents[2] / "queries"
    calling = [q.name for q in queries.glob("*.sql") if "qf_" in q.read_text()]
    assert calling == [], "BI tools and the DuckDB CLI cannot run these"


def test_attempts_time_practice_not_the_calendar(con: duckdb.DuckDBPyConnection) -> None:
    assert rows(con, "select practice_ms, duration_ms from attempts") == [(33_000, 33_000)]
    answer = {"question_id": "q1", "inputs": {"_INPUT_1_": "2"}}
    overnight = warehouse(
        [
            quiz("QuizStarted", 0),
            quiz("QuestionAssigned", 0, question_id="q1"),
            quiz("QuestionAnsweredCorrectly", 60, streak=1, **answer),
            quiz("QuestionAssigned", 61, question_id="q1"),
            # The next morning: the pause counts 5 minutes of practice, not 18 hours.
            quiz("QuestionAnsweredCorrectly", 61 + 18 * 3600, streak=2, **answer),
        ]
    )
    got = rows(overnight, "select practice_ms, duration_ms from attempts")
    assert got == [(61_000 + 300_000, (61 + 18 * 3600) * 1000)]


def test_student_days_add_capped_gaps_between_events(con: duckdb.DuckDBPyConnection) -> None:
    got = rows(con, "select answers, mistakes, quizzes_passed, time_on_task_ms from student_days")
    assert got == [(5, 1, 1, 33_000)]


def test_a_malformed_event_is_quarantined_and_left_out(con: duckdb.DuckDBPyConnection) -> None:
    assert rows(con, "select reason from quarantine") == [("streak is missing or not an integer",)]
    assert rows(con, "select count(*) from answers") == [(5,)]


@pytest.mark.parametrize("version", ["two", "2", 0, -1, 1.5, None])
def test_an_answer_with_a_malformed_question_version_is_quarantined(version: object) -> None:
    malformed = warehouse(
        [
            quiz("QuestionAssigned", 0, question_id="q1", question_version=1),
            quiz(
                "QuestionAnsweredIncorrectly",
                5,
                question_id="q1",
                inputs={"_INPUT_1_": "3"},
                question_version=version,
            ),
        ]
    )
    assert rows(malformed, "select reason from quarantine") == [
        ("question_version is not a whole number >= 1",)
    ]
    assert rows(malformed, "select count(*) from answers") == [(0,)]


def test_an_answer_without_a_question_version_is_not_quarantined() -> None:
    fine = warehouse(
        [quiz("QuestionAnsweredIncorrectly", 5, question_id="q1", inputs={"_INPUT_1_": "3"})]
    )
    assert rows(fine, "select count(*) from quarantine") == [(0,)]
    assert rows(fine, "select question_version from answers") == [(1,)]


def test_a_school_reads_amsterdam_time_until_it_sets_its_own_time_zone() -> None:
    school = ("roster-sc", "roster/SchoolRegistered", {"school_id": "sc", "name": "School"}, 0)
    enrolled = (
        "roster-sc",
        "roster/StudentEnrolled",
        {"school_id": "sc", "class_id": "k", "student_id": "s1", "name": "S"},
        1,
    )

    def zone_change(zone: str, seconds: float) -> tuple[str, str, dict[str, Any], float]:
        data = {"school_id": "sc", "time_zone": zone}
        return ("roster-sc", "roster/SchoolTimeZoneChanged", data, seconds)

    query = "select school_time_zone from roster"
    assert rows(warehouse([school, enrolled]), query) == [("Europe/Amsterdam",)]
    later = [school, enrolled, zone_change("Europe/London", 2), zone_change("Asia/Tokyo", 3)]
    assert rows(warehouse(later), query) == [("Asia/Tokyo",)]


def test_every_event_type_the_app_writes_passes_the_quarantine() -> None:
    from quizflow.quiz import (
        EVENT_TYPES,
        AccountCreated,
        AccountDeactivated,
        AccountReactivated,
        ClassRegistered,
        EmailAddressChanged,
        PersonErased,
        RoleGranted,
        RoleRevoked,
        SchoolRegistered,
        SchoolTimeZoneChanged,
        StudentEnrolled,
        StudentMoved,
        StudentRenamed,
        stream_id,
        to_payload,
    )

    facts = [
        SchoolRegistered("sc", "School"),
        SchoolTimeZoneChanged("sc", "Europe/London"),
        ClassRegistered("sc", "k", "K", "t", "T"),
        StudentEnrolled("sc", "k", "s1", "S"),
        StudentMoved("sc", "s1", "k2"),
        StudentRenamed("sc", "s1", "Sam"),
        AccountCreated("t", "sc", "T", ("teacher",)),
        RoleGranted("t", "admin"),
        RoleRevoked("t", "admin"),
        AccountDeactivated("t"),
        AccountReactivated("t"),
        EmailAddressChanged("t", "t@example.org"),
        PersonErased("s1"),
    ]
    quiz_types = {name for name in EVENT_TYPES if name.startswith("chapter-quiz/")}
    # The quiz events and the course are judged by the tests above; here every other type.
    assert {to_payload(f)[0] for f in facts} == set(EVENT_TYPES) - quiz_types - {
        "course/CoursePublished"
    }
    events = [(stream_id(f), *to_payload(f), float(n)) for n, f in enumerate(facts)]
    assert rows(warehouse(events), "select type, reason from quarantine") == []
