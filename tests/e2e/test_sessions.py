"""Sessions end: after an idle time, after an absolute lifetime, when the account is
deactivated and when its password changes, whoever holds a copy of the cookie."""

from __future__ import annotations

import time
from typing import Any

import httpx
import psycopg
import pytest

from quizflow.accounts import admin, credentials
from quizflow.accounts.settings import AuthSettings
from quizflow.app.web.accounts import ACCOUNTS_GROUP

Site = Any  # the `site` fixture of tests/e2e/conftest.py

IDLE_S = 2
MAX_AGE_S = 6


@pytest.fixture
def auth_settings() -> AuthSettings:
    return AuthSettings(session_idle_s=IDLE_S, session_max_age_s=MAX_AGE_S)


def _signin_conn(site: Site) -> psycopg.Connection[Any]:
    conn = psycopg.connect(site.store.url, autocommit=True)
    conn.execute(f"set role {ACCOUNTS_GROUP}")
    return conn


def test_the_session_cookie_is_http_only_and_same_site(site: Site) -> None:
    client = site.client()
    signed = client.post("/api/signin", json={"username": "alice", "password": site.password})
    cookie = signed.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_an_idle_session_ends(site: Site) -> None:
    client = site.client("alice")
    assert client.get("/api/me").status_code == 200
    time.sleep(IDLE_S + 0.5)
    assert client.get("/api/me").status_code == 401


def test_a_busy_session_still_ends_after_its_lifetime(site: Site) -> None:
    client = site.client("alice")
    started = time.monotonic()
    # Active past the idle time, with a margin for a slow machine before the lifetime ends.
    while time.monotonic() - started < MAX_AGE_S - 2:
        assert client.get("/api/me").status_code == 200
        time.sleep(0.3)
    time.sleep(2.5)
    assert client.get("/api/me").status_code == 401


def test_deactivating_an_account_ends_its_sessions_and_its_sign_ins(site: Site) -> None:
    client = site.client("bob")
    with _signin_conn(site) as conn:
        admin.deactivate(site.store, conn, "bob", actor="a-ann")
    assert client.get("/api/me").status_code == 401
    again = httpx.post(
        f"{site.url}/api/signin", json={"username": "bob", "password": site.password}
    )
    assert again.status_code == 401


def test_a_new_password_ends_the_other_sessions(site: Site) -> None:
    old = site.client("carol")
    with _signin_conn(site) as conn:
        code = credentials.issue_code(conn, "carol", 3600)
    fresh = httpx.Client(base_url=site.url)
    activated = fresh.post(
        "/api/activate",
        json={"username": "carol", "code": code, "password": "a brand new passphrase"},
    )
    assert activated.status_code == 200, activated.text
    assert fresh.get("/api/me").json()["user_id"] == "carol"
    assert old.get("/api/me").status_code == 401
    # The code was single use, and the old password is gone.
    reuse = httpx.post(
        f"{site.url}/api/activate",
        json={"username": "carol", "code": code, "password": "another new passphrase"},
    )
    assert reuse.status_code == 401
    assert (
        httpx.post(
            f"{site.url}/api/signin", json={"username": "carol", "password": site.password}
        ).status_code
        == 401
    )


def test_an_expired_or_replaced_code_does_not_activate(site: Site) -> None:
    with _signin_conn(site) as conn:
        expired = credentials.issue_code(conn, "alice", 3600)
        conn.execute(
            "update quizflow_auth.activation_codes set expires_at = now() - interval"
            " '1 s' where account_id = 'alice'"
        )
        replaced = credentials.issue_code(conn, "bob", 3600)
        current = credentials.issue_code(conn, "bob", 3600)
    body = {"password": "a brand new passphrase"}
    assert (
        httpx.post(
            f"{site.url}/api/activate", json={"username": "alice", "code": expired, **body}
        ).status_code
        == 401
    )
    assert (
        httpx.post(
            f"{site.url}/api/activate", json={"username": "bob", "code": replaced, **body}
        ).status_code
        == 401
    )
    typed = current.lower().replace("-", " ")  # as a child might type it off the card
    assert (
        httpx.post(
            f"{site.url}/api/activate", json={"username": "bob", "code": typed, **body}
        ).status_code
        == 200
    )


def test_a_weak_new_password_is_refused_and_the_code_stays_usable(site: Site) -> None:
    with _signin_conn(site) as conn:
        code = credentials.issue_code(conn, "alice", 3600)
    weak = httpx.post(
        f"{site.url}/api/activate",
        json={"username": "alice", "code": code, "password": "password123456"},
    )
    assert weak.status_code == 422 and weak.json()["error"] == "password-rejected"
    short = httpx.post(
        f"{site.url}/api/activate", json={"username": "alice", "code": code, "password": "short"}
    )
    assert short.status_code == 422
    good = httpx.post(
        f"{site.url}/api/activate",
        json={"username": "alice", "code": code, "password": "a brand new passphrase"},
    )
    assert good.status_code == 200
