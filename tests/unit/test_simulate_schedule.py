"""When simulated students practise: school days, lessons, sessions, the school's clock."""

from __future__ import annotations

from datetime import UTC, date, time, timedelta

from quizflow.simulate.roster import build_roster
from quizflow.simulate.schedule import (
    SCHOOL_TZ,
    local,
    practice_lessons,
    school_days,
    session_minutes,
    sessions_on,
)
from quizflow.simulate.seeding import stream

ROSTER = build_roster(seed=1, students=100)


def test_school_days_are_weekdays_only() -> None:
    days = school_days(date(2026, 10, 24), 10)  # a Saturday
    assert days[0] == date(2026, 10, 26)
    assert all(day.weekday() < 5 for day in days)
    assert len(days) == 10 and days[-1] == date(2026, 11, 6)


def test_lessons_keep_to_the_school_clock_across_the_change_to_winter_time() -> None:
    before, after = date(2026, 10, 23), date(2026, 10, 26)  # summer time ends on 25 October
    assert local(before, 8 * 60 + 30).time() == time(6, 30)
    assert local(after, 8 * 60 + 30).time() == time(7, 30)
    assert local(after, 0).tzinfo is UTC


def test_sessions_fall_in_school_hours_and_last_ten_to_forty_minutes() -> None:
    found = 0
    for student in ROSTER.students:
        rng = stream(1, "behaviour", student.index)
        for day in school_days(date(2026, 10, 26), 10):
            lessons = practice_lessons(1, day, student.school_class)
            for session in sessions_on(rng, lessons, day):
                found += 1
                start = session.start.astimezone(SCHOOL_TZ)
                end = session.end.astimezone(SCHOOL_TZ)
                assert start.date() == day and start.weekday() < 5
                assert time(8, 30) <= start.time() and end.time() <= time(15, 30)
                assert timedelta(minutes=10) <= end - start <= timedelta(minutes=40)
    assert found > 0


def test_students_have_a_few_sessions_a_week() -> None:
    days = school_days(date(2026, 10, 26), 20)
    per_week = []
    for student in ROSTER.students:
        rng = stream(1, "behaviour", student.index)
        sessions = sum(
            len(sessions_on(rng, practice_lessons(1, day, student.school_class), day))
            for day in days
        )
        per_week.append(sessions / 4)
    average = sum(per_week) / len(per_week)
    assert 1.5 < average < 3.5


def test_a_class_practises_together_in_its_maths_lessons() -> None:
    school_class = ROSTER.classes[0]
    lessons_by_day = {
        day: practice_lessons(1, day, school_class) for day in school_days(date(2026, 10, 26), 20)
    }
    for day, lessons in lessons_by_day.items():
        timetable = {
            lesson for weekday, lesson in school_class.maths_lessons if weekday == day.weekday()
        }
        assert set(lessons) <= timetable
    assert any(lessons_by_day.values())
    # Every student of the class sees the same lessons: the teacher decides, not the student.
    assert all(
        practice_lessons(1, day, school_class) == lessons for day, lessons in lessons_by_day.items()
    )


def test_session_lengths_stay_between_ten_and_forty_minutes() -> None:
    rng = stream(1, "test")
    lengths = [session_minutes(rng) for _ in range(2000)]
    assert min(lengths) >= 10 and max(lengths) <= 40
    assert 15 < sorted(lengths)[1000] < 25
