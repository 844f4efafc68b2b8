"""Malformed and hostile requests: each gets a clear 4xx, appends nothing, never a 500."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx

from quizflow.content import load_course_file, sample_course_path

COURSE = load_course_file(sample_course_path())
COURSE_ID: str = COURSE["course_id"]
CHAPTER_ID: str = COURSE["chapters"][0]["chapter_id"]
Site = Any  # the `site` fixture of tests/e2e/conftest.py

QUIZ = f"/api/quizzes/{COURSE_ID}/{CHAPTER_ID}"
JSON = {"content-type": "application/json"}


def _cid() -> str:
    return str(uuid.uuid4())


def _cases(site: Site, question_id: str) -> list[tuple[str, str, str, dict[str, Any], int]]:
    """(what, method, path, httpx arguments, expected status)."""
    good = {"command_id": _cid(), "question_id": question_id, "inputs": site.right(question_id)}
    return [
        ("bad JSON", "POST", f"{QUIZ}/answer", {"content": b"{not json", "headers": JSON}, 400),
        ("JSON that is not an object", "POST", f"{QUIZ}/answer", {"json": [1, 2]}, 422),
        ("JSON null", "POST", f"{QUIZ}/start", {"content": b"null", "headers": JSON}, 422),
        ("invalid UTF-8", "POST", f"{QUIZ}/start", {"content": b"\xff\xfe{", "headers": JSON}, 400),
        (
            "deeply nested JSON",
            "POST",
            f"{QUIZ}/start",
            {"content": b"[" * 5000 + b"]" * 5000, "headers": JSON},
            400,
        ),
        ("no command id", "POST", f"{QUIZ}/start", {"json": {}}, 422),
        (
            "a command id that is not a UUID",
            "POST",
            f"{QUIZ}/start",
            {"json": {"command_id": "1234"}},
            422,
        ),
        (
            "a command id of the wrong type",
            "POST",
            f"{QUIZ}/start",
            {"json": {"command_id": 7}},
            422,
        ),
        ("inputs as a list", "POST", f"{QUIZ}/answer", {"json": {**good, "inputs": ["5/6"]}}, 422),
        (
            "an input that is a number",
            "POST",
            f"{QUIZ}/answer",
            {"json": {**good, "inputs": {"_INPUT_1_": 5}}},
            422,
        ),
        (
            "a question id that is a number",
            "POST",
            f"{QUIZ}/answer",
            {"json": {**good, "question_id": 12}},
            422,
        ),
        (
            "a huge input",
            "POST",
            f"{QUIZ}/answer",
            {"json": {**good, "inputs": {"_INPUT_1_": "9" * 5000}}},
            422,
        ),
        (
            "too many inputs",
            "POST",
            f"{QUIZ}/answer",
            {"json": {**good, "inputs": {f"f{i}": "1" for i in range(40)}}},
            422,
        ),
        (
            "a body over 16 KiB",
            "POST",
            f"{QUIZ}/answer",
            {"json": {**good, "padding": "x" * 20_000}},
            413,
        ),
        (
            "a streamed body over 16 KiB",
            "POST",
            f"{QUIZ}/answer",
            {"content": _chunks(b"{" + b" " * 40_000 + b"}"), "headers": JSON},
            413,
        ),
        (
            "a student id in the body",
            "POST",
            f"{QUIZ}/start",
            {"json": {"command_id": _cid(), "student_id": "bob"}},
            422,
        ),
        ("a form instead of JSON", "POST", f"{QUIZ}/start", {"data": {"command_id": _cid()}}, 415),
        (
            "no content type",
            "POST",
            f"{QUIZ}/start",
            {"content": b'{"command_id": "%s"}' % _cid().encode()},
            415,
        ),
        (
            "an unknown course",
            "POST",
            f"/api/quizzes/no-such-course/{CHAPTER_ID}/start",
            {"json": {"command_id": _cid()}},
            404,
        ),
        (
            "an unknown chapter",
            "POST",
            f"/api/quizzes/{COURSE_ID}/no-such-chapter/start",
            {"json": {"command_id": _cid()}},
            404,
        ),
        (
            "an id with odd characters",
            "POST",
            f"/api/quizzes/{COURSE_ID}/%00%27;drop/start",
            {"json": {"command_id": _cid()}},
            404,
        ),
        (
            "a very long id",
            "POST",
            f"/api/quizzes/{'c' * 3000}/{CHAPTER_ID}/start",
            {"json": {"command_id": _cid()}},
            404,
        ),
        (
            "an unknown question",
            "POST",
            f"{QUIZ}/answer",
            {"json": {**good, "question_id": "no-such-question"}},
            409,
        ),
        (
            "a question id with a slash",
            "POST",
            f"{QUIZ}/answer",
            {"json": {**good, "question_id": "../etc"}},
            404,
        ),
        (
            "an unknown input field",
            "POST",
            f"{QUIZ}/answer",
            {"json": {**good, "inputs": {"_INPUT_9_": "1"}}},
            422,
        ),
        (
            "an empty answer",
            "POST",
            f"{QUIZ}/answer",
            {"json": {**good, "inputs": {"_INPUT_1_": "  "}}},
            422,
        ),
        ("next before answering", "POST", f"{QUIZ}/next", {"json": {"command_id": _cid()}}, 409),
        (
            "start over when not needed",
            "POST",
            f"{QUIZ}/start-over",
            {"json": {"command_id": _cid()}},
            409,
        ),
        ("an unknown action", "POST", f"{QUIZ}/skip", {"json": {"command_id": _cid()}}, 404),
        ("GET on a command", "GET", f"{QUIZ}/start", {}, 405),
        ("an unknown quiz view", "GET", f"/api/quizzes/{COURSE_ID}/nope", {}, 404),
        ("an unknown API path", "GET", "/api/nothing-here", {}, 404),
        (
            "a sign-in with a number",
            "POST",
            "/api/signin",
            {"json": {"username": 5, "password": "x"}},
            422,
        ),
        (
            "a sign-in without JSON",
            "POST",
            "/api/signin",
            {"data": {"username": "alice", "password": "x"}},
            415,
        ),
        (
            "an HTML form without its token",
            "POST",
            f"/quiz/{COURSE_ID}/{CHAPTER_ID}/start",
            {"data": {"command_id": _cid()}},
            403,
        ),
        (
            "an HTML form with a file",
            "POST",
            f"/quiz/{COURSE_ID}/{CHAPTER_ID}/start",
            {"files": {"f": ("a.txt", b"x")}},
            400,
        ),
        (
            "an HTML form over 16 KiB",
            "POST",
            f"/quiz/{COURSE_ID}/{CHAPTER_ID}/answer",
            {"data": {"x": "y" * 20_000}},
            413,
        ),
        ("a report of another class", "GET", "/teacher/classes/7b/reports", {}, 403),
    ]


def _chunks(data: bytes) -> Iterator[bytes]:
    for start in range(0, len(data), 4096):
        yield data[start : start + 4096]


def test_malformed_and_hostile_requests_get_a_clear_4xx_and_append_nothing(site: Site) -> None:
    client = site.client("alice")
    started = client.post(f"{QUIZ}/start", json={"command_id": _cid()})
    question_id = started.json()["quiz"]["question"]["question_id"]
    before = site.event_count()
    failures = []
    for what, method, path, arguments, expected in _cases(site, question_id):
        response = client.request(method, path, **arguments)
        if response.status_code != expected:
            failures.append(
                f"{what}: {response.status_code} (expected {expected}) {response.text[:200]}"
            )
        elif path.startswith("/api") and "error" not in response.json():
            failures.append(f"{what}: no error code in {response.text[:200]}")
    assert not failures, "\n".join(failures)
    assert site.event_count() == before
    assert client.get(QUIZ).json()["version"] == started.json()["version"]


def test_requests_without_a_session_are_refused_without_a_500(site: Site) -> None:
    anonymous = httpx.Client(base_url=site.url)
    before = site.event_count()
    assert anonymous.get(QUIZ).status_code == 401
    assert anonymous.post(f"{QUIZ}/start", json={"command_id": _cid()}).status_code == 401
    assert anonymous.post(f"{QUIZ}/start", content=b"{oops", headers=JSON).status_code in (400, 401)
    page = anonymous.get(f"/quiz/{COURSE_ID}/{CHAPTER_ID}")
    assert page.status_code == 303 and page.headers["location"] == "/signin"
    form = anonymous.post(f"/quiz/{COURSE_ID}/{CHAPTER_ID}/start", data={"command_id": _cid()})
    assert form.status_code == 401
    assert "sign in" in form.text.lower()
    assert anonymous.get("/api/teacher/classes").status_code == 401
    assert anonymous.get("/teacher/classes/7a/reports").status_code == 303
    assert site.event_count() == before
