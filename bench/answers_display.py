"""What `answers.answer_display` costs: `uv run python bench/answers_display.py --answers 300000`.

Builds an in-memory warehouse with the sample course published once and N answer events to
its questions (right and listed wrong answers, some with stray spaces), then builds the
answers projection from scratch with the SQL before answer_display existed (the baseline,
taken from git) and with today's, twice each, alternating. Prints one JSON document.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from quizflow.content import load_course_file, sample_course_path
from quizflow.warehouse import display, normalise
from quizflow.warehouse.sqlfiles import schema_statements

ROOT = Path(__file__).resolve().parents[1]
# The last answers.sql without answer_display.
BASELINE_COMMIT = "5201330"
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def warehouse(answers: int, seed: int = 1) -> duckdb.DuckDBPyConnection:
    course = load_course_file(sample_course_path())
    questions = [(c["chapter_id"], q) for c in course["chapters"] for q in c["questions"]]
    rng = random.Random(seed)
    con = duckdb.connect()
    for statement in schema_statements():
        con.execute(statement)
    columns = [row[0] for row in con.execute("describe events").fetchall()]
    rows: dict[str, list[Any]] = {c: [] for c in columns}

    def add(position: int, stream: str, version: int, type_: str, data: dict[str, Any]) -> None:
        values = {
            "position": position,
            "tx": position,
            "event_id": str(uuid.uuid4()),
            "stream_id": stream,
            "version": version,
            "type": type_,
            "data": json.dumps(data),
            "metadata": "{}",
            "occurred_at": T0 + dt.timedelta(seconds=position),
            "recorded_at": T0 + dt.timedelta(seconds=position),
            "student_id": data.get("student_id"),
            "course_id": data.get("course_id"),
            "chapter_id": data.get("chapter_id"),
            "question_id": data.get("question_id"),
            "attempt": None if "attempt" not in data else str(data["attempt"]),
        }
        for column in columns:
            rows[column].append(values.get(column))

    add(1, "course-sample-maths", 1, "course/CoursePublished", course)
    for n in range(answers):
        chapter, question = rng.choice(questions)
        student = f"s{rng.randrange(3000)}"
        wrong = rng.random() < 0.4
        listed = rng.choice(question["wrong_answers"])["answer"] if wrong else None
        inputs = dict(listed) if listed else {k: v[0] for k, v in question["accepted"].items()}
        if rng.random() < 0.1:
            inputs = {name: value + " " for name, value in inputs.items()}
        kind = "Incorrectly" if wrong else "Correctly"
        data = {
            "student_id": student,
            "course_id": course["course_id"],
            "chapter_id": chapter,
            "attempt": 1,
            "question_id": question["question_id"],
            "inputs": inputs,
            "streak": 1,
        }
        stream = f"chapter-quiz/{student}/{course['course_id']}/{chapter}"
        add(n + 2, stream, n + 1, f"chapter-quiz/QuestionAnswered{kind}", data)
    con.register("incoming", pa.table(rows))
    con.execute("insert into events by name select * from incoming")
    con.execute("create or replace view valid_events as select * from events")
    normalise.register(con)
    con.execute(
        "create or replace temp view projection_input as"
        " select * from valid_events where type like 'chapter-quiz/%'"
    )
    return con


def build_seconds(con: duckdb.DuckDBPyConnection, sql: str) -> float:
    # Cold caches: each build normalises and displays every distinct answer itself.
    display.display_inputs_json.cache_clear()
    normalise.normalise_inputs_json.cache_clear()
    started = time.monotonic()
    con.execute(f"create or replace table answers_built as {sql}")
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=300_000)
    args = parser.parse_args()
    baseline_sql = subprocess.run(
        ["git", "show", f"{BASELINE_COMMIT}:projections/answers.sql"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    current_sql = (ROOT / "projections" / "answers.sql").read_text()
    con = warehouse(args.answers)
    runs: dict[str, list[float]] = {"baseline": [], "with_display": []}
    for _ in range(2):
        runs["baseline"].append(round(build_seconds(con, baseline_sql), 3))
        runs["with_display"].append(round(build_seconds(con, current_sql), 3))
    best = {name: min(seconds) for name, seconds in runs.items()}
    print(
        json.dumps(
            {
                "answers": args.answers,
                "seconds": runs,
                "ratio_to_baseline": round(best["with_display"] / best["baseline"], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
