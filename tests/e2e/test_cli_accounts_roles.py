"""`quizflow accounts grant` and `revoke` against a fresh database: one event each, by the
command line's actor, and an unknown role refused with nothing appended."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from quizflow.accounts import admin
from quizflow.cli import app
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.quiz import account_stream_id


@pytest.fixture
def store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_url: str
) -> Iterator[PostgresEventStore]:
    monkeypatch.setenv("QUIZFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("QUIZFLOW_DATABASE_URL", pg_url)
    with PostgresEventStore(pg_url) as opened:
        admin.register_school(opened, "hill", "Hill School")
        yield opened


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["accounts", *args])
    return result.exit_code, result.stderr


def role_events(store: PostgresEventStore, account_id: str) -> list[tuple[str, str, str]]:
    return [
        (e.type, e.data["role"], e.metadata["user_id"])
        for e in store.read_stream(account_stream_id(account_id))
        if e.type in ("accounts/RoleGranted", "accounts/RoleRevoked")
    ]


def test_grant_then_revoke_append_one_event_each(store: PostgresEventStore, pg_url: str) -> None:
    code, stderr = run("create", "--role", "teacher", "--username", "ada", "--name", "Ada")
    assert code == 0, stderr
    code, stderr = run("grant", "ada", "editor")
    assert code == 0 and "is now also editor" in stderr, stderr
    code, stderr = run("revoke", "ada", "editor")
    assert code == 0 and "is no longer editor" in stderr, stderr
    with psycopg.connect(pg_url) as conn:
        row = conn.execute(
            "select account_id from quizflow_auth.credentials where username = 'ada'"
        ).fetchone()
    assert row is not None
    assert role_events(store, row[0]) == [
        ("accounts/RoleGranted", "editor", "admin"),
        ("accounts/RoleRevoked", "editor", "admin"),
    ]
    code, stderr = run("revoke", "ada", "boss")
    assert code == 2 and "no role 'boss'" in stderr, stderr
    assert len(role_events(store, row[0])) == 2
