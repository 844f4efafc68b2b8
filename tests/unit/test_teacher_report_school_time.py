"""The teacher report on the school's clock: its times, and which weeks a class existed in."""

from __future__ import annotations

import html
from datetime import UTC, datetime

import duckdb

from quizflow.queries.testing import empty_warehouse, insert_rows
from quizflow.reports.teacher import IsoWeek, render_teacher_report
from quizflow.reports.teacher_data import ClassWeek, classes_of_week, load_known_class_week
from quizflow.reports.teacher_mail import MailSettings, compose

WEEK = IsoWeek(2026, 48)


def week_of(time_zone: str | None) -> ClassWeek:
    con = roster(datetime(2026, 11, 2, 9, 0, tzinfo=UTC), time_zone)
    con.execute(
        "insert into ingest_checkpoint values (1, 1, 1, 1, ?)",
        [datetime(2026, 11, 27, 13, 5, tzinfo=UTC)],
    )
    return load_known_class_week(con, classes_of_week(con, WEEK)[0], WEEK)


def test_the_reports_times_are_on_the_schools_clock() -> None:
    made = datetime(2026, 11, 30, 5, 0, tzinfo=UTC)
    page = html.unescape(render_teacher_report(week_of(None), generated_at=made))
    assert "Data up to 2026-11-27 14:05 CET · made 2026-11-30 06:00 CET" in page
    assert " UTC ·" not in page and "06:00 UTC" not in page

    london = render_teacher_report(week_of("Europe/London"), generated_at=made)
    assert "Data up to 2026-11-27 13:05 GMT · made 2026-11-30 05:00 GMT" in html.unescape(london)


def roster(enrolled_at: datetime, time_zone: str | None) -> duckdb.DuckDBPyConnection:
    con = empty_warehouse()
    insert_rows(
        con,
        "roster",
        [
            {
                "school_id": "sch",
                "school_time_zone": time_zone,
                "class_id": "7a",
                "student_id": "ann",
                "enrolled_at": enrolled_at,
            }
        ],
    )
    return con


def test_a_class_enrolled_early_on_monday_school_time_has_no_report_for_the_week_before() -> None:
    # 23:30 on Sunday 22 November in UTC is 00:30 on Monday 23 November (W48) in Amsterdam.
    late_sunday_utc = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)
    amsterdam = roster(late_sunday_utc, None)
    assert classes_of_week(amsterdam, IsoWeek(2026, 47)) == []
    assert [c["class_id"] for c in classes_of_week(amsterdam, IsoWeek(2026, 48))] == ["7a"]
    assert classes_of_week(amsterdam, IsoWeek(2026, 48))[0]["time_zone"] == "Europe/Amsterdam"

    # In New York it was still Sunday evening: the class existed in W47.
    new_york = roster(late_sunday_utc, "America/New_York")
    assert [c["class_id"] for c in classes_of_week(new_york, IsoWeek(2026, 47))] == ["7a"]


def test_the_monday_mail_says_how_recent_its_figures_are_in_school_time() -> None:
    settings = MailSettings("mail.school.example")
    body = compose(week_of(None), settings, "juf@school.example").get_content()
    assert "The figures count everything up to 2026-11-27 14:05 CET." in body
    body = compose(week_of("Asia/Tokyo"), settings, "juf@school.example").get_content()
    assert "The figures count everything up to 2026-11-27 22:05 JST." in body
