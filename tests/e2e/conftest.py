"""A real web server on a free loopback port, over a fresh PostgreSQL database per test.

The sample course and a small roster are published first: school ``hill`` with class ``7a``
(teacher ``t-ada``; students ``alice`` and ``bob``) and class ``7b`` (teacher ``t-bo``;
student ``carol``), and an admin ``a-ann`` and an editor ``e-eve``. Every one of them has an
account whose username is their id and whose password is ``PASSWORD``.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import uvicorn

from quizflow.accounts import credentials, passwords
from quizflow.accounts.admin import append
from quizflow.accounts.settings import AuthSettings
from quizflow.app.handler import CommandHandler
from quizflow.app.publishing import publish_course, register
from quizflow.app.readmodel import ReadModel
from quizflow.app.web import WebContext, create_app
from quizflow.app.web.accounts import ACCOUNTS_GROUP
from quizflow.app.web.server import ModelCatalog
from quizflow.content import load_course_file, sample_course_path
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.quiz import AccountCreated, ClassRegistered, SchoolRegistered, StudentEnrolled

COURSE = load_course_file(sample_course_path())
COURSE_ID: str = COURSE["course_id"]
CHAPTER_ID: str = COURSE["chapters"][0]["chapter_id"]
QUESTIONS: dict[str, dict[str, Any]] = {
    q["question_id"]: q for chapter in COURSE["chapters"] for q in chapter["questions"]
}
SECRET = "test-secret-not-for-production"

ROSTER = [
    SchoolRegistered("hill", "Hill School"),
    ClassRegistered("hill", "7a", "Class 7A", "t-ada", "Ms Ada"),
    ClassRegistered("hill", "7b", "Class 7B", "t-bo", "Mr Bo"),
    StudentEnrolled("hill", "7a", "alice", "Alice"),
    StudentEnrolled("hill", "7a", "bob", "Bob"),
    StudentEnrolled("hill", "7b", "carol", "Carol"),
]
ACCOUNTS = [
    AccountCreated("alice", "hill", "Alice", ("student",)),
    AccountCreated("bob", "hill", "Bob", ("student",)),
    AccountCreated("carol", "hill", "Carol", ("student",)),
    AccountCreated("t-ada", "hill", "Ms Ada", ("teacher",)),
    AccountCreated("t-bo", "hill", "Mr Bo", ("teacher",)),
    AccountCreated("a-ann", "hill", "Ann Admin", ("admin",)),
    AccountCreated("e-eve", "hill", "Eve Editor", ("editor",)),
]
PASSWORD = "correct horse battery staple"
_HASH = passwords.hash_password(PASSWORD)  # once: Argon2 is slow on purpose


_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


@dataclass
class Site:
    """The running server, its store and read model, and what tests need to know of the course
    (tests take it from this fixture rather than importing this module)."""

    url: str
    store: PostgresEventStore
    model: ReadModel
    reports_dir: Path
    course_id: str = COURSE_ID
    chapter_id: str = CHAPTER_ID

    @property
    def questions(self) -> dict[str, dict[str, Any]]:
        return QUESTIONS

    @staticmethod
    def right(question_id: str) -> dict[str, str]:
        return {name: values[0] for name, values in QUESTIONS[question_id]["accepted"].items()}

    @staticmethod
    def wrong(question_id: str) -> dict[str, str]:
        return dict(QUESTIONS[question_id]["wrong_answers"][0]["answer"])

    @staticmethod
    def hidden_fields(html: str, form_action: str | None = None) -> dict[str, str]:
        """The hidden inputs of the form posting to ``form_action`` (or of the first form)."""
        forms = re.findall(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', html, re.S)
        for action, body in forms:
            if form_action is None or action == form_action:
                return dict(_HIDDEN.findall(body))
        raise AssertionError(f"no form posting to {form_action} in:\n{html}")

    password: str = PASSWORD

    def client(self, user: str | None = None) -> httpx.Client:
        client = httpx.Client(base_url=self.url, timeout=10)
        if user is not None:
            signed_in = client.post("/api/signin", json={"username": user, "password": PASSWORD})
            assert signed_in.status_code == 200, signed_in.text
        return client

    def event_count(self) -> int:
        # Everything committed, whichever stream: a request that appends anything shows here.
        with self.store._pool.connection() as conn:
            row = conn.execute("select count(*) from quizflow.events").fetchone()
        return int(row[0]) if row else 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def add_accounts(pg_url: str, store: PostgresEventStore) -> None:
    """The roster's accounts, each with the username of its id and ``PASSWORD``."""
    register(store, list(ROSTER))
    for account in ACCOUNTS:
        append(store, [account], "test")
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"set role {ACCOUNTS_GROUP}")
        for account in ACCOUNTS:
            credentials.add(conn, account.account_id, account.account_id, _HASH)


@pytest.fixture
def auth_settings() -> AuthSettings:
    """The site's sign-in settings; a test module may override this fixture."""
    return AuthSettings()


@pytest.fixture
def snapshot_path() -> Path | None:
    """Where the editor pages read the published snapshot (None: no figures); a test module
    may override this fixture."""
    return None


@pytest.fixture
def site_port() -> int:
    """The site's port; a test module may override this fixture (to know it in advance)."""
    return free_port()


@pytest.fixture
def site(
    pg_url: str,
    tmp_path: Path,
    auth_settings: AuthSettings,
    site_port: int,
    snapshot_path: Path | None,
) -> Iterator[Site]:
    store = PostgresEventStore(pg_url, max_size=6)
    publish_course(store, COURSE)
    add_accounts(pg_url, store)
    model = ReadModel(store)
    reports_dir = tmp_path / "reports"
    # A generous read-your-writes bound: on a shared dev server another database's long
    # transaction holds every reader back for a while (lag, not loss); 2 s is the default.
    handler = CommandHandler(store, ModelCatalog(store, model))
    ctx = WebContext(
        store,
        handler,
        model,
        reports_dir,
        read_wait_s=20.0,
        signin_url=pg_url,
        signin_role=ACCOUNTS_GROUP,
        auth=auth_settings,
        snapshot_path=snapshot_path,
    )
    app = create_app(ctx, SECRET)
    port = site_port
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    while model.account("e-eve") is None or model.course(COURSE_ID) is None:
        assert time.monotonic() < deadline + 30, f"the read model lags: {model.status()}"
        time.sleep(0.02)
    try:
        yield Site(f"http://127.0.0.1:{port}", store, model, reports_dir)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        store.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    # Lets fixtures see whether the test failed (the browser fixture takes a screenshot then).
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)
