"""The '-- context:' header, and student_days' school calendar, in an in-memory DuckDB."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from quizflow.warehouse.projections import PROJECTIONS_DIR, parse_projection
from tests.unit.test_projection_sql import quiz, rows, warehouse

HEADER = (
    "-- t: one row per student.\n-- partition: student_id\n-- types: chapter-quiz/QuizStarted\n"
)


def _file(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "t.sql"
    path.write_text(HEADER + extra + "select student_id from projection_input\n")
    return path


def test_context_types_are_read_from_the_header() -> None:
    student_days = parse_projection(PROJECTIONS_DIR / "student_days.sql")
    assert student_days.context == (
        "roster/StudentEnrolled",
        "roster/StudentMoved",
        "roster/SchoolTimeZoneChanged",
    )
    assert parse_projection(PROJECTIONS_DIR / "answers.sql").context == ()


@pytest.mark.parametrize("context", ["*", "chapter-quiz/QuizStarted"])
def test_a_context_of_every_type_or_of_its_own_types_is_refused(
    tmp_path: Path, context: str
) -> None:
    with pytest.raises(ValueError, match="context"):
        parse_projection(_file(tmp_path, f"-- context: {context}\n"))


def _roster(type_: str, data: dict[str, str], seconds: float) -> tuple[str, str, dict, float]:
    return ("roster-nyc", f"roster/{type_}", {"school_id": "nyc", **data}, seconds)


def test_student_days_are_the_days_of_the_students_school_clock() -> None:
    # T0 is 2025-03-03 09:00 UTC: 04:30 UTC that day is 23:30 on Sunday in New York.
    con = warehouse(
        [
            _roster("SchoolRegistered", {"name": "NYC"}, -20000),
            _roster("SchoolTimeZoneChanged", {"time_zone": "America/New_York"}, -20000),
            _roster("StudentEnrolled", {"class_id": "c", "student_id": "s1"}, -20000),
            quiz("QuizStarted", -16200),
            quiz("QuizStarted", -12600),  # 05:30 UTC: Monday 00:30 in New York
        ]
    )
    assert rows(
        con, "select day, time_zone, chapters_practised from student_days order by day"
    ) == [
        (date(2025, 3, 2), "America/New_York", 1),
        (date(2025, 3, 3), "America/New_York", 1),
    ]


def test_a_zone_duckdb_does_not_know_counts_as_amsterdam() -> None:
    con = warehouse(
        [
            _roster("SchoolTimeZoneChanged", {"time_zone": "Mars/Olympus_Mons"}, -20000),
            _roster("StudentEnrolled", {"class_id": "c", "student_id": "s1"}, -20000),
            quiz("QuizStarted", 0),
        ]
    )
    assert rows(con, "select time_zone from student_days") == [("Europe/Amsterdam",)]
    assert rows(con, "select school_time_zone from roster") == [("Europe/Amsterdam",)]
