"""An in-memory warehouse with the real projection tables, empty, for query tests.

The tables are created by running the projection files themselves over no events, so a query
test sees exactly the columns and types the pipeline publishes (and the ``qf_*`` macros); a
changed projection shows up in the query tests, not first on a user's snapshot.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import uuid
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

import duckdb

from quizflow.quiz import quiz_stream_id
from quizflow.warehouse.projections import apply_projections, load_projections
from quizflow.warehouse.sqlfiles import schema_statements


@cache
def _table_ddl() -> tuple[str, ...]:
    # Building the projections once and replaying their DDL per test costs a fraction of
    # building them in every test.
    con = duckdb.connect()
    try:
        _prepare(con)
        apply_projections(con, load_projections())
        rows = con.execute(
            "select sql from duckdb_tables() where not temporary order by table_name"
        ).fetchall()
    finally:
        con.close()
    return tuple(str(row[0]) for row in rows)


def _prepare(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("set TimeZone = 'UTC'")
    for statement in schema_statements():
        con.execute(statement)


def empty_warehouse() -> duckdb.DuckDBPyConnection:
    """A new in-memory DuckDB holding every warehouse and projection table, empty."""
    con = duckdb.connect()
    _prepare(con)
    for ddl in _table_ddl():
        con.execute(ddl.replace("CREATE TABLE", "CREATE OR REPLACE TABLE", 1))
    return con


def insert_rows(
    con: duckdb.DuckDBPyConnection, table: str, rows: Iterable[Mapping[str, Any]]
) -> None:
    """Insert rows given as dicts; columns left out are null. ``table`` is a trusted name."""
    for row in rows:
        columns = list(row)
        names = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" for _ in columns)
        con.execute(f'insert into "{table}" ({names}) values ({marks})', list(row.values()))


def insert_questions(con: duckdb.DuckDBPyConnection, rows: Iterable[Mapping[str, Any]]) -> None:
    """Insert ``questions`` rows and the ``known_wrong_answers`` rows the pipeline derives from
    their ``wrong_answers`` (JSON text), normalised and displayed by the same functions."""
    from quizflow.warehouse.display import display_inputs_json
    from quizflow.warehouse.normalise import normalise_inputs_json

    rows = list(rows)
    insert_rows(con, "questions", rows)
    for row in rows:
        listed = json.loads(row.get("wrong_answers") or "[]")
        fields = row.get("fields")
        insert_rows(
            con,
            "known_wrong_answers",
            [
                {
                    "course_id": row["course_id"],
                    "question_id": row["question_id"],
                    "listed_number": number,
                    "inputs": json.dumps(wrong["answer"]),
                    "answer": normalise_inputs_json(json.dumps(wrong["answer"])),
                    "answer_display": display_inputs_json(json.dumps(wrong["answer"]), fields),
                    "misconception": wrong.get("misconception"),
                    "feedback": wrong.get("feedback"),
                }
                for number, wrong in enumerate(listed, start=1)
            ],
        )


T0 = dt.datetime(2025, 3, 3, 8, 0, tzinfo=dt.UTC)


def at(minutes: float) -> dt.datetime:
    """A time ``minutes`` after Monday 3 March 2025, 08:00 UTC."""
    return T0 + dt.timedelta(minutes=minutes)


_positions = itertools.count(1)


def answer_row(
    student_id: str,
    question_id: str,
    correct: bool,
    answer: str | None,
    minutes: float,
    *,
    course_id: str = "math-1",
    chapter_id: str = "ch-1",
    response_ms: int | None = None,
    attempt: int = 1,
    answer_display: str | None = None,
) -> dict[str, Any]:
    """A row of the answers table; positions increase with each call (global order). The
    display defaults to the answer (what one field shows)."""
    position = next(_positions)
    return {
        "event_id": uuid.uuid4(),
        "position": position,
        "occurred_at": at(minutes),
        "course_id": course_id,
        "chapter_id": chapter_id,
        "student_id": student_id,
        "question_id": question_id,
        "correct": correct,
        "inputs": None if answer is None else json.dumps({"_INPUT_1_": answer}),
        "answer": answer,
        "answer_display": answer if answer_display is None else answer_display,
        "response_ms": response_ms,
        "attempt": attempt,
        "stream_id": quiz_stream_id(student_id, course_id, chapter_id),
        "version": position,
    }


def attempt_row(
    student_id: str,
    attempt: int,
    *,
    course_id: str = "math-1",
    chapter_id: str = "ch-1",
    started: float = 0,
    last: float | None = None,
    answers: int = 0,
    wrong: int = 0,
    restarts: int = 0,
    best_streak: int = 0,
    passed: float | None = None,
) -> dict[str, Any]:
    """A row of the attempts table (times in minutes after ``T0``)."""
    last_at = at(passed if passed is not None else (last if last is not None else started))
    return {
        "student_id": student_id,
        "course_id": course_id,
        "chapter_id": chapter_id,
        "attempt": attempt,
        "stream_id": quiz_stream_id(student_id, course_id, chapter_id),
        "started_at": at(started),
        "first_event_at": at(started),
        "last_event_at": last_at,
        "questions_assigned": answers,
        "questions_answered": answers,
        "correct_answers": answers - wrong,
        "wrong_answers": wrong,
        "restarts": restarts,
        "best_streak": best_streak,
        "streak": 0,
        "passed_at": None if passed is None else at(passed),
        "passed": passed is not None,
        "outcome": "passed" if passed is not None else "in progress",
        "duration_ms": int((last_at - at(started)).total_seconds() * 1000),
    }
