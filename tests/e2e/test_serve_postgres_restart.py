"""`quizflow serve` while PostgreSQL is stopped and started again under it: a clean stop
(pg_ctl -m fast), an abrupt one (-m immediate) and a crash (SIGKILL), with students answering
all the while.

Requests in flight while the database is away may get a clean 503 (JSON with a message and
Retry-After), nothing worse: no other 5xx, no reset connection. Once PostgreSQL is back, every
student's next request succeeds, and every command the server acknowledged is in the store.
The server runs on a PostgreSQL of its own (tests/throwaway_postgres.py).
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from quizflow.app.publishing import publish_course
from quizflow.eventstore.logins import apply_logins
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.settings import load_settings
from tests.e2e.conftest import COURSE, COURSE_ID, PASSWORD, QUESTIONS, add_accounts
from tests.fault_figures import record_figures
from tests.throwaway_postgres import ThrowawayPostgres, throwaway_postgres

pytestmark = [pytest.mark.slow, pytest.mark.faults]

CHAPTER_ID: str = COURSE["chapters"][0]["chapter_id"]
QUIZ = f"/api/quizzes/{COURSE_ID}/{CHAPTER_ID}"
STUDENTS = ("alice", "bob", "carol")
SEED = int(os.environ.get("QUIZFLOW_FAULT_SEED", "1616"))


@dataclass
class Answered:
    student: str
    sent_at: float
    method: str
    path: str
    status: int  # 0: no answer at all (a reset or closed connection)
    body: dict[str, Any] | str
    done_at: float


@dataclass
class Students:
    """Students working through their quiz, each on one keep-alive connection."""

    url: str
    log: list[Answered] = field(default_factory=list)
    acknowledged: set[str] = field(default_factory=set)
    broke: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def signed_in(self, student: str) -> httpx.Client:
        client = httpx.Client(base_url=self.url, timeout=60)
        signed_in = client.post("/api/signin", json={"username": student, "password": PASSWORD})
        assert signed_in.status_code == 200, signed_in.text
        return client

    def run(self, client: httpx.Client, student: str, rng: random.Random) -> None:
        try:
            self._work(client, student, rng)
        except BaseException as error:  # the test fails on it, not the thread alone
            self.broke.append(f"{student}: {error!r}")
            raise

    def _work(self, client: httpx.Client, student: str, rng: random.Random) -> None:
        while not self.stop.is_set():
            view = self._send(client, student, "GET", QUIZ)
            if isinstance(view.body, dict) and view.status == 200:
                self._send(client, student, "POST", *_next_command(view.body, rng))
            time.sleep(rng.uniform(0.01, 0.05))

    def _send(
        self, client: httpx.Client, student: str, method: str, path: str, body: Any = None
    ) -> Answered:
        sent_at = time.monotonic()
        try:
            response = client.request(method, path, json=body)
            try:
                parsed: dict[str, Any] | str = response.json()
            except ValueError:
                parsed = response.text
            answered = Answered(
                student, sent_at, method, path, response.status_code, parsed, time.monotonic()
            )
        except httpx.TransportError as error:
            answered = Answered(student, sent_at, method, path, 0, repr(error), time.monotonic())
        with self.lock:
            self.log.append(answered)
            if answered.status == 200 and isinstance(answered.body, dict):
                self.acknowledged |= {e["event_id"] for e in answered.body.get("events", [])}
        return answered


def _next_command(view: dict[str, Any], rng: random.Random) -> tuple[str, dict[str, Any]]:
    body: dict[str, Any] = {"command_id": str(uuid.uuid4())}
    question = view.get("question")
    status = view.get("status")
    if question and status == "awaiting-answer":
        accepted = QUESTIONS[question["question_id"]]
        if rng.random() < 0.7:
            inputs = {name: values[0] for name, values in accepted["accepted"].items()}
        else:
            inputs = dict(accepted["wrong_answers"][0]["answer"])
        body |= {"question_id": question["question_id"], "inputs": inputs}
        return f"{QUIZ}/answer", body
    if status == "answered-correctly":
        return f"{QUIZ}/next", body
    if status == "answered-incorrectly":
        return f"{QUIZ}/start-over", body
    return f"{QUIZ}/start", body


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def restartable() -> Iterator[ThrowawayPostgres]:
    with throwaway_postgres() as pg:
        yield pg


@pytest.fixture
def served(restartable: ThrowawayPostgres, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """`quizflow serve` over a database on the restartable server: (its URL, the database's)."""
    url = restartable.database(f"serve_{uuid.uuid4().hex[:8]}")
    with PostgresEventStore(url) as store:
        publish_course(store, COURSE)
        add_accounts(url, store)
    # The login roles are this server's own: they get the passwords every test process reads
    # (tests/conftest.py shares one file), which serve would not apply to roles that exist.
    apply_logins(url, load_settings().db_logins_path)
    port = _free_port()
    env = {**os.environ, "QUIZFLOW_DATABASE_URL": url, "QUIZFLOW_HOME": str(tmp_path / "home")}
    log = tmp_path / "serve.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "quizflow.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, log.read_text()
            try:
                if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "quizflow serve did not answer"
            time.sleep(0.1)
        yield base, url
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        print(log.read_text()[-5000:])  # shown when the test fails: what the server logged


def _answered_after(students: Students, student: str, moment: float) -> int:
    with students.lock:
        return sum(a.student == student and a.sent_at > moment for a in students.log)


def _stored(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("select event_id::text from quizflow.events").fetchall()
    return {row[0] for row in rows}


def test_serve_answers_through_postgresql_stopped_and_started_under_it(
    restartable: ThrowawayPostgres, served: tuple[str, str]
) -> None:
    base, url = served
    rng = random.Random(SEED)
    students = Students(base)
    threads = [
        threading.Thread(
            target=students.run,
            args=(students.signed_in(s), s, random.Random(rng.random())),
            daemon=True,
        )
        for s in STUDENTS
    ]
    for thread in threads:
        thread.start()

    faults: list[tuple[str, Callable[[], None]]] = [
        ("pg_ctl stop -m fast", lambda: restartable.stop("fast")),
        ("pg_ctl stop -m immediate", lambda: restartable.stop("immediate")),
        ("SIGKILL", restartable.kill),
    ]
    outages: list[tuple[float, float]] = []  # from the fault to PostgreSQL accepting again
    try:
        for _, fault in faults:
            time.sleep(rng.uniform(0.5, 1.5))
            began = time.monotonic()
            fault()
            time.sleep(rng.uniform(0.2, 1.0))  # requests meet the database away
            restartable.start()
            outages.append((began, time.monotonic()))
        # Every student gets a few requests in after the last restart.
        back = outages[-1][1]
        deadline = time.monotonic() + 60
        while min(_answered_after(students, s, back) for s in STUDENTS) < 3:
            assert time.monotonic() < deadline, "students stopped getting answers"
            time.sleep(0.1)
    finally:
        students.stop.set()
        for thread in threads:
            thread.join(timeout=90)

    assert not students.broke, students.broke
    log = students.log
    five_hundreds = [a for a in log if a.status >= 500]
    unclean = [
        a
        for a in log
        if a.status == 0
        or (
            a.status >= 500
            and not (
                a.status == 503
                and isinstance(a.body, dict)
                and a.body.get("error") == "database-unavailable"
                and a.body.get("detail")
            )
        )
    ]
    # Once the database is back, a student's next request succeeds: a 503 only for a request
    # that was in flight, or sent, while the database was away.
    late = [
        a
        for a in five_hundreds
        if not any(a.sent_at <= back and a.done_at >= began for began, back in outages)
    ]
    # The faults met requests: some were in flight, or sent, during every outage.
    met = [sum(a.sent_at <= back and a.done_at >= began for a in log) for began, back in outages]
    record_figures(
        "serve-postgresql-restarts",
        {
            "seed": SEED,
            "faults_tried": len(faults),
            "requests": len(log),
            "requests_during_outages": sum(met),
            "answered_5xx": len(five_hundreds),
            "answered_5xx_other_than_a_clean_503": len(unclean),
            "commands_acknowledged_events": len(students.acknowledged),
        },
    )
    assert all(met), met
    assert not unclean, [(a.method, a.path, a.status, a.body) for a in unclean[:5]]
    assert not late, [(a.path, a.status, a.body) for a in late[:5]]
    after = [a for a in log if a.sent_at > outages[-1][1]]
    assert after and all(a.status < 500 for a in after), [a for a in after if a.status >= 500]
    # Nothing the server acknowledged was lost, the crash included.
    missing = students.acknowledged - _stored(url)
    assert not missing, f"{len(missing)} acknowledged events are not in the store"
    assert len(students.acknowledged) > 0
