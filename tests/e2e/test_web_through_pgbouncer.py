"""The web app with its command, session and sign-in connections through PgBouncer in
transaction mode (Debian's pgbouncer, started by the test), while the read model's LISTEN
stays on a direct connection."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import uvicorn

from quizflow.accounts.settings import AuthSettings
from quizflow.app.handler import CommandHandler
from quizflow.app.publishing import publish_course
from quizflow.app.readmodel import ReadModel
from quizflow.app.web import WebContext, create_app
from quizflow.app.web.accounts import WebAccounts
from quizflow.app.web.server import ModelCatalog
from quizflow.bench.pgbouncer import PgBouncer, logins_seen, pgbouncer_binary
from quizflow.eventstore.connections import connection_kwargs
from quizflow.eventstore.logins import apply_logins
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.settings import load_settings
from tests.e2e.conftest import COURSE, PASSWORD, SECRET, Site, add_accounts, free_port
from tests.throwaway_postgres import ThrowawayPostgres, throwaway_postgres

QUIZ = f"/api/quizzes/{COURSE['course_id']}/{COURSE['chapters'][0]['chapter_id']}"


@pytest.fixture(scope="module")
def own_server() -> Iterator[ThrowawayPostgres]:
    """A server of this module's own, whose login roles get the passwords of the test
    processes' shared file: PgBouncer logs in with them."""
    with throwaway_postgres() as pg:
        yield pg


@pytest.fixture(scope="module")
def pgbouncer(own_server: ThrowawayPostgres) -> Iterator[PgBouncer]:
    if pgbouncer_binary() is None:
        pytest.skip("pgbouncer is not installed (Debian: apt-get install pgbouncer)")
    first = own_server.database(f"pgbouncer_{uuid.uuid4().hex[:8]}")
    passwords = apply_logins(first, load_settings().db_logins_path)
    bouncer = PgBouncer(
        own_server.server_url,
        {"quizflow_web": passwords["web"], "quizflow_signin": passwords["signin"]},
        pool_size=4,
    )
    with bouncer:
        yield bouncer


@pytest.fixture
def pg_url(own_server: ThrowawayPostgres) -> str:
    """A fresh, migrated database on this module's server (the owner's URL)."""
    return own_server.database(f"pooled_{uuid.uuid4().hex[:8]}")


def _database(url: str) -> str:
    return str(psycopg.conninfo.conninfo_to_dict(url)["dbname"])


@pytest.fixture
def pooled_site(pg_url: str, pgbouncer: PgBouncer, tmp_path: Path) -> Iterator[Site]:
    """The app as the e2e ``site``, but commands, sessions and sign-in through PgBouncer."""
    store = PostgresEventStore(pg_url, max_size=6)
    publish_course(store, COURSE)
    add_accounts(pg_url, store)
    model = ReadModel(store)
    database = _database(pg_url)
    ctx = WebContext(
        store,
        CommandHandler(store, ModelCatalog(store, model)),
        model,
        tmp_path / "reports",
        read_wait_s=20.0,
        signin_url=pg_url,
        auth=AuthSettings(),
        commands_url=pgbouncer.url(database, "quizflow_web"),
        sessions_url=pgbouncer.url(database, "quizflow_signin"),
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(ctx, SECRET), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield Site(f"http://127.0.0.1:{port}", store, model, tmp_path / "reports")
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        store.close()


def _command(client: httpx.Client, action: str, **body: Any) -> dict[str, Any]:
    response = client.post(f"{QUIZ}/{action}", json={"command_id": str(uuid.uuid4()), **body})
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


def _take_turns(site: Site, student: str, rounds: int) -> None:
    """Wrong answers and starts over, each view checked to show the command before it."""
    with closing(site.client(student)) as client:
        result = _command(client, "start")
        for _ in range(rounds):
            view = client.get(QUIZ).json()
            assert view["fresh"] and view["version"] == result["version"], view
            question_id = view["question"]["question_id"]
            result = _command(
                client, "answer", question_id=question_id, inputs=site.wrong(question_id)
            )
            view = client.get(QUIZ).json()
            assert view["version"] == result["version"] and view["last_answer"]["correct"] is False
            result = _command(client, "start-over")


def test_commands_sign_in_and_sessions_run_through_pgbouncer_with_read_your_writes(
    pooled_site: Site, pgbouncer: PgBouncer
) -> None:
    # Two students at once, dozens of the same statements each: psycopg would prepare them
    # server-side after five, and the next server connection would not know them.
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda s: _take_turns(pooled_site, s, 8), ["alice", "bob"]))
    logins = logins_seen(pgbouncer.log(), _database(pooled_site.store.url))
    assert {"quizflow_web", "quizflow_signin"} <= logins
    with closing(pooled_site.client("carol")) as client:
        assert client.get("/api/me").json()["user_id"] == "carol"
        assert client.post("/api/signout").status_code in (200, 204)
        assert client.get("/api/me").status_code == 401


def test_racing_copies_of_an_answer_through_pgbouncer_are_stored_once(pooled_site: Site) -> None:
    client = pooled_site.client("alice")
    _command(client, "start")
    question_id = client.get(QUIZ).json()["question"]["question_id"]
    body = {
        "command_id": str(uuid.uuid4()),
        "question_id": question_id,
        "inputs": pooled_site.right(question_id),
    }
    cookies = dict(client.cookies)
    before = pooled_site.event_count()

    def post(_: int) -> dict[str, Any]:
        with pooled_site.client() as other:
            other.cookies.update(cookies)
            response = other.post(f"{QUIZ}/answer", json=body)
            assert response.status_code == 200, response.text
            document: dict[str, Any] = response.json()
            return document

    with ThreadPoolExecutor(max_workers=6) as pool:
        documents = list(pool.map(post, range(6)))
    assert len({tuple(e["event_id"] for e in d["events"]) for d in documents}) == 1
    assert pooled_site.event_count() == before + len(documents[0]["events"])


def test_different_commands_racing_through_pgbouncer_leave_a_gapless_stream(
    pooled_site: Site,
) -> None:
    client = pooled_site.client("bob")
    _command(client, "start")
    cookies = dict(client.cookies)

    def start(_: int) -> int:
        with pooled_site.client() as other:
            other.cookies.update(cookies)
            response = other.post(f"{QUIZ}/start", json={"command_id": str(uuid.uuid4())})
            return response.status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(start, range(4)))
    assert set(statuses) <= {200, 409}, statuses
    stream = f"chapter-quiz/bob/{COURSE['course_id']}/{COURSE['chapters'][0]['chapter_id']}"
    versions = [e.version for e in pooled_site.store.read_stream(stream)]
    assert versions == list(range(1, len(versions) + 1))
    assert client.get(QUIZ).json()["version"] == versions[-1]


def test_pooled_connections_prepare_no_statement_that_another_client_would_meet(
    pg_url: str, pgbouncer: PgBouncer
) -> None:
    url = pgbouncer.url(_database(pg_url), "quizflow_web")

    def alternate(kwargs: dict[str, Any]) -> None:
        with psycopg.connect(url, **kwargs) as one, psycopg.connect(url, **kwargs) as two:
            for n in range(8):
                for conn in (one, two):
                    assert conn.execute("select %s::int + 1", (n,)).fetchone() == (n + 1,)

    alternate(connection_kwargs(pooled=True))
    # The control: psycopg's default prepares the query on the server connection the two
    # clients share by turns, and the second client's own prepare collides with the first's.
    with pytest.raises(psycopg.errors.DuplicatePreparedStatement):
        alternate(connection_kwargs(pooled=False))


def test_a_pooled_sign_in_connection_refuses_to_set_a_role(pg_url: str) -> None:
    store = PostgresEventStore(pg_url, max_size=1)
    try:
        with pytest.raises(ValueError, match="SET ROLE"):
            WebAccounts(pg_url, AuthSettings(), ReadModel(store), role="x", pooled=True)
    finally:
        store.close()


def test_a_student_signs_in_through_pgbouncer_with_the_password(pooled_site: Site) -> None:
    with httpx.Client(base_url=pooled_site.url, timeout=10) as client:
        wrong = client.post("/api/signin", json={"username": "alice", "password": "nope" * 4})
        assert wrong.status_code == 401
        right = client.post("/api/signin", json={"username": "alice", "password": PASSWORD})
        assert right.status_code == 200, right.text


@pytest.mark.slow
def test_bench_http_runs_through_pgbouncer_with_one_and_two_processes(
    pgbouncer: PgBouncer, own_server: ThrowawayPostgres
) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "quizflow.cli",
            "bench",
            "http",
            "--students",
            "8",
            "--seconds",
            "3",
            "--steps",
            "8",
            "--workers",
            "2",
            "--pooler",
            f"127.0.0.1:{pgbouncer.port}",
        ],
        env={**os.environ, "QUIZFLOW_DATABASE_URL": own_server.server_url},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["pooled"] is True
    assert set(report["capacity_rps_by_processes"]) == {"1", "2"}
    for measured in (report, report["workers"]):
        assert measured["errors"] == {}
        assert measured["write"]["rps"] > 0 and measured["read"]["rps"] > 0
    assert report["workers"]["processes"] == 2
    # The bench's own database, reached through this PgBouncer by both logins.
    databases = set(re.findall(r"db=(quizflow_bench_http_\w+)", pgbouncer.log()))
    assert len(databases) == 1
    assert {"quizflow_web", "quizflow_signin"} <= logins_seen(pgbouncer.log(), databases.pop())
