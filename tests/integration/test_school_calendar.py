"""A class's days and weeks are its school's calendar, not UTC's: real PostgreSQL, real DuckDB.

Answers fall around local midnight between Sunday and Monday, in Amsterdam across the end of
summer time (2026-10-25) and in New York across its own (2026-11-01). Each lands on its local
day in student_days, and the teacher report's week (Monday 00:00 to Monday 00:00 in the
school's zone) takes it in or leaves it out accordingly. A school that changes its zone later,
and a student enrolled after they answered, move their days in the next run, and the tables
built run by run equal a rebuild.
"""

from __future__ import annotations

import socket
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from quizflow.eventstore import NewEvent
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.reports.teacher import IsoWeek, write_all_teacher_reports
from quizflow.reports.teacher_data import ClassWeek, classes_of_week, load_class_week
from quizflow.reports.teacher_mail import MailSettings, mail_weekly_reports
from quizflow.settings import Settings
from quizflow.warehouse import open_published
from tests.integration import eventfactory
from tests.integration.eventfactory import PROJECTION_TABLES, run_until_caught_up, table_rows

W42, W43, W44, W45 = (IsoWeek.parse(f"2026-W{n}") for n in (42, 43, 44, 45))


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# Amsterdam: CEST (UTC+2) until 2026-10-25 03:00, CET (UTC+1) after; so W43 runs from
# 2026-10-18 22:00 UTC to 2026-10-25 23:00 UTC (169 hours).
AMSTERDAM_ANSWERS = {
    "2026-10-18 21:30": date(2026, 10, 18),  # Sunday 23:30 CEST: W42
    "2026-10-18 22:30": date(2026, 10, 19),  # Monday 00:30 CEST: W43 (Sunday in UTC)
    "2026-10-25 22:30": date(2026, 10, 25),  # Sunday 23:30 CET: W43
    "2026-10-25 23:30": date(2026, 10, 26),  # Monday 00:30 CET: W44 (Sunday in UTC)
}
# New York: EDT (UTC-4) until 2026-11-01 02:00, EST (UTC-5) after; W44 runs from
# 2026-10-26 04:00 UTC to 2026-11-02 05:00 UTC.
NEW_YORK_ANSWERS = {
    "2026-10-26 03:30": date(2026, 10, 25),  # Sunday 23:30 EDT: W43 (Monday in UTC)
    "2026-10-26 04:30": date(2026, 10, 26),  # Monday 00:30 EDT: W44
    "2026-11-02 04:30": date(2026, 11, 1),  # Sunday 23:30 EST: W44 (Monday in UTC)
    "2026-11-02 05:30": date(2026, 11, 2),  # Monday 00:30 EST: W45
}


def _answer(store: PostgresEventStore, student: str, at: datetime, *, correct: bool) -> None:
    """One answer of a fresh chapter-quiz attempt: started, assigned and answered at ``at``."""
    stream = f"chapter-quiz-{student}-math-1-ch-1"
    attempt = 1 + sum(1 for e in store.read_stream(stream) if e.type.endswith("/QuizStarted"))
    ids = {"student_id": student, "course_id": "math-1", "chapter_id": "ch-1", "attempt": attempt}
    answer: dict[str, Any] = {"question_id": "q-1-1", "inputs": {"_INPUT_1_": "2"}}
    if correct:
        answered = ("chapter-quiz/QuestionAnsweredCorrectly", {**answer, "streak": 1})
    else:
        answered = ("chapter-quiz/QuestionAnsweredIncorrectly", answer)
    events = [
        ("chapter-quiz/QuizStarted", {}),
        ("chapter-quiz/QuestionAssigned", {"question_id": "q-1-1"}),
        answered,
    ]
    store.append(
        stream,
        store.stream_version(stream),
        [NewEvent(t, {**ids, **d}, {"user_id": student}, occurred_at=at) for t, d in events],
    )


def _set_zone(store: PostgresEventStore, school: str, zone: str, at: datetime) -> None:
    store.append(
        f"roster-{school}",
        "any",
        [
            NewEvent(
                "roster/SchoolTimeZoneChanged",
                {"school_id": school, "time_zone": zone},
                occurred_at=at,
            )
        ],
    )


def _days(settings: Settings, class_id: str) -> list[tuple[date, str, int]]:
    """The class's student_days: (day, time zone, answers)."""
    with open_published(settings.published_path) as con:
        return [
            (row[0], row[1], int(row[2]))
            for row in con.execute(
                "select d.day, d.time_zone, d.answers from student_days as d"
                " join roster as r using (student_id) where r.class_id = ? order by d.day",
                [class_id],
            ).fetchall()
        ]


def _week(settings: Settings, class_id: str, week: IsoWeek) -> ClassWeek:
    with open_published(settings.published_path) as con:
        return load_class_week(con, class_id, week)


def _answers_in(week: ClassWeek) -> dict[str, int]:
    """The week's answer counts by each part of the report that counts them."""
    rows = week.this_week
    return {
        "students": sum(r["answers"] for r in rows["students"]),
        "days": sum(r["answers"] for r in rows["days"]),
        "chapters": sum(r["answers_this_week"] for r in rows["chapters"]),
        "wrong_answers": sum(r["times"] for r in rows["wrong_answers"]),
    }


_ANSWER_PARTS = ("students", "days", "chapters", "wrong_answers")


def _expected(answers: dict[str, date], week: IsoWeek) -> int:
    return sum(1 for day in answers.values() if IsoWeek.of(day) == week)


@pytest.fixture
def calendars(tmp_path: Path, pg_url: str) -> tuple[Settings, str]:
    settings = Settings(home=tmp_path / "home", database_url=None)
    early = utc("2026-10-01 08:00")
    with PostgresEventStore(pg_url) as store:
        eventfactory.publish_course(store, at=early)
        eventfactory.register_roster(store, "ams", "ams-1", ["anna"], at=early)
        eventfactory.register_roster(store, "nyc", "nyc-1", ["noah"], at=early)
        _set_zone(store, "nyc", "America/New_York", early)
        for at in AMSTERDAM_ANSWERS:
            _answer(store, "anna", utc(at), correct=False)
        for at in NEW_YORK_ANSWERS:
            _answer(store, "noah", utc(at), correct=False)
    run_until_caught_up(settings, pg_url)
    return settings, pg_url


def test_answers_around_local_midnight_land_on_the_schools_own_day(
    calendars: tuple[Settings, str],
) -> None:
    settings, _ = calendars
    assert _days(settings, "ams-1") == [
        (day, "Europe/Amsterdam", 1) for day in AMSTERDAM_ANSWERS.values()
    ]
    assert _days(settings, "nyc-1") == [
        (day, "America/New_York", 1) for day in NEW_YORK_ANSWERS.values()
    ]


@pytest.mark.parametrize(
    ("class_id", "answers"),
    [("ams-1", AMSTERDAM_ANSWERS), ("nyc-1", NEW_YORK_ANSWERS)],
)
def test_a_report_week_runs_monday_to_monday_on_the_schools_clock(
    calendars: tuple[Settings, str], class_id: str, answers: dict[str, date]
) -> None:
    settings, _ = calendars
    for week in (W42, W43, W44, W45):
        expected = _expected(answers, week)
        got = _answers_in(_week(settings, class_id, week))
        assert got == dict.fromkeys(got, expected), (class_id, str(week))
    # W43 in Amsterdam takes the Monday 00:30 answer (Sunday in UTC) and the last Sunday's
    # 23:30 one, and leaves the next Monday's 00:30 (still Sunday in UTC) to W44.
    assert _expected(AMSTERDAM_ANSWERS, W43) == 2 and _expected(AMSTERDAM_ANSWERS, W44) == 1
    days = _week(settings, class_id, W44).this_week["days"]
    assert [(r["day"], r["weekday"]) for r in days] == [
        (d.isoformat(), d.isoweekday()) for d in answers.values() if IsoWeek.of(d) == W44
    ]


def test_a_changed_zone_and_a_late_enrolment_move_days_and_equal_a_rebuild(
    calendars: tuple[Settings, str], tmp_path: Path
) -> None:
    settings, pg_url = calendars
    with PostgresEventStore(pg_url) as store:
        # Before any enrolment, a student's days are Amsterdam's (the default school clock).
        _answer(store, "late", utc("2026-10-26 03:30"), correct=True)
    run_until_caught_up(settings, pg_url)
    with open_published(settings.published_path) as con:
        before = con.execute("select day, time_zone from student_days").fetchall()
    assert (date(2026, 10, 26), "Europe/Amsterdam") in before

    with PostgresEventStore(pg_url) as store:
        eventfactory.register_roster(store, "nyc", "nyc-2", ["late"], at=utc("2026-11-03 12:00"))
    modes = run_until_caught_up(settings, pg_url)
    assert "incremental" in modes["student_days"] and "rebuild" not in modes["student_days"]
    assert _days(settings, "nyc-2") == [(date(2026, 10, 25), "America/New_York", 1)]

    with PostgresEventStore(pg_url) as store:
        _set_zone(store, "ams", "Asia/Tokyo", utc("2026-11-03 12:00"))
    modes = run_until_caught_up(settings, pg_url)
    assert "rebuild" in modes["student_days"] and "rebuild" not in modes["answers"]
    # In Tokyo (UTC+9) 2026-10-18 21:30 UTC is Monday 06:30: the Sunday answer joins W43.
    assert _days(settings, "ams-1") == [
        (date(2026, 10, 19), "Asia/Tokyo", 2),
        (date(2026, 10, 26), "Asia/Tokyo", 2),
    ]
    assert _answers_in(_week(settings, "ams-1", W42)) == dict.fromkeys(_ANSWER_PARTS, 0)
    assert _answers_in(_week(settings, "ams-1", W43)) == dict.fromkeys(_ANSWER_PARTS, 2)

    clean = Settings(home=tmp_path / "clean", database_url=None)
    run_until_caught_up(clean, pg_url)
    assert table_rows(settings.warehouse_path, PROJECTION_TABLES) == table_rows(
        clean.warehouse_path, PROJECTION_TABLES
    )
    with open_published(settings.published_path) as con:
        published = sorted(con.execute("select * from student_days").fetchall())
    with open_published(clean.published_path) as con:
        assert published == sorted(con.execute("select * from student_days").fetchall())


def test_report_partitions_start_at_the_week_of_the_first_school_day(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelines import reports

    home = tmp_path / "home"
    monkeypatch.setenv("QUIZFLOW_HOME", str(home))
    monkeypatch.setenv("QUIZFLOW_DATABASE_URL", pg_url)
    monkeypatch.delenv("QUIZFLOW_PIPELINE_DATABASE_URL", raising=False)
    monkeypatch.delenv("QUIZFLOW_REPORTS_FIRST_WEEK", raising=False)
    with PostgresEventStore(pg_url) as store:
        eventfactory.publish_course(store, at=utc("2026-10-01 08:00"))
        eventfactory.register_roster(store, "nyc", "nyc-1", ["noah"], at=utc("2026-10-01 08:00"))
        _set_zone(store, "nyc", "America/New_York", utc("2026-10-01 08:00"))
        # Sunday 23:30 in New York, Monday 04:30 in Amsterdam: W43 on the school's calendar.
        _answer(store, "noah", utc("2026-10-26 03:30"), correct=True)
    run_until_caught_up(Settings(home=home, database_url=None), pg_url)
    assert reports.first_report_week() == "2026-10-19"


def test_only_classes_whose_week_has_ended_on_their_clock_are_reported(
    calendars: tuple[Settings, str], tmp_path: Path
) -> None:
    settings, _ = calendars
    # W44 ends at 23:00 UTC on Sunday 1 November in Amsterdam, at 05:00 UTC on Monday in New York.
    amsterdam_ended, both_ended = utc("2026-11-02 04:59"), utc("2026-11-02 05:00")
    with open_published(settings.published_path) as con:
        assert [c["class_id"] for c in classes_of_week(con, W44, amsterdam_ended)] == ["ams-1"]
        assert {c["class_id"] for c in classes_of_week(con, W44, both_ended)} == {"ams-1", "nyc-1"}
    out = tmp_path / "reports"
    written = write_all_teacher_reports(settings.published_path, W44, out, ended_by=amsterdam_ended)
    assert [p.relative_to(out).as_posix() for p in written] == ["ams-1/2026-W44.html"]


class _Inbox:
    """An SMTP server's handler that keeps the recipients of what it accepts."""

    def __init__(self) -> None:
        self.recipients: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.recipients += envelope.rcpt_tos
        return "250 Message accepted"


def test_the_monday_mail_waits_for_a_class_whose_week_has_not_ended(
    calendars: tuple[Settings, str], tmp_path: Path
) -> None:
    settings, _ = calendars
    inbox = _Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        mail = MailSettings(host="127.0.0.1", port=port)
        addresses = {"t-ams-1": "ams@school.example", "t-nyc-1": "nyc@school.example"}
        out = tmp_path / "reports"

        def send(ended_by: datetime) -> list[str]:
            outcome = mail_weekly_reports(
                settings.published_path, W44, mail, addresses, {}, out, ended_by=ended_by
            )
            return outcome.sent

        # 06:00 on Monday in Amsterdam is still Sunday night in New York: only Amsterdam's.
        assert send(utc("2026-11-02 05:00") - timedelta(hours=1)) == ["ams-1"]
        assert send(utc("2026-11-02 17:00")) == ["nyc-1"]  # the evening tick: the rest
        assert sorted(inbox.recipients) == ["ams@school.example", "nyc@school.example"]
    finally:
        controller.stop()
