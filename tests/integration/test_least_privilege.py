"""Least privilege in PostgreSQL: each process connects as a login role that can do its job and
nothing more (quizflow/eventstore/logins.py), and the embedded server asks them for passwords."""

from __future__ import annotations

import os
import stat
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from typer.testing import CliRunner

from quizflow.eventstore import ANY, NewEvent, embedded
from quizflow.eventstore.logins import (
    LOGINS,
    ensure_logins,
    login_url,
    read_passwords,
    roles_sql,
)
from quizflow.eventstore.migrate import migrate
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.settings import Settings, load_settings

PRIVILEGE = psycopg.errors.InsufficientPrivilege


@pytest.fixture(scope="session")
def passwords(server_url: str) -> dict[str, str]:
    """The logins' passwords on the test server (made there when missing)."""
    settings = load_settings()
    return ensure_logins(server_url, settings.home, path=settings.db_logins_path)


def as_login(pg_url: str, kind: str, passwords: dict[str, str]) -> str:
    return login_url(pg_url, kind, passwords)


def test_the_web_login_appends_but_cannot_change_events_even_after_reset_role(
    pg_url: str, passwords: dict[str, str]
) -> None:
    url = as_login(pg_url, "web", passwords)
    with PostgresEventStore(url, role=None) as store:
        stored = store.append("quiz-1", ANY, [NewEvent("t/A", {"n": 1})])
        assert [e.version for e in stored] == [1]
        assert [e.data for e in store.read_stream("quiz-1")] == [{"n": 1}]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("reset role")
        assert conn.execute("select current_user").fetchone() == ("quizflow_web",)
        for statement in (
            "update quizflow.events set data = '{}'",
            "delete from quizflow.events",
            "truncate quizflow.events",
            "insert into quizflow.events (event_id, stream_id, version, type, data, occurred_at)"
            " values (gen_random_uuid(), 's', 1, 't', '{}', now())",
            "select * from quizflow_auth.credentials",
            "set role postgres",
        ):
            with pytest.raises(PRIVILEGE):
                conn.execute(statement)
        assert conn.execute("select count(*) from quizflow.events").fetchone() == (1,)


def test_the_pipeline_login_reads_events_but_cannot_append(
    pg_url: str, passwords: dict[str, str]
) -> None:
    with PostgresEventStore(pg_url) as owner_store:
        owner_store.append("quiz-1", ANY, [NewEvent("t/A", {"n": 1})])
    url = as_login(pg_url, "pipeline", passwords)
    with PostgresEventStore(url, role=None, max_size=1) as store:
        assert [e.data for e in store.read_all()] == [{"n": 1}]
        with pytest.raises(PRIVILEGE):
            store.append("quiz-2", ANY, [NewEvent("t/A", {"n": 2})])
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in (
            "select * from quizflow.append_event('s', null, gen_random_uuid(), 't/A', '{}',"
            " null, null)",
            "delete from quizflow.events",
            "select * from quizflow_auth.credentials",
        ):
            with pytest.raises(PRIVILEGE):
                conn.execute(statement)


def test_the_signin_login_keeps_credentials_but_cannot_touch_events(
    pg_url: str, passwords: dict[str, str]
) -> None:
    url = as_login(pg_url, "signin", passwords)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "insert into quizflow_auth.credentials (account_id, username) values ('a1', 'alice')"
        )
        conn.execute(
            "update quizflow_auth.credentials set password_hash = 'h' where username = 'alice'"
        )
        assert conn.execute(
            "select account_id, password_hash from quizflow_auth.credentials"
        ).fetchall() == [("a1", "h")]
        conn.execute("delete from quizflow_auth.credentials where account_id = 'a1'")
        with pytest.raises(PRIVILEGE):
            conn.execute("select count(*) from quizflow.events")
    with PostgresEventStore(url, role=None, max_size=1) as store, pytest.raises(PRIVILEGE):
        store.append("quiz-1", ANY, [NewEvent("t/A", {"n": 1})])


def test_the_shared_embedded_server_refuses_a_wrong_password(
    pg_url: str, passwords: dict[str, str]
) -> None:
    if load_settings().database_url:
        pytest.skip("QUIZFLOW_DATABASE_URL is set: its server's authentication is not ours")
    with psycopg.connect(as_login(pg_url, "web", passwords)) as conn:
        assert conn.execute("select current_user").fetchone() == ("quizflow_web",)
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(as_login(pg_url, "web", {"web": "not-the-password"}))


def test_the_pipeline_ingests_and_checks_as_its_login(
    pg_url: str, passwords: dict[str, str], tmp_path: Path
) -> None:
    from quizflow.warehouse import run_pipeline

    with PostgresEventStore(as_login(pg_url, "web", passwords), role=None) as store:
        store.append("quiz-1", ANY, [NewEvent("t/A", {"n": 1}), NewEvent("t/B", {"n": 2})])
    url = as_login(pg_url, "pipeline", passwords)
    # Another test's open transaction on the shared server may hold the ingest back for a
    # while (lag, never loss), so run until both events are in.
    ingested, deadline = 0, time.monotonic() + 120
    while ingested < 2:
        assert time.monotonic() < deadline, f"the ingest took {ingested} of 2 events"
        summary = run_pipeline(Settings(tmp_path / "home", None), url)
        ingested += summary.ingest.events
    assert ingested == 2
    checks = {c.name: c for c in summary.checks}
    assert checks["reconciliation"].passed, checks["reconciliation"].description
    assert "unreadable" not in checks["freshness"].description


def test_the_application_connects_as_the_logins_the_settings_derive(
    pg_url: str, passwords: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from quizflow.database import login_database_url, open_store

    monkeypatch.setenv("QUIZFLOW_DATABASE_URL", pg_url)
    monkeypatch.setenv("QUIZFLOW_HOME", str(tmp_path / "home"))
    with open_store(max_size=2) as store:
        assert store.role is None
        store.append("quiz-1", ANY, [NewEvent("t/A", {"n": 1})])
        with store._pool.connection() as conn:
            assert conn.execute("select current_user, current_database()").fetchone() == (
                "quizflow_web",
                urlsplit(pg_url).path.lstrip("/"),
            )
    for kind, role in LOGINS.items():
        with psycopg.connect(login_database_url(kind)) as conn:
            assert conn.execute("select current_user").fetchone() == (role,)
    # A URL given in the settings is used as given, without touching any server.
    monkeypatch.setenv("QUIZFLOW_PIPELINE_DATABASE_URL", "postgresql://elsewhere/db")
    monkeypatch.setenv("QUIZFLOW_DATABASE_URL", "postgresql://nobody@/nowhere?host=/nonexistent")
    assert login_database_url("pipeline") == "postgresql://elsewhere/db"


def test_login_urls_keep_the_owners_server_and_database() -> None:
    secret = {"web": "p/w@:?", "signin": "s", "pipeline": "r"}
    assert (
        login_url("postgresql://postgres:@/quiz_db?host=/srv/qf/pg", "web", secret)
        == "postgresql://quizflow_web:p%2Fw%40%3A%3F@/quiz_db?host=/srv/qf/pg"
    )
    assert (
        login_url(
            "postgresql://admin:x@db.example:6432/quiz?sslmode=require&user=admin",
            "pipeline",
            secret,
        )
        == "postgresql://quizflow_pipeline:r@db.example:6432/quiz?sslmode=require"
    )
    # No database named: libpq would take the user's name, so the owner's is kept.
    assert (
        login_url("postgresql://admin@db.example", "signin", secret)
        == "postgresql://quizflow_signin:s@db.example/admin"
    )


def test_db_roles_prints_idempotent_sql_for_the_three_logins() -> None:
    from quizflow.cli import app

    result = CliRunner().invoke(app, ["db", "roles"])
    assert result.exit_code == 0, result.output
    for role, group in (
        ("quizflow_web", "quizflow_writer"),
        ("quizflow_signin", "quizflow_accounts"),
        ("quizflow_pipeline", "quizflow_reader"),
    ):
        assert f"create role {role} login inherit" in result.stdout
        assert f"grant {group} to {role}" in result.stdout
    assert "CHANGE-ME-web-password" in result.stdout
    assert "QUIZFLOW_PIPELINE_DATABASE_URL" in result.stdout
    help_text = CliRunner().invoke(app, ["db", "roles", "--help"]).stdout
    assert "--apply" in help_text


def test_db_roles_apply_sets_the_kept_passwords_and_runs_twice(
    pg_url: str, passwords: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from quizflow.cli import app

    monkeypatch.setenv("QUIZFLOW_DATABASE_URL", pg_url)
    for _ in range(2):
        result = CliRunner().invoke(app, ["db", "roles", "--apply"])
        assert result.exit_code == 0, result.output
        assert f"password '{passwords['web']}'" in result.stdout
    with psycopg.connect(as_login(pg_url, "pipeline", passwords)) as conn:
        assert conn.execute("select current_user").fetchone() == ("quizflow_pipeline",)


def test_a_fresh_embedded_server_asks_every_role_but_the_superuser_for_its_password(
    tmp_path: Path,
) -> None:
    home = tmp_path / "qf"
    data_dir = home / "pg"
    url = embedded.start(data_dir)
    try:
        assert (data_dir / "pg_hba.conf").read_text() == embedded.HBA_CONF
        assert embedded.require_passwords(data_dir, url) is False  # unchanged: no reload
        migrate(url)
        with psycopg.connect(url) as conn:  # the superuser, trusted on the socket
            assert conn.execute(
                "select count(*) from pg_hba_file_rules where error is not null"
            ).fetchone() == (0,)

        # Two processes' worth of racing first calls agree on one set of passwords.
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda _: ensure_logins(url, home), range(4)))
        first = results[0]
        assert all(r == first for r in results)
        kept = home / "db-logins.json"
        assert read_passwords(kept) == first
        assert stat.S_IMODE(kept.stat().st_mode) == 0o600
        for kind, role in LOGINS.items():
            with psycopg.connect(login_url(url, kind, first)) as conn:
                assert conn.execute("select current_user").fetchone() == (role,)
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            psycopg.connect(login_url(url, "web", {"web": first["web"] + "x"}))
        with pytest.raises(psycopg.OperationalError, match="password"):
            psycopg.connect(url.replace("postgres:@", "quizflow_web:@"))

        # Again with the file: nothing changes.
        assert ensure_logins(url, home) == first
        # The file lost while the roles exist: new passwords, set on the roles.
        os.unlink(kept)
        second = ensure_logins(url, home)
        assert second["web"] != first["web"]
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            psycopg.connect(login_url(url, "web", first))
        with psycopg.connect(login_url(url, "web", second)) as conn:
            assert conn.execute("select current_user").fetchone() == ("quizflow_web",)
        # The SQL is idempotent run by hand too.
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(roles_sql(second).encode())
            conn.execute(roles_sql(second).encode())
    finally:
        embedded.stop(data_dir)
