"""The weekly class report for teachers: one self-contained HTML file per class and ISO week.

Written to ``$QUIZFLOW_HOME/reports/teacher/{class_id}/{week}.html`` (the web app serves it to
the class's teacher from there). The page carries its figures twice: in words and charts for
the teacher, and as the named queries' rows in a JSON block (``<script id="report-data">``), so
a test or a program can check every number against the queries that produced it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict, replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from quizflow.reports import charts
from quizflow.reports import teacher_findings as findings
from quizflow.reports.names import named
from quizflow.reports.teacher_data import (
    PREVIOUS_WEEK,
    WEEK_QUERIES,
    ClassWeek,
    UnknownClassError,
    classes_of_week,
    load_class_week,
    load_known_class_week,
)
from quizflow.reports.teacher_week import BadWeekError, IsoWeek
from quizflow.school_time import school_date, shown
from quizflow.settings import load_settings
from quizflow.warehouse import open_published

__all__ = [
    "BadWeekError",
    "IsoWeek",
    "UnknownClassError",
    "default_out_dir",
    "needs_attention",
    "render_teacher_report",
    "report_data",
    "teacher_report_path",
    "write_all_teacher_reports",
    "write_teacher_report",
]

TEMPLATES = Path(__file__).with_name("templates")


def default_out_dir() -> Path:
    return load_settings().reports_dir / "teacher"


def teacher_report_path(out_dir: Path, class_id: str, week: IsoWeek) -> Path:
    return out_dir / class_id / f"{week}.html"


def write_teacher_report(
    snapshot_path: Path,
    class_id: str,
    iso_week: IsoWeek | str,
    out_dir: Path | None = None,
    names: Mapping[str, str] | None = None,
) -> Path:
    """Write one class's report for one week; returns the file. Raises UnknownClassError and
    BadWeekError with messages fit for a person. ``names`` by student and teacher id (the
    snapshot has none: ``quizflow.reports.names.roster_names``); without them, ids show."""
    week = _week(iso_week)
    with open_published(snapshot_path) as con:
        data = load_class_week(con, class_id, week)
    return _write(with_names(data, names), out_dir or default_out_dir())


def write_all_teacher_reports(
    snapshot_path: Path,
    iso_week: IsoWeek | str,
    out_dir: Path | None = None,
    names: Mapping[str, str] | None = None,
    ended_by: datetime | None = None,
) -> list[Path]:
    """Write the report of every class in the snapshot's roster for one week (with
    ``ended_by``: of every class whose week had ended on its school's clock by then)."""
    week = _week(iso_week)
    out = out_dir or default_out_dir()
    # Read everything first and close the snapshot before the (slower) chart rendering, so a
    # reader holds the file for as short a time as possible.
    with open_published(snapshot_path) as con:
        weeks = [load_known_class_week(con, c, week) for c in classes_of_week(con, week, ended_by)]
    return [_write(with_names(data, names), out) for data in weeks]


def with_names(data: ClassWeek, names: Mapping[str, str] | None) -> ClassWeek:
    """The week's rows with the people's names filled in, at report time."""
    if not names:
        return data
    return replace(
        data,
        school_class=named(data.school_class, names),
        this_week=named(data.this_week, names),
        last_week=named(data.last_week, names),
    )


def render_teacher_report(data: ClassWeek, *, generated_at: datetime | None = None) -> str:
    """The report's HTML for one class and week."""
    context = _context(data, generated_at or datetime.now(UTC))
    return _templates().get_template("teacher_report.html").render(**context)


def report_data(data: ClassWeek) -> dict[str, Any]:
    """The machine-readable figures embedded in the page: each query's parameters and rows."""
    class_id, week = data.class_id, data.week

    def entry(part: str, which: IsoWeek, rows: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "query": WEEK_QUERIES[part],
            "params": {"class_id": class_id, "week": str(which)},
            "rows": rows,
        }

    now = findings.totals(data.this_week["students"], data.this_week["chapters"])
    before = findings.totals(data.last_week["students"], data.last_week["chapters"])
    return {
        "report": "teacher-weekly",
        "class": data.school_class,
        "week": str(week),
        "week_start": week.monday.isoformat(),
        "week_end": week.sunday.isoformat(),
        "data_until": data.data_until,
        "events": data.events,
        "this_week": {p: entry(p, week, rows) for p, rows in data.this_week.items()},
        "last_week": {p: entry(p, week.previous(), data.last_week[p]) for p in PREVIOUS_WEEK},
        "totals": {"this_week": asdict(now), "last_week": asdict(before)},
    }


def _write(data: ClassWeek, out_dir: Path) -> Path:
    path = teacher_report_path(out_dir, data.class_id, data.week)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write beside and rename: the web app may be serving the previous version right now.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(render_teacher_report(data), encoding="utf-8")
    os.replace(tmp, path)
    return path


def _week(value: IsoWeek | str) -> IsoWeek:
    return value if isinstance(value, IsoWeek) else IsoWeek.parse(value)


@cache
def _templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["duration"] = findings.duration
    env.filters["percent"] = findings.percent
    return env


def needs_attention(data: ClassWeek) -> list[findings.Action]:
    """The report's first section: what needs the teacher this week, most urgent first."""
    this, last = data.this_week, data.last_week
    now = findings.totals(this["students"], this["chapters"])
    before = findings.totals(last["students"], last["chapters"])
    hardest = findings.hardest_questions(this["questions"], this["wrong_answers"])
    return findings.actions(this["students"], this["chapters"], hardest, now, before)


def _context(data: ClassWeek, generated_at: datetime) -> dict[str, Any]:
    this, last = data.this_week, data.last_week
    now = findings.totals(this["students"], this["chapters"])
    before = findings.totals(last["students"], last["chapters"])
    hardest = findings.hardest_questions(this["questions"], this["wrong_answers"])
    stuck = findings.stuck_chapters(this["chapters"])
    passed = _passed_this_week(this["chapters"])
    previous_time = {s["student_id"]: s["time_on_task_ms"] for s in last["students"]}
    finished = findings.finished_students(this["chapters"])
    return {
        "c": data.school_class,
        "week": data.week,
        "week_label": data.week.label(),
        "in_progress": _in_progress(data),
        "data_until": _when(data.data_until, data.time_zone),
        "generated_at": shown(generated_at, data.time_zone),
        "totals": now,
        "changes": findings.changes(now, before),
        "actions": needs_attention(data),
        "students": [
            {
                **s,
                "last_week_ms": previous_time.get(s["student_id"], 0),
                "passed": passed.get(s["student_id"], []),
                "stuck": stuck.get(s["student_id"], []),
                "finished": s["student_id"] in finished,
            }
            for s in this["students"]
        ],
        "stuck_rows": [row for rows in stuck.values() for row in rows],
        "hardest": hardest,
        "progress_svg": charts.progress_grid(this["chapters"]),
        "time_svg": charts.time_on_task(this["days"], this["students"], last["students"]),
        "questions_svg": charts.hardest_questions(hardest),
        "data": report_data(data),
        "thresholds": {
            "hard_share": findings.percent(findings.HARD_SHARE),
            "shown": findings.HARD_QUESTIONS_SHOWN,
        },
    }


def _passed_this_week(chapters: list[dict[str, Any]]) -> dict[str, list[str]]:
    passed: dict[str, list[str]] = {}
    for c in chapters:
        if c["status"] == "passed this week":
            passed.setdefault(c["student_id"], []).append(c["chapter_title"])
    return passed


def _in_progress(data: ClassWeek) -> bool:
    """True when the snapshot's data ends inside the week: the figures are not final."""
    if not data.data_until:
        return False
    until = school_date(data.data_until, data.time_zone)
    return until <= data.week.sunday and until >= data.week.monday


def _when(stamp: str | None, time_zone: str) -> str:
    return shown(stamp, time_zone) if stamp else "no data yet"
