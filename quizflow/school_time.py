"""School time: the clock a school's people read times on.

Events keep their instants in UTC; a teacher in Utrecht reads them on the school's clock. Each
school has a time zone (``roster/SchoolTimeZoneChanged``; ``DEFAULT_TIME_ZONE`` until one is set),
and every page, report and e-mail shows its times through ``shown`` in that zone, with the zone's
abbreviation (CET, CEST), so a time is never ambiguous.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIME_ZONE = "Europe/Amsterdam"


class TimeZoneError(ValueError):
    """A name that is not an IANA time zone."""


def checked_time_zone(name: str) -> str:
    """``name`` if it is an IANA time zone (``Europe/Amsterdam``); TimeZoneError otherwise."""
    name = name.strip()
    try:
        _zone(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise TimeZoneError(
            f"{name!r} is not a time zone; give an IANA name such as {DEFAULT_TIME_ZONE}"
        ) from None
    return name


def school_zone(name: str | None) -> ZoneInfo:
    """The zone named ``name``, or the default for a missing or unknown name (a reader must
    still show a time if a stored zone ever stops being known)."""
    try:
        return _zone(name or DEFAULT_TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return _zone(DEFAULT_TIME_ZONE)


def school_moment(moment: datetime, zone: str | None) -> datetime:
    """``moment`` on the school's clock; a naive moment counts as UTC (DuckDB's timestamps)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(school_zone(zone))


def shown(moment: datetime | str, zone: str | None) -> str:
    """``2026-11-23 14:05 CET``: the moment (or an ISO text of one) as the school reads it."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return school_moment(moment, zone).strftime("%Y-%m-%d %H:%M %Z")


def school_date(moment: datetime | str, zone: str | None) -> date:
    """The school's calendar day of ``moment``."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return school_moment(moment, zone).date()


@cache
def _zone(name: str) -> ZoneInfo:
    if not name or name != name.strip():
        raise ValueError(name)
    return ZoneInfo(name)
