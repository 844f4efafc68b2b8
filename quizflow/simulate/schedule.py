"""When students practise: school days, maths lessons, and the sessions within them.

Times are planned in Europe/Amsterdam (the school's wall clock, so lessons stay at 08:30
across the October daylight-saving change) and stored as UTC.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from quizflow.simulate.roster import LESSON_MINUTES, LESSON_STARTS, SchoolClass
from quizflow.simulate.seeding import stream

SCHOOL_TZ = ZoneInfo("Europe/Amsterdam")
PRACTICE_LESSON = 0.7  # the teacher lets the class practise in this maths lesson
PRESENT = 0.92
SELF_STUDY_PER_DAY = 0.08  # a free period spent practising
SESSION_MINUTES = (10.0, 40.0)
MEDIAN_SESSION_MINUTES = 20.0
LOGIN_DELAY_MINUTES = (1.0, 8.0)


@dataclass(frozen=True)
class Session:
    start: datetime  # UTC
    end: datetime  # UTC: the student stops at the latest here (the bell)


def school_days(start: date, days: int) -> list[date]:
    """The first ``days`` weekdays from ``start`` on (``start`` included if a weekday)."""
    found: list[date] = []
    day = start
    while len(found) < days:
        if day.weekday() < 5:
            found.append(day)
        day += timedelta(days=1)
    return found


def local(day: date, minutes_after_midnight: float) -> datetime:
    """A school-clock time on ``day`` as UTC, correct on both sides of a DST change."""
    wall = datetime(day.year, day.month, day.day, tzinfo=SCHOOL_TZ)
    return (wall + timedelta(minutes=minutes_after_midnight)).astimezone(UTC)


def lesson_start_minutes(lesson: int) -> float:
    start = LESSON_STARTS[lesson]
    return start.hour * 60.0 + start.minute


def practice_lessons(seed: int, day: date, school_class: SchoolClass) -> list[int]:
    """The lessons on ``day`` in which the whole class practises (the teacher decides)."""
    rng = stream(seed, "lesson", school_class.index, day.isoformat())
    return [
        lesson
        for weekday, lesson in school_class.maths_lessons
        if weekday == day.weekday() and rng.random() < PRACTICE_LESSON
    ]


def sessions_on(rng: random.Random, lessons: list[int], day: date) -> list[Session]:
    """A student's sessions on ``day``: in the class's practice lessons, and self-study."""
    attends = [rng.random() < PRESENT for _ in lessons]
    self_study = rng.random() < SELF_STUDY_PER_DAY
    free_lesson = rng.randrange(len(LESSON_STARTS))
    planned = [lesson for lesson, present in zip(lessons, attends, strict=True) if present]
    if self_study and free_lesson not in lessons:
        planned.append(free_lesson)
    sessions = []
    for lesson in sorted(planned):
        delay = rng.uniform(*LOGIN_DELAY_MINUTES)
        length = session_minutes(rng)
        start = lesson_start_minutes(lesson) + delay
        end = min(start + length, lesson_start_minutes(lesson) + LESSON_MINUTES)
        sessions.append(Session(local(day, start), local(day, end)))
    return sessions


def session_minutes(rng: random.Random) -> float:
    low, high = SESSION_MINUTES
    return min(max(MEDIAN_SESSION_MINUTES * math.exp(rng.gauss(0.0, 0.4)), low), high)
