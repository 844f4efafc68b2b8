"""Signing in, in a real browser (Debian's chromium driven by Playwright): activation with a
code, a wrong password, lockout, sign-out (after which the old cookie is refused), and a
student refused on the teacher and admin pages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest

from quizflow.accounts import credentials
from quizflow.app.web.accounts import ACCOUNTS_GROUP
from quizflow.app.web.app import SESSION_COOKIE
from tests.e2e.browser import open_tab, requires_chromium

Site = Any  # the `site` fixture of tests/e2e/conftest.py

sync_api = pytest.importorskip("playwright.sync_api")
Page = sync_api.Page

pytestmark = requires_chromium


@pytest.fixture
def tab(request: pytest.FixtureRequest) -> Iterator[Page]:
    with open_tab(request, width=390, height=800) as page:
        yield page


def sign_in(tab: Page, site: Site, username: str, password: str) -> None:
    tab.goto(f"{site.url}/signin")
    tab.fill("#username", username)
    tab.fill("#password", password)
    tab.click("button[type=submit]")


def test_a_student_activates_with_the_code_from_her_card(site: Site, tab: Page) -> None:
    with psycopg.connect(site.store.url, autocommit=True) as conn:
        conn.execute(f"set role {ACCOUNTS_GROUP}")
        code = credentials.issue_code(conn, "alice", 3600)
    tab.goto(f"{site.url}/signin")
    tab.click('a[href="/activate"]')
    tab.fill("#username", "alice")
    tab.fill("#code", code)
    tab.fill("#password", "purple tiger eats soup")
    tab.fill("#repeat", "purple tiger eats soup")
    tab.click("button[type=submit]")
    tab.wait_for_url(f"{site.url}/chapters")
    assert "Alice" in tab.inner_text("header")
    # From now on the chosen password signs her in, and the code is used up.
    tab.click("header button[type=submit]")
    sign_in(tab, site, "alice", "purple tiger eats soup")
    tab.wait_for_url(f"{site.url}/chapters")


def test_a_wrong_password_then_lockout_then_the_right_one_waits(site: Site, tab: Page) -> None:
    sign_in(tab, site, "bob", "not my password")
    assert "Wrong username or password" in tab.inner_text("[role=alert]")
    for n in range(5):
        sign_in(tab, site, "bob", f"still not it {n}")
    assert "Too many attempts" in tab.inner_text("[role=alert]")
    sign_in(tab, site, "bob", site.password)
    assert "Too many attempts" in tab.inner_text("[role=alert]")
    assert tab.url.endswith("/signin")


def test_signing_out_ends_the_session_for_a_copied_cookie(site: Site, tab: Page) -> None:
    sign_in(tab, site, "carol", site.password)
    tab.wait_for_url(f"{site.url}/chapters")
    copied = {c["name"]: c["value"] for c in tab.context.cookies()}
    assert SESSION_COOKIE in copied
    tab.click("header button[type=submit]")
    tab.wait_for_url(f"{site.url}/signin")
    replay = httpx.Client(base_url=site.url, cookies=copied)
    assert replay.get("/api/me").status_code == 401
    tab.goto(f"{site.url}/chapters")
    assert tab.url.endswith("/signin")


def test_a_student_is_refused_on_teacher_and_admin_pages(site: Site, tab: Page) -> None:
    sign_in(tab, site, "alice", site.password)
    tab.wait_for_url(f"{site.url}/chapters")
    for path in ("/teacher", "/admin"):
        response = tab.goto(f"{site.url}{path}")
        assert response is not None and response.status in (403, 404), path
