"""The figures of a teacher report, read from the published snapshot through the named queries.

Every number in the report comes from a file in ``queries/`` run by ``quizflow.queries`` (the
same runner as ``quizflow query``), so a teacher's figure and an analyst's query never
disagree. Rows are kept as the runner's JSON records: the report embeds them as they are, and
the test compares them with what the queries return.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from quizflow.queries import NamedQuery, load_queries, run_query
from quizflow.reports.teacher_week import IsoWeek
from quizflow.school_time import DEFAULT_TIME_ZONE, school_date
from quizflow.warehouse.sqlfiles import sql

Row = dict[str, Any]

# The query behind each part of the report; a week's queries run for this week and the last.
CLASSES = "teacher_classes"
WEEK_QUERIES = {
    "students": "teacher_week_students",
    "chapters": "teacher_week_chapters",
    "questions": "teacher_week_questions",
    "wrong_answers": "teacher_week_wrong_answers",
    "days": "teacher_week_days",
}
PREVIOUS_WEEK = ("students", "chapters")

# Same shape as the web app's class ids: the id becomes a folder name, so nothing else may pass.
SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}")


class UnknownClassError(LookupError):
    """A class id the roster of the published snapshot does not know."""

    def __init__(self, class_id: str, known: list[str]) -> None:
        shown = ", ".join(known[:20]) + (" ..." if len(known) > 20 else "")
        super().__init__(
            f"unknown class {class_id!r}; the snapshot knows {len(known)} class(es)"
            + (f": {shown}" if known else " (run the pipeline after enrolling students)")
        )
        self.class_id = class_id
        self.known = known


@dataclass(frozen=True)
class ClassWeek:
    """What one class did in one week (and the week before), as the queries return it."""

    school_class: Row
    week: IsoWeek
    this_week: dict[str, list[Row]]
    last_week: dict[str, list[Row]]
    data_until: str | None  # when the snapshot's newest events were ingested
    events: int

    @property
    def class_id(self) -> str:
        return str(self.school_class["class_id"])

    @property
    def time_zone(self) -> str:
        """The school's clock, which the report's times are shown on."""
        return str(self.school_class.get("time_zone") or DEFAULT_TIME_ZONE)


def classes(con: duckdb.DuckDBPyConnection, teacher_id: str | None = None) -> list[Row]:
    """Every class in the snapshot's roster (or one teacher's), by school and name."""
    return _run(con, _query(CLASSES), {"teacher_id": teacher_id})


def classes_of_week(
    con: duckdb.DuckDBPyConnection, week: IsoWeek, ended_by: datetime | None = None
) -> list[Row]:
    """The classes that existed in ``week``: a class first enrolled after the week's Sunday
    has no report for it (it would be a page of zeros about a class that was not there).
    With ``ended_by``, only those whose week had ended on their school's clock by then: at
    06:00 on Monday in Amsterdam it is still Sunday evening in California."""
    return [
        c
        for c in classes(con)
        if _enrolled_by(c, week)
        and (ended_by is None or week.ends_at(c.get("time_zone")) <= ended_by)
    ]


def _enrolled_by(school_class: Row, week: IsoWeek) -> bool:
    """On the school's calendar: a class enrolled at 00:30 on a Monday in Amsterdam (23:30 on
    Sunday in UTC) did not exist in the week before."""
    first_enrolled_at = school_class.get("first_enrolled_at")
    if not first_enrolled_at:
        return True
    return school_date(str(first_enrolled_at), school_class.get("time_zone")) <= week.sunday


def load_class_week(con: duckdb.DuckDBPyConnection, class_id: str, week: IsoWeek) -> ClassWeek:
    """Run every query of the report for ``class_id`` and ``week``; UnknownClassError if none."""
    known = classes(con)
    match = next((c for c in known if c["class_id"] == class_id), None)
    if match is None or not SAFE_ID.fullmatch(class_id):
        raise UnknownClassError(class_id, [str(c["class_id"]) for c in known])
    return load_known_class_week(con, match, week)


def load_known_class_week(
    con: duckdb.DuckDBPyConnection, school_class: Row, week: IsoWeek
) -> ClassWeek:
    """``load_class_week`` for a row of ``classes`` (saves listing the classes per class)."""
    queries = load_queries()
    params = {"class_id": school_class["class_id"]}

    def run_all(which: IsoWeek, parts: tuple[str, ...]) -> dict[str, list[Row]]:
        bound = {**params, "week": str(which)}
        return {part: _run(con, queries[WEEK_QUERIES[part]], bound) for part in parts}

    until, events = _freshness(con)
    return ClassWeek(
        school_class=school_class,
        week=week,
        this_week=run_all(week, tuple(WEEK_QUERIES)),
        last_week=run_all(week.previous(), PREVIOUS_WEEK),
        data_until=until,
        events=events,
    )


def _freshness(con: duckdb.DuckDBPyConnection) -> tuple[str | None, int]:
    try:
        row = con.execute(sql("duck/read_cursor")).fetchone()
    except duckdb.Error:
        return None, 0
    if not row:
        return None, 0
    stamp = row[3]
    return (stamp.isoformat() if hasattr(stamp, "isoformat") else None), int(row[2])


def run_named(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any]) -> list[Row]:
    """One named query's rows as JSON records (what the report embeds); for tests and notebooks."""
    return _run(con, _query(name), params)


def _query(name: str) -> NamedQuery:
    # Read afresh each time (a dozen small files), like `quizflow query`: one source of truth.
    return load_queries()[name]


def _run(con: duckdb.DuckDBPyConnection, query: NamedQuery, params: dict[str, Any]) -> list[Row]:
    return run_query(con, query, params).json_records()
