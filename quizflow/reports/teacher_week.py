"""ISO weeks ("2026-W48"): the unit of the teacher report, its file name and its query parameter.

A class's report week runs from Monday 00:00 to the next Monday 00:00 on its school's clock
(168 hours, or 167 or 169 across a change to or from summer time): the days of ``student_days``
are the school's calendar days, and the report's queries cut answers at the same instants, so
its time on task and its answer counts cover the same seven days.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from quizflow.school_time import school_zone

_WEEK = re.compile(r"^\s*(\d{4})-?[Ww](\d{1,2})\s*$")

_MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip


class BadWeekError(ValueError):
    """A week string that is not an ISO week like 2026-W48."""


@dataclass(frozen=True, order=True)
class IsoWeek:
    year: int
    week: int

    def __post_init__(self) -> None:
        try:
            date.fromisocalendar(self.year, self.week, 1)
        except ValueError:
            raise BadWeekError(
                f"{self.year} has no ISO week {self.week} (weeks run 1 to 52, or 53)"
            ) from None

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        """``2026-W48`` (also ``2026W48``, ``2026-w48``); raises BadWeekError otherwise."""
        match = _WEEK.match(text)
        if not match:
            raise BadWeekError(f"{text!r} is not an ISO week; write it like 2026-W48")
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def of(cls, day: date | datetime) -> IsoWeek:
        """The ISO week holding ``day`` (a datetime counts by its own date)."""
        if isinstance(day, datetime):
            day = day.date()
        year, week, _ = day.isocalendar()
        return cls(year, week)

    @classmethod
    def last_complete(cls, today: date) -> IsoWeek:
        """The week before the one holding ``today``: what a Monday-morning report covers."""
        return cls.of(today - timedelta(days=7))

    @classmethod
    def span(cls, first: date, last: date) -> list[IsoWeek]:
        """Every week from the one holding ``first`` to the one holding ``last``, in order."""
        weeks, week, end = [], cls.of(first), cls.of(last)
        while week <= end:
            weeks.append(week)
            week = week.next()
        return weeks

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    def ends_at(self, zone: str | None) -> datetime:
        """The instant the week ends on a school's clock: the next Monday at 00:00 there."""
        return datetime.combine(self.monday + timedelta(days=7), time(), school_zone(zone))

    def days(self) -> list[date]:
        return [self.monday + timedelta(days=n) for n in range(7)]

    def previous(self) -> IsoWeek:
        return IsoWeek.of(self.monday - timedelta(days=7))

    def next(self) -> IsoWeek:
        return IsoWeek.of(self.monday + timedelta(days=7))

    def label(self) -> str:
        """The week in words, e.g. "23 to 29 November 2026"."""
        first, last = self.monday, self.sunday
        end = f"{last.day} {_MONTHS[last.month - 1]} {last.year}"
        if first.year != last.year:
            return f"{first.day} {_MONTHS[first.month - 1]} {first.year} to {end}"
        if first.month != last.month:
            return f"{first.day} {_MONTHS[first.month - 1]} to {end}"
        return f"{first.day} to {end}"

    def __str__(self) -> str:
        return f"{self.year}-W{self.week:02d}"
