"""ISO weeks as the teacher report names them: 2026-W48, Monday to Sunday."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from quizflow.reports.teacher_week import BadWeekError, IsoWeek


def test_a_week_string_reads_as_its_year_and_week_and_prints_back_the_same() -> None:
    week = IsoWeek.parse("2026-W48")
    assert (week.year, week.week) == (2026, 48)
    assert str(week) == "2026-W48"
    assert str(IsoWeek.parse("2026w7")) == "2026-W07"


def test_a_week_runs_from_monday_to_sunday() -> None:
    week = IsoWeek.parse("2026-W48")
    assert week.monday == date(2026, 11, 23)
    assert week.sunday == date(2026, 11, 29)
    assert week.days()[0] == week.monday and len(week.days()) == 7
    assert week.label() == "23 to 29 November 2026"


def test_weeks_across_a_year_end_belong_to_the_iso_year_of_their_thursday() -> None:
    assert IsoWeek.of(date(2026, 12, 31)) == IsoWeek(2026, 53)
    assert IsoWeek.of(date(2027, 1, 3)) == IsoWeek(2026, 53)
    assert IsoWeek(2026, 53).next() == IsoWeek(2027, 1)
    assert IsoWeek(2027, 1).previous() == IsoWeek(2026, 53)
    assert IsoWeek(2026, 53).label() == "28 December 2026 to 3 January 2027"


@pytest.mark.parametrize("text", ["2026-48", "W48", "2026-W", "next week", "", "2026-W48-1"])
def test_a_string_that_is_not_an_iso_week_is_refused_with_an_example(text: str) -> None:
    with pytest.raises(BadWeekError, match="2026-W48"):
        IsoWeek.parse(text)


@pytest.mark.parametrize("text", ["2026-W00", "2025-W53", "2026-W54"])
def test_a_week_number_the_year_does_not_have_is_refused(text: str) -> None:
    with pytest.raises(BadWeekError, match="has no ISO week"):
        IsoWeek.parse(text)


def test_the_last_complete_week_is_the_one_before_today() -> None:
    assert IsoWeek.last_complete(date(2026, 11, 30)) == IsoWeek(2026, 48)  # a Monday
    assert IsoWeek.last_complete(date(2026, 11, 29)) == IsoWeek(2026, 47)  # a Sunday
    assert IsoWeek.of(datetime(2026, 11, 23, 0, 30)) == IsoWeek(2026, 48)


def test_a_span_of_days_covers_every_week_it_touches_once() -> None:
    weeks = IsoWeek.span(date(2026, 10, 26), date(2026, 11, 20))
    assert [str(w) for w in weeks] == ["2026-W44", "2026-W45", "2026-W46", "2026-W47"]
    assert IsoWeek.span(date(2026, 11, 20), date(2026, 10, 26)) == []
