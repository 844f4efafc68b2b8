"""What school calendars cost student_days: `uv run python bench/student_days_calendar.py`.

Builds an in-memory warehouse of N quiz events (``--events``) by S students (``--students``)
in two schools, one on New York's clock, with their roster, then runs the projection runner
on it with the student_days SQL from before school calendars (UTC days; the baseline, taken
from git) and with today's, alternating, twice each:
- rebuild: student_days from all events;
- increment: 100 new quiz events of 10 students, the runner's incremental run;
- enrolment (today's only): one student enrolled again, the run that recomputes their days;
- zone change (today's only): a school's new time zone, the run that rebuilds the table.
Prints one JSON document (seconds of the student_days step as the runner reports them).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from pathlib import Path

import duckdb

from quizflow.warehouse.projections import PROJECTIONS_DIR, apply_projections, load_projections
from quizflow.warehouse.sqlfiles import schema_statements

ROOT = Path(__file__).resolve().parents[1]
# The last student_days.sql on UTC days.
BASELINE_COMMIT = "ad2eea1"
QUIZ = "chapter-quiz/QuestionAnsweredCorrectly"


def warehouse(events: int, students: int) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for statement in schema_statements():
        con.execute(statement)
    # Roster first: each student enrolled in school a or b (b on New York's clock).
    con.execute(
        """
        insert into events
        select i, i, uuid(), 'roster-' || school, i, 'roster/StudentEnrolled',
               json_object('school_id', school, 'class_id', school || '-1',
                           'student_id', 's' || i),
               '{}', timestamptz '2026-09-01 08:00+00', timestamptz '2026-09-01 08:00+00',
               's' || i, null, null, null, null
        from (select i, case when i % 2 = 0 then 'a' else 'b' end as school
              from range(1, $students + 1) as t(i))
        """,
        {"students": students},
    )
    con.execute(
        """
        insert into events values ($p, $p, uuid(), 'roster-b', $p, 'roster/SchoolTimeZoneChanged',
            '{"school_id": "b", "time_zone": "America/New_York"}', '{}',
            timestamptz '2026-09-01 08:00+00', timestamptz '2026-09-01 08:00+00',
            null, null, null, null, null)
        """,
        {"p": students + 1},
    )
    # Quiz events spread over twelve weeks, every hour of the day.
    con.execute(
        """
        insert into events
        select p, p, uuid(), 'chapter-quiz/s' || s || '/c/ch1', p, $type,
               json_object('student_id', 's' || s, 'course_id', 'c', 'chapter_id', 'ch1',
                           'attempt', 1, 'question_id', 'q1', 'streak', 1,
                           'inputs', json_object('_INPUT_1_', '2')),
               '{}', moment, moment, 's' || s, 'c', 'ch1', 'q1', '1'
        from (select $first + i as p, 1 + (i * 7919) % $students as s,
                     timestamptz '2026-09-07 00:00+00'
                         + to_seconds(i * 7257600 // $events) as moment
              from range($events) as t(i))
        """,
        {"type": QUIZ, "first": students + 2, "events": events, "students": students},
    )
    _checkpoint(con)
    return con


def _checkpoint(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("delete from ingest_checkpoint")
    con.execute(
        "insert into ingest_checkpoint select 1, max(tx), max(position), count(*), now()"
        " from events"
    )


def _append(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object]) -> None:
    con.execute(sql, {"next": _next(con), **params})
    _checkpoint(con)


def _next(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("select max(position) + 1 from events").fetchone()
    assert row is not None
    return int(row[0])


def _increment(con: duckdb.DuckDBPyConnection) -> None:
    _append(
        con,
        """
        insert into events
        select $next + i, $next + i, uuid(), 'chapter-quiz/s' || (1 + i % 10) || '/c/ch1',
               100000 + i, $type,
               json_object('student_id', 's' || (1 + i % 10), 'course_id', 'c',
                           'chapter_id', 'ch1', 'attempt', 1, 'question_id', 'q1',
                           'streak', 1, 'inputs', json_object('_INPUT_1_', '2')),
               '{}', timestamptz '2026-12-01 12:00+00', timestamptz '2026-12-01 12:00+00',
               's' || (1 + i % 10), 'c', 'ch1', 'q1', '1'
        from range(100) as t(i)
        """,
        {"type": QUIZ},
    )


def _roster(con: duckdb.DuckDBPyConnection, type_: str, data: str, student: str | None) -> None:
    _append(
        con,
        "insert into events values ($next, $next, uuid(), 'roster-b', $next, $type, $data, '{}',"
        " now(), now(), $student, null, null, null, null)",
        {"type": type_, "data": data, "student": student},
    )


def _seconds(con: duckdb.DuckDBPyConnection, directory: Path, *, rebuild: bool = False) -> float:
    results = apply_projections(con, load_projections(directory), rebuild=rebuild)
    (step,) = [r for r in results if r.name == "student_days"]
    return round(step.seconds, 3)


def _projections(folder: Path, student_days_sql: str) -> Path:
    folder.mkdir()
    (folder / "quarantine.sql").write_text((PROJECTIONS_DIR / "quarantine.sql").read_text())
    (folder / "student_days.sql").write_text(student_days_sql)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--students", type=int, default=5_000)
    args = parser.parse_args()
    baseline_sql = subprocess.run(
        ["git", "show", f"{BASELINE_COMMIT}:projections/student_days.sql"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "context:" not in baseline_sql, "the baseline must be the UTC-day projection"
    current_sql = (PROJECTIONS_DIR / "student_days.sql").read_text()
    out: dict[str, dict[str, list[float]]] = {"baseline": {}, "school_calendar": {}}
    with tempfile.TemporaryDirectory() as tmp:
        dirs = {
            "baseline": _projections(Path(tmp) / "baseline", baseline_sql),
            "school_calendar": _projections(Path(tmp) / "current", current_sql),
        }
        for _ in range(2):
            for name, directory in dirs.items():
                con = warehouse(args.events, args.students)
                runs = out[name]
                runs.setdefault("rebuild", []).append(_seconds(con, directory))
                _increment(con)
                runs.setdefault("increment", []).append(_seconds(con, directory))
                if name == "school_calendar":
                    data = '{"school_id": "b", "class_id": "b-2", "student_id": "s1"}'
                    _roster(con, "roster/StudentMoved", data, "s1")
                    runs.setdefault("enrolment", []).append(_seconds(con, directory))
                    data = '{"school_id": "b", "time_zone": "America/Chicago"}'
                    _roster(con, "roster/SchoolTimeZoneChanged", data, None)
                    runs.setdefault("zone_change", []).append(_seconds(con, directory))
                con.close()
    best = {name: {k: min(v) for k, v in runs.items()} for name, runs in out.items()}
    print(
        json.dumps(
            {
                "events": args.events,
                "students": args.students,
                "seconds": out,
                "rebuild_ratio_to_baseline": round(
                    best["school_calendar"]["rebuild"] / best["baseline"]["rebuild"], 2
                ),
                "increment_ratio_to_baseline": round(
                    best["school_calendar"]["increment"] / best["baseline"]["increment"], 2
                ),
            }
        )
    )


if __name__ == "__main__":
    main()
