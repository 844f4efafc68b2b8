"""`quizflow serve` over a long history: ready once courses, roster and accounts are read,
without folding the quizzes, and what it then shows equals a full replay of the log.

The history is synthetic quiz streams COPY-loaded (as the benchmarks load theirs), for a course
published with the chapters they name; a few of their students are enrolled with accounts.
The server is the real command in a process of its own.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from quizflow.accounts import credentials, passwords
from quizflow.accounts.admin import append
from quizflow.app.publishing import publish_course
from quizflow.app.readmodel import ReadModel
from quizflow.app.web.accounts import ACCOUNTS_GROUP
from quizflow.app.web.teacher_views import student_view
from quizflow.app.web.views import chapters_view
from quizflow.bench.history_serve import Served, log_head
from quizflow.content import load_course_file, sample_course_path
from quizflow.eventstore.bulk import copy_rows, synthetic_quiz_rows
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.quiz import AccountCreated, ClassRegistered, SchoolRegistered, StudentEnrolled

pytestmark = pytest.mark.slow

EVENTS = 60_000
PASSWORD = "correct horse battery staple"
# Synthetic students with a history, and one without.
STUDENTS = ("s0", "s1", "s2", "s150", "s-new")
TEACHER = "t-1"


def _course() -> dict[str, Any]:
    """The course the synthetic streams name: math-1, chapters ch-1 to ch-8 (the sample
    course's chapters, each twice, with ids of their own)."""
    sample = load_course_file(sample_course_path())
    chapters = []
    for number in range(1, 9):
        chapter = copy.deepcopy(sample["chapters"][(number - 1) % len(sample["chapters"])])
        chapter["chapter_id"] = f"ch-{number}"
        chapter["title"] = f"{chapter['title']} ({number})"
        for question in chapter["questions"]:
            question["question_id"] = f"{question['question_id']}-{number}"
        chapters.append(chapter)
    return {**sample, "course_id": "math-1", "title": "Maths 1", "chapters": chapters}


def _roster(store: PostgresEventStore, pg_url: str) -> None:
    facts: list[Any] = [
        SchoolRegistered("sch", "School"),
        ClassRegistered("sch", "c-1", "Class 1", TEACHER, "Ms One"),
        AccountCreated(TEACHER, "sch", "Ms One", ("teacher",)),
    ]
    for student in STUDENTS:
        facts.append(StudentEnrolled("sch", "c-1", student, f"Student {student}"))
        facts.append(AccountCreated(student, "sch", f"Student {student}", ("student",)))
    append(store, facts, "test")
    hashed = passwords.hash_password(PASSWORD)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"set role {ACCOUNTS_GROUP}")
        for account in (TEACHER, *STUDENTS):
            credentials.add(conn, account, account, hashed)


@pytest.fixture
def history(pg_url: str) -> Iterator[PostgresEventStore]:
    assert copy_rows(pg_url, synthetic_quiz_rows(EVENTS)) == EVENTS
    store = PostgresEventStore(pg_url, max_size=4)
    publish_course(store, _course())
    _roster(store, pg_url)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("vacuum (analyze) quizflow.events")
    yield store
    store.close()


def _client(url: str, user: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=30)
    signed_in = client.post("/api/signin", json={"username": user, "password": PASSWORD})
    assert signed_in.status_code == 200, signed_in.text
    return client


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value))


def test_serve_over_a_long_history_is_ready_without_the_quizzes_and_shows_a_full_replay(
    history: PostgresEventStore, pg_url: str, tmp_path: Path
) -> None:
    # The head a reader may see lags while another transaction in the cluster runs: wait until
    # it is the last event, so "caught up" means the whole history.
    head = log_head(pg_url)
    while history.exists_after(head):
        time.sleep(0.05)
        head = log_head(pg_url)
    reference = ReadModel(history, every_student=True)
    try:
        with Served(pg_url, tmp_path / "home") as served:
            served.wait_caught_up(head, timeout_s=120)
            teacher = _client(served.url, TEACHER)
            # Ready having read courses, roster and accounts only: no quiz event yet.
            health = teacher.get("/api/health").json()["read_model"]
            assert health["students_loaded"] == 0 and health["quizzes"] == 0, health
            assert health["events_applied"] < 50 and health["students"] == len(STUDENTS)

            reference.start(catch_up_timeout=None)
            assert reference.wait_for(head, timeout=300)
            assert reference.status()["events_applied"] >= EVENTS
            school_class = reference.school_class("c-1")
            assert school_class is not None
            shown = 0
            for student_id in STUDENTS:
                student = reference.student(student_id)
                assert student is not None
                mine = _client(served.url, student_id).get("/api/courses")
                assert mine.status_code == 200, mine.text
                assert mine.json() == _plain(chapters_view(reference, student_id))
                seen = teacher.get(f"/api/teacher/students/{student_id}")
                assert seen.status_code == 200, seen.text
                expected = _plain(student_view(reference, student, school_class))
                assert seen.json() == expected
                shown += len(expected["recent_answers"])
            assert shown > 0  # the synthetic students did answer
            health = teacher.get("/api/health").json()["read_model"]
            assert health["students_loaded"] == len(STUDENTS), health
    finally:
        reference.stop()
