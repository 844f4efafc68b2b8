"""What an outsider tries: guessing accounts and passwords, hammering one account, replaying a
cookie after sign-out, forging cookies, and URLs of other classes and roles. None of it signs
anyone in, and no refused request appends an event."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import httpx
import itsdangerous
import pytest

from quizflow.accounts.passwords import _common
from quizflow.app.web.app import SESSION_COOKIE

Site = Any  # the `site` fixture of tests/e2e/conftest.py


def _sign_in(client: httpx.Client, username: str, password: str) -> httpx.Response:
    return client.post("/api/signin", json={"username": username, "password": password})


def test_guessed_ids_with_common_passwords_sign_nobody_in(site: Site) -> None:
    before = site.event_count()
    guesses = [
        "alice",
        "bob",
        "carol",
        "t-ada",
        "t-bo",
        "a-ann",
        "e-eve",
        "admin",
        "sim1-student0001",
        "sim1-teacher1",
        "student",
        "teacher",
    ]
    passwords = sorted(_common())[:8]
    client = httpx.Client(base_url=site.url, timeout=30)
    answers = [
        _sign_in(client, user, password).status_code for user in guesses for password in passwords
    ]
    assert 200 not in answers
    assert set(answers) <= {401, 429}
    # The address throttle stops one client guessing across many accounts.
    assert answers.index(429) < 20
    assert client.get("/api/me").status_code == 401
    assert site.event_count() == before


def test_three_hundred_wrong_passwords_meet_429_before_the_twentieth(site: Site) -> None:
    client = httpx.Client(base_url=site.url, timeout=30)
    answers = [_sign_in(client, "alice", f"wrong password {n}") for n in range(300)]
    statuses = [a.status_code for a in answers]
    first = statuses.index(429)
    assert first < 19
    assert int(answers[first].headers["retry-after"]) >= 1
    assert answers[first].json()["error"] == "too-many-attempts"
    assert 200 not in statuses
    # Locked out: even the right password waits (it is not checked while the key is blocked).
    assert _sign_in(client, "alice", site.password).status_code == 429


def test_an_unknown_account_is_throttled_like_a_real_one(site: Site) -> None:
    client = httpx.Client(base_url=site.url, timeout=30)
    real = [_sign_in(client, "bob", f"nope {n}").status_code for n in range(8)]
    other = httpx.Client(base_url=site.url, timeout=30)
    ghost = [_sign_in(other, "nobody-at-all", f"nope {n}").status_code for n in range(8)]
    assert real == ghost


def test_a_cookie_copied_before_sign_out_is_refused_after_it(site: Site) -> None:
    client = site.client("alice")
    copied = dict(client.cookies)
    assert client.get("/api/me").status_code == 200
    assert client.post("/api/signout").status_code == 200
    replay = httpx.Client(base_url=site.url, cookies=copied)
    before = site.event_count()
    assert replay.get("/api/me").status_code == 401
    start = f"/api/quizzes/{site.course_id}/{site.chapter_id}/start"
    assert replay.post(start, json={"command_id": str(uuid.uuid4())}).status_code == 401
    assert site.event_count() == before


def test_signing_in_again_ends_the_earlier_session_of_that_browser(site: Site) -> None:
    client = site.client("alice")
    first = dict(client.cookies)
    again = _sign_in(client, "alice", site.password)
    assert again.status_code == 200
    assert httpx.Client(base_url=site.url, cookies=first).get("/api/me").status_code == 401


def _forged(site: Site) -> list[str]:
    signer = itsdangerous.TimestampSigner("not the server's secret")
    payload = base64.b64encode(json.dumps({"sid": "x" * 43, "csrf": "y"}).encode())
    right_key = itsdangerous.TimestampSigner("test-secret-not-for-production")
    made_up = base64.b64encode(json.dumps({"sid": "z" * 43}).encode())
    not_an_object = base64.b64encode(json.dumps(["sid", "alice"]).encode())
    return [
        "garbage",
        base64.b64encode(b'{"sid": "abc"}').decode(),
        signer.sign(payload).decode(),
        right_key.sign(made_up).decode(),  # validly signed, but no such session
        right_key.sign(not_an_object).decode(),
    ]


@pytest.mark.parametrize("index", range(5))
def test_forged_cookies_sign_nobody_in(site: Site, index: int) -> None:
    cookie = _forged(site)[index]
    client = httpx.Client(base_url=site.url, cookies={SESSION_COOKIE: cookie})
    before = site.event_count()
    assert client.get("/api/me").status_code == 401
    assert client.get("/api/courses").status_code == 401
    assert client.get("/chapters").status_code in (303, 401)
    assert site.event_count() == before


def test_other_roles_and_other_classes_are_refused(site: Site) -> None:
    student = site.client("alice")
    before = site.event_count()
    for path in ("/teacher", "/api/teacher/classes", "/teacher/classes/7a/reports", "/admin"):
        assert student.get(path).status_code in (403, 404), path
    other_teacher = site.client("t-bo")
    assert other_teacher.get("/teacher/classes/7a/reports").status_code == 403
    assert other_teacher.get("/teacher/classes/7a/reports/2026-W48").status_code == 403
    teacher = site.client("t-ada")
    start = f"/api/quizzes/{site.course_id}/{site.chapter_id}/start"
    assert teacher.post(start, json={"command_id": str(uuid.uuid4())}).status_code == 403
    assert teacher.get("/chapters").status_code == 403
    assert site.event_count() == before


def test_anonymous_health_shows_no_roster_figures(site: Site) -> None:
    anonymous = httpx.get(f"{site.url}/api/health").json()
    assert anonymous["ok"] is True
    assert "students" not in anonymous["read_model"]
    assert "students" in site.client("t-ada").get("/api/health").json()["read_model"]


def test_a_runaway_client_is_limited_and_its_refused_commands_append_nothing(site: Site) -> None:
    client = site.client("bob")
    base = f"/api/quizzes/{site.course_id}/{site.chapter_id}"
    assert client.post(f"{base}/start", json={"command_id": str(uuid.uuid4())}).status_code == 200
    answers = [
        client.post(f"{base}/next", json={"command_id": str(uuid.uuid4())}) for _ in range(60)
    ]
    limited = [a for a in answers if a.status_code == 429]
    assert limited, "60 commands at once met no limit"
    assert int(limited[0].headers["retry-after"]) >= 1
    assert {a.status_code for a in answers} <= {409, 429}  # 'next' before answering: refused
    # The bucket refills while the machine is slow (5 a second), so a further burst, not a
    # single command that may land after a refill, shows that refused commands append nothing.
    before = site.event_count()
    burst = [client.post(f"{base}/next", json={"command_id": str(uuid.uuid4())}) for _ in range(60)]
    assert 429 in {a.status_code for a in burst}, "60 more commands met no limit"
    assert {a.status_code for a in burst} <= {409, 429}
    assert site.event_count() == before


def test_pages_are_not_cached_and_carry_a_content_security_policy(site: Site) -> None:
    client = site.client("alice")
    for path in ("/chapters", "/api/me", "/signin"):
        response = client.get(path)
        assert response.headers["cache-control"] == "no-store", path
        assert "default-src 'self'" in response.headers["content-security-policy"], path
    assert httpx.get(f"{site.url}/docs").status_code == 404


def test_a_teacher_report_carries_a_policy_that_runs_and_loads_nothing(site: Site) -> None:
    reports = site.reports_dir / "teacher" / "7a"
    reports.mkdir(parents=True)
    (reports / "2026-W48.html").write_text("<!doctype html><title>r</title><p>report</p>")
    response = site.client("t-ada").get("/teacher/classes/7a/reports/2026-W48.html")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy
