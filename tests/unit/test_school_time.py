"""School time: instants shown on the school's clock, and zone names checked before use."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from quizflow.school_time import (
    DEFAULT_TIME_ZONE,
    TimeZoneError,
    checked_time_zone,
    school_date,
    shown,
)


def test_a_moment_is_shown_on_the_schools_clock_with_its_zone() -> None:
    winter = datetime(2026, 11, 23, 13, 5, tzinfo=UTC)
    summer = datetime(2026, 7, 1, 13, 5, tzinfo=UTC)
    assert shown(winter, "Europe/Amsterdam") == "2026-11-23 14:05 CET"
    assert shown(summer, "Europe/Amsterdam") == "2026-07-01 15:05 CEST"
    assert shown(summer, "Europe/London") == "2026-07-01 14:05 BST"


def test_without_a_zone_a_school_reads_amsterdam_time() -> None:
    assert DEFAULT_TIME_ZONE == "Europe/Amsterdam"
    assert shown("2026-11-23T13:05:00+00:00", None) == "2026-11-23 14:05 CET"
    # A naive time (DuckDB's timestamps) is UTC.
    assert shown(datetime(2026, 11, 23, 13, 5), None) == "2026-11-23 14:05 CET"


def test_the_school_day_is_the_day_on_the_schools_clock() -> None:
    late_sunday_utc = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)
    assert school_date(late_sunday_utc, "Europe/Amsterdam") == date(2026, 11, 23)
    assert school_date(late_sunday_utc, "America/New_York") == date(2026, 11, 22)


@pytest.mark.parametrize("name", ["Mars/Base", "", "../../etc/passwd", "/etc/localtime"])
def test_a_name_that_is_not_a_time_zone_is_refused_with_an_example(name: str) -> None:
    with pytest.raises(TimeZoneError, match=r"not a time zone.*Europe/Amsterdam"):
        checked_time_zone(name)


def test_a_zone_name_is_kept_without_surrounding_blanks() -> None:
    assert checked_time_zone(" Europe/London ") == "Europe/London"


def test_a_stored_zone_that_is_no_longer_known_falls_back_to_the_default() -> None:
    assert shown(datetime(2026, 11, 23, 13, 5, tzinfo=UTC), "Gone/Zone") == "2026-11-23 14:05 CET"
