"""The simulator driving a real `quizflow serve` over HTTP: the same quiz, the server's clock."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import uvicorn

from quizflow.accounts.admin import set_password
from quizflow.accounts.settings import AuthSettings
from quizflow.app.handler import CommandHandler
from quizflow.app.readmodel import ReadModel
from quizflow.app.web import WebContext, create_app
from quizflow.app.web.accounts import ACCOUNTS_GROUP
from quizflow.app.web.server import ModelCatalog
from quizflow.eventstore import InMemoryEventStore
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.simulate import SimulationConfig, simulate
from quizflow.simulate.http import HttpDriver
from quizflow.simulate.roster import build_roster

CONFIG = SimulationConfig(students=6, days=2, seed=21, workers=3)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


PASSWORD = "the simulation's password"


@pytest.fixture
def server(pg_url: str, tmp_path: Path) -> Iterator[tuple[str, PostgresEventStore]]:
    store = PostgresEventStore(pg_url, max_size=8)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"set role {ACCOUNTS_GROUP}")
        set_password(
            conn,
            [
                s.student_id
                for s in build_roster(CONFIG.seed, CONFIG.students, CONFIG.schools).students
            ],
            PASSWORD,
        )
    model = ReadModel(store)
    # Simulated students act as fast as the machine allows: no per-student command limit.
    ctx = WebContext(
        store,
        CommandHandler(store, ModelCatalog(store, model)),
        model,
        tmp_path / "reports",
        read_wait_s=20.0,
        signin_url=pg_url,
        signin_role=ACCOUNTS_GROUP,
        auth=AuthSettings(commands_per_second=10_000, command_burst=10_000),
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(ctx, "test-secret"),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="on",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}", store
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        store.close()


def quiz_events(pg_url: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(pg_url) as conn:
        return conn.execute(
            "select stream_id, version, event_id, type, data from quizflow.events"
            " where type like 'chapter-quiz/%' order by stream_id, version"
        ).fetchall()


def test_over_http_students_take_the_same_quizzes_as_through_the_handler(
    pg_url: str, server: tuple[str, PostgresEventStore]
) -> None:
    url, store = server
    # The server learns the roster from its subscription; on a busy shared database that lags.
    driver = HttpDriver(url, PASSWORD, sign_in_patience_s=60.0)
    try:
        over_http = simulate(store, CONFIG, driver=driver)
    finally:
        driver.close()
    memory = InMemoryEventStore()
    direct = simulate(memory, CONFIG)
    assert over_http.rejected == 0 and over_http.answers == direct.answers > 0
    expected = sorted(
        (e.stream_id, e.version, e.event_id, e.type, e.data)
        for e in memory.read_all(limit=1_000_000)
        if e.type.startswith("chapter-quiz/")
    )
    assert quiz_events(pg_url) == expected


def test_over_http_a_rerun_appends_nothing(
    pg_url: str, server: tuple[str, PostgresEventStore]
) -> None:
    url, store = server
    driver = HttpDriver(url, PASSWORD, sign_in_patience_s=60.0)
    try:
        first = simulate(store, CONFIG, driver=driver)
        before = quiz_events(pg_url)
        again = simulate(store, CONFIG, driver=driver)
    finally:
        driver.close()
    assert quiz_events(pg_url) == before
    assert again.events_appended == 0 and again.replayed == first.commands
