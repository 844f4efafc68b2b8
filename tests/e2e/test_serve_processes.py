"""Several web processes over one database: `quizflow serve` twice on two ports (as behind a
proxy), and `quizflow serve --workers 2` on one. A student whose requests land on different
processes reads their own writes on every one of them."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, closing
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from quizflow.app.publishing import publish_course
from quizflow.eventstore.logins import apply_logins
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.settings import load_settings
from tests.e2e.conftest import COURSE, PASSWORD, QUESTIONS, add_accounts, free_port
from tests.throwaway_postgres import ThrowawayPostgres, throwaway_postgres

pytestmark = pytest.mark.slow

QUIZ = f"/api/quizzes/{COURSE['course_id']}/{COURSE['chapters'][0]['chapter_id']}"


class Served:
    """One `quizflow serve` process, stopped with SIGTERM."""

    def __init__(self, env: dict[str, str], log: Path, workers: int = 1) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._out = log.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from quizflow.cli import main; main()",
                "serve",
                "--port",
                str(self.port),
                "--workers",
                str(workers),
            ],
            env=env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, processes: int = 1, timeout: float = 180.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            if self.log.read_text().count(" ready on ") >= processes:
                return
            time.sleep(0.1)
        raise AssertionError(f"not ready in {timeout:.0f}s:\n{self.log.read_text()}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._out.close()


@pytest.fixture(scope="module")
def own_server() -> Iterator[ThrowawayPostgres]:
    """A server of this module's own: the test holds a transaction open on it, which holds
    back every reader of the cluster (the shared server's other users included)."""
    with throwaway_postgres() as pg:
        yield pg


@pytest.fixture
def served_env(own_server: ThrowawayPostgres, tmp_path: Path) -> Iterator[dict[str, str]]:
    url = own_server.database(f"serve_{uuid.uuid4().hex[:8]}")
    with PostgresEventStore(url, max_size=2) as store:
        publish_course(store, COURSE)
        add_accounts(url, store)
    # The login roles are this server's own: they get the passwords every test process reads.
    apply_logins(url, load_settings().db_logins_path)
    yield {
        **os.environ,
        "QUIZFLOW_DATABASE_URL": url,
        "QUIZFLOW_HOME": str(tmp_path / "home"),
        # Every process signs the cookie with the same key, as behind one address they must.
        "QUIZFLOW_SECRET": secrets.token_urlsafe(24),
    }


@pytest.fixture
def two_ports(served_env: dict[str, str], tmp_path: Path) -> Iterator[tuple[Served, Served]]:
    with ExitStack() as stack:
        servers = []
        for name in ("a", "b"):
            server = Served(served_env, tmp_path / f"serve-{name}.log")
            stack.callback(server.stop)
            servers.append(server)
        for server in servers:
            server.wait_ready()
        yield servers[0], servers[1]


def _command(client: httpx.Client, url: str, action: str, **body: Any) -> dict[str, Any]:
    response = client.post(f"{url}{QUIZ}/{action}", json={"command_id": str(uuid.uuid4()), **body})
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


def _view(client: httpx.Client, url: str) -> dict[str, Any]:
    response = client.get(f"{url}{QUIZ}")
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


def _right(question_id: str) -> dict[str, str]:
    return {name: values[0] for name, values in QUESTIONS[question_id]["accepted"].items()}


def _wrong(question_id: str) -> dict[str, str]:
    return dict(QUESTIONS[question_id]["wrong_answers"][0]["answer"])


@pytest.mark.parametrize("held_back", [False, True], ids=["live", "log-held-back"])
def test_a_student_alternating_between_two_processes_reads_each_write_on_the_other(
    two_ports: tuple[Served, Served], served_env: dict[str, str], held_back: bool
) -> None:
    """``held_back``: a transaction stays open on the server meanwhile, so neither process's
    subscription can pass it (lag, never loss): each view must then read the student's own
    streams, within the default read-your-writes wait."""
    a, b = two_ports
    with ExitStack() as stack:
        if held_back:
            holder = stack.enter_context(
                psycopg.connect(served_env["QUIZFLOW_DATABASE_URL"], autocommit=True)
            )
            holder.execute("begin")
            holder.execute("select pg_current_xact_id()")
        _alternate(a, b)


def _alternate(a: Served, b: Served) -> None:
    # One cookie jar for both ports, as one browser behind a proxy that spreads requests.
    with httpx.Client(timeout=60) as client:
        signed_in = client.post(
            f"{a.url}/api/signin", json={"username": "alice", "password": PASSWORD}
        )
        assert signed_in.status_code == 200, signed_in.text
        # Both processes show the quiz once before it changes: each holds alice's quizzes and
        # must learn of the other's commands, not read them fresh on first use.
        assert _view(client, a.url)["status"] == _view(client, b.url)["status"]
        result = _command(client, a.url, "start")
        here, there = b, a
        for turn in range(12):
            view = _view(client, here.url)
            assert view["fresh"] is True, view
            assert view["version"] == result["version"], (turn, view, result)
            question_id = view["question"]["question_id"]
            right = turn % 3 != 2
            inputs = _right(question_id) if right else _wrong(question_id)
            result = _command(client, there.url, "answer", question_id=question_id, inputs=inputs)
            view = _view(client, here.url)
            assert view["version"] == result["version"], (turn, view, result)
            assert view["last_answer"]["correct"] is right
            assert view["last_answer"]["question_id"] == question_id
            if view["status"] == "passed":
                result = _command(client, there.url, "start")
            else:
                result = _command(client, here.url, "next" if right else "start-over")
            here, there = there, here
        # The health document names the process that answered: two of them served.
        pids = {client.get(f"{s.url}/api/health").json()["process"] for s in (a, b)}
        assert len(pids) == 2


def test_serve_with_two_workers_answers_from_both_and_reads_your_writes(
    served_env: dict[str, str], tmp_path: Path
) -> None:
    server = Served(served_env, tmp_path / "serve-workers.log", workers=2)
    try:
        server.wait_ready(processes=2)
        with closing(httpx.Client(timeout=60)) as signer:
            signed_in = signer.post(
                f"{server.url}/api/signin", json={"username": "bob", "password": PASSWORD}
            )
            assert signed_in.status_code == 200, signed_in.text
            cookies = dict(signer.cookies)
        pids: set[int] = set()
        result: dict[str, Any] | None = None
        # A new connection per request: the kernel hands each to either worker.
        deadline = time.monotonic() + 120
        turns = 0
        while len(pids) < 2 or turns < 10:
            assert time.monotonic() < deadline, f"one worker answered everything: {pids}"
            with httpx.Client(timeout=60, cookies=cookies) as client:
                if result is None:
                    result = _command(client, server.url, "start")
                    continue
                view = _view(client, server.url)
                assert view["fresh"] is True and view["version"] == result["version"]
                question_id = view["question"]["question_id"]
                result = _command(
                    client,
                    server.url,
                    "answer",
                    question_id=question_id,
                    inputs=_wrong(question_id),
                )
            with httpx.Client(timeout=60, cookies=cookies) as client:
                assert _view(client, server.url)["version"] == result["version"]
                result = _command(client, server.url, "start-over")
                pids.add(client.get(f"{server.url}/api/health").json()["process"])
            turns += 1
    finally:
        server.stop()
    assert server.process.returncode == 0, server.log.read_text()
