"""Realistic quiz events for the warehouse tests, appended through the real event store.

Follows docs/events.md: a published course, a school roster, and chapter quiz runs in which
students answer randomly assigned questions, restart after a mistake and pass after three
correct answers in a row. Deterministic for a given seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from quizflow.eventstore import NewEvent
from quizflow.eventstore.postgres import PostgresEventStore

START_AT = datetime(2025, 3, 3, 8, 30, tzinfo=UTC)

QUESTIONS = [
    ("What is 1/2 + 1/4?", {"_INPUT_1_": ["3/4", "0.75"]}, [{"_INPUT_1_": "2/6"}]),
    ("What is 0.2 x 2.5?", {"_INPUT_1_": ["0.5", "1/2"]}, [{"_INPUT_1_": "5"}]),
    ("Name the capital of France.", {"_INPUT_1_": ["paris"]}, [{"_INPUT_1_": "lyon"}]),
    ("Solve 2x = 8.", {"_INPUT_1_": ["4"]}, [{"_INPUT_1_": "6"}, {"_INPUT_1_": "16"}]),
    (
        "Give the coordinates of the top.",
        {"_INPUT_1_": ["2"], "_INPUT_2_": ["-1"]},
        [{"_INPUT_1_": "-1", "_INPUT_2_": "2"}],
    ),
]


@dataclass
class Course:
    course_id: str
    chapters: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def publish_course(
    store: PostgresEventStore,
    course_id: str = "math-1",
    chapters: int = 2,
    questions_per_chapter: int = 5,
    version: int = 1,
    at: datetime = START_AT,
) -> Course:
    course = Course(course_id)
    payload_chapters = []
    for c in range(1, chapters + 1):
        chapter_id = f"ch-{c}"
        questions = []
        for q in range(1, questions_per_chapter + 1):
            text, accepted, wrong = QUESTIONS[(c * 7 + q) % len(QUESTIONS)]
            questions.append(
                {
                    "question_id": f"q-{c}-{q}",
                    "text": text,
                    "fields": [{"name": name, "label": name} for name in accepted],
                    "accepted": accepted,
                    "equivalence": {name: "number" for name in accepted},
                    "wrong_answers": [
                        {"answer": a, "misconception": "a common slip"} for a in wrong
                    ],
                    "difficulty": round(0.3 * (q - 3), 2),
                }
            )
        course.chapters[chapter_id] = questions
        payload_chapters.append(
            {"chapter_id": chapter_id, "title": f"Chapter {c}", "questions": questions}
        )
    data = {
        "course_id": course_id,
        "title": "Mathematics",
        "version": version,
        "chapters": payload_chapters,
    }
    store.append(
        f"course-{course_id}", "any", [NewEvent("course/CoursePublished", data, occurred_at=at)]
    )
    return course


def register_roster(
    store: PostgresEventStore,
    school_id: str,
    class_id: str,
    students: list[str],
    at: datetime = START_AT,
) -> None:
    stream = f"roster-{school_id}"
    events = []
    if store.stream_version(stream) == 0:
        events.append(
            NewEvent(
                "roster/SchoolRegistered",
                {"school_id": school_id, "name": f"School {school_id}"},
                occurred_at=at,
            )
        )
    events.append(
        NewEvent(
            "roster/ClassRegistered",
            {
                "school_id": school_id,
                "class_id": class_id,
                "name": f"Class {class_id}",
                "teacher_id": f"t-{class_id}",
                "teacher_name": f"Teacher {class_id}",
            },
            occurred_at=at,
        )
    )
    events += [
        NewEvent(
            "roster/StudentEnrolled",
            {"school_id": school_id, "class_id": class_id, "student_id": s, "name": s.title()},
            occurred_at=at,
        )
        for s in students
    ]
    store.append(stream, "any", events)


def run_quiz(
    store: PostgresEventStore,
    course: Course,
    student_id: str,
    chapter_id: str,
    rng: random.Random,
    at: datetime,
    p_correct: float = 0.7,
    max_questions: int = 12,
) -> datetime:
    """One chapter quiz attempt (passed, or left after ``max_questions``); returns the end time."""
    stream = f"chapter-quiz-{student_id}-{course.course_id}-{chapter_id}"
    ids = {"student_id": student_id, "course_id": course.course_id, "chapter_id": chapter_id}
    version = store.stream_version(stream)
    attempt = sum(1 for e in store.read_stream(stream) if e.type == "chapter-quiz/QuizStarted") + 1
    questions = course.chapters[chapter_id]

    def append(*events: tuple[str, dict[str, Any]]) -> None:
        nonlocal version, at
        new = [
            NewEvent(t, {**ids, "attempt": attempt, **d}, {"user_id": student_id}, occurred_at=at)
            for t, d in events
        ]
        store.append(stream, version, new)
        version += len(new)

    def assign() -> dict[str, Any]:
        question = rng.choice(questions)
        append(("chapter-quiz/QuestionAssigned", {"question_id": question["question_id"]}))
        return question

    append(("chapter-quiz/QuizStarted", {}))
    question, streak = assign(), 0
    for _ in range(max_questions):
        at += timedelta(seconds=rng.randint(4, 90), milliseconds=rng.randint(0, 999))
        qid = question["question_id"]
        if rng.random() < p_correct:
            inputs = {
                name: _spelled(rng.choice(values), rng)
                for name, values in question["accepted"].items()
            }
            streak += 1
            append(
                (
                    "chapter-quiz/QuestionAnsweredCorrectly",
                    {"question_id": qid, "inputs": inputs, "streak": streak},
                )
            )
            if streak == 3:
                append(("chapter-quiz/QuizPassed", {}))
                return at
        else:
            inputs = dict(rng.choice(question["wrong_answers"])["answer"])
            append(
                (
                    "chapter-quiz/QuestionAnsweredIncorrectly",
                    {"question_id": qid, "inputs": inputs},
                ),
                ("chapter-quiz/QuizStartedOver", {}),
            )
            streak = 0
        at += timedelta(seconds=rng.randint(1, 5))
        question = assign()
    return at


def _spelled(value: str, rng: random.Random) -> str:
    """How students type an accepted answer: stray spaces, capitals, a dropped leading zero."""
    choice = rng.random()
    if choice < 0.15:
        return f"  {value} "
    if choice < 0.25:
        return value.upper()
    if choice < 0.35 and value.startswith("0."):
        return value[1:]
    return value


def populate(
    store: PostgresEventStore,
    students: int = 6,
    seed: int = 7,
    days: int = 3,
    at: datetime = START_AT,
) -> Course:
    """A course, a class, and every student taking quizzes over a few days."""
    rng = random.Random(seed)
    course = publish_course(store, at=at)
    names = [f"s{n}" for n in range(1, students + 1)]
    register_roster(store, "school-1", "class-1a", names, at=at)
    for day in range(days):
        day_start = at + timedelta(days=day)
        for student in names:
            clock = day_start + timedelta(minutes=rng.randint(0, 120))
            for chapter_id in course.chapters:
                if rng.random() < 0.7:
                    clock = run_quiz(store, course, student, chapter_id, rng, clock)
    return course


def append_malformed(store: PostgresEventStore, at: datetime = START_AT) -> None:
    """Two events the warehouse must quarantine: an unknown type and an answer without inputs."""
    store.append("mystery-1", "any", [NewEvent("mystery/Happened", {"what": "?"}, occurred_at=at)])
    store.append(
        "chapter-quiz-s99-math-1-ch-1",
        "any",
        [
            NewEvent(
                "chapter-quiz/QuestionAnsweredCorrectly",
                {
                    "student_id": "s99",
                    "course_id": "math-1",
                    "chapter_id": "ch-1",
                    "attempt": 1,
                    "question_id": "q-1-1",
                    "streak": 1,
                },
                occurred_at=at,
            )
        ],
    )


def table_rows(db_path: Any, tables: list[str]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of each table (columns by name, rows sorted), for comparing two warehouses."""
    import duckdb

    out: dict[str, list[tuple[Any, ...]]] = {}
    with duckdb.connect(str(db_path), read_only=True) as con:
        for table in tables:
            columns = sorted(
                row[0]
                for row in con.execute(
                    "select column_name from information_schema.columns where table_name = ?",
                    [table],
                ).fetchall()
            )
            select = ", ".join(f'"{c}"::varchar' for c in columns)
            rows = con.execute(f'select {select} from "{table}"').fetchall()
            out[table] = sorted(rows, key=lambda r: tuple("" if v is None else v for v in r))
    return out


PROJECTION_TABLES = [
    "events",
    "quarantine",
    "answers",
    "attempts",
    "questions",
    "roster",
    "student_days",
]


def run_until_caught_up(settings: Any, url: str) -> dict[str, set[str]]:
    """Pipeline runs until the warehouse holds every event appended so far (another test's open
    transaction on the shared server may hold the ingest back: lag, never loss); returns the
    modes each projection was applied in over those runs."""
    import time

    import psycopg

    from quizflow.eventstore.types import Cursor
    from quizflow.warehouse import run_pipeline

    with psycopg.connect(url) as conn:
        row = conn.execute(
            "select tx::text::bigint, position from quizflow.events"
            " order by tx desc, position desc limit 1"
        ).fetchone()
    last = Cursor(*row) if row else Cursor(0, 0)
    deadline = time.monotonic() + 120
    modes: dict[str, set[str]] = {}
    while True:
        summary = run_pipeline(settings, url, checks=False)
        for p in summary.projections:
            modes.setdefault(p.name, set()).add(p.mode)
        if summary.ingest.cursor >= last:
            return modes
        assert time.monotonic() < deadline, "the ingest never caught up"
        time.sleep(0.2)
