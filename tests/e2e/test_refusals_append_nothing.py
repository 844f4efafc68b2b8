"""Events appended by refused input: 0. Every hostile request of this directory's tests (the
malformed and hostile bodies, text PostgreSQL cannot store, forged cookies, other roles and
classes, forms without their token, a reused command id, the command limit) is sent once more
here, one at a time, and the store's log is read before and after each: a refused request
appends nothing, and none is answered with a 5xx.

One refusal may record something by design: an answer the quiz cannot read (letters where a
number is asked) is answered 422 ``unreadable-answer``, and may be stored as one
``UnreadableAnswerRefused`` event of the student's quiz, for analytics, with the quiz
unchanged. It is counted apart, and held to at most that one event.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from quizflow.app.web.app import SESSION_COOKIE
from tests.e2e.test_web_hostile import _cases
from tests.fault_figures import record_figures

Site = Any  # the `site` fixture of tests/e2e/conftest.py

UNREADABLE = "chapter-quiz/UnreadableAnswerRefused"


@dataclass
class Refusals:
    site: Site
    refused: int = 0
    answered_5xx: list[str] = field(default_factory=list)
    appended: list[str] = field(default_factory=list)
    recorded_by_design: int = 0

    def send(self, client: httpx.Client, what: str, method: str, path: str, **kw: Any) -> int:
        before = self._last_position()
        response = client.request(method, path, **kw)
        types = self._types_after(before)
        status = response.status_code
        if status >= 500:
            self.answered_5xx.append(f"{what}: {status} {response.text[:200]}")
        if status >= 400:
            self.refused += 1
            body = response.json() if "json" in response.headers.get("content-type", "") else {}
            if body.get("error") == "unreadable-answer":
                # At most its own record, nothing else.
                assert types in ([], [UNREADABLE]), (what, types)
                self.recorded_by_design += len(types)
            elif types:
                self.appended.append(f"{what}: {status} appended {types}")
        return status

    # Every committed row, by its position (a sequence): not the readers' cursor, which holds
    # back events while any older transaction on the server is open.
    def _last_position(self) -> int:
        with self.site.store._pool.connection() as conn:
            row = conn.execute("select coalesce(max(position), 0) from quizflow.events").fetchone()
        return int(row[0]) if row else 0

    def _types_after(self, position: int) -> list[str]:
        with self.site.store._pool.connection() as conn:
            rows = conn.execute(
                "select type from quizflow.events where position > %s order by position",
                [position],
            ).fetchall()
        return [str(row[0]) for row in rows]


def _forged_cookies() -> list[str]:
    import base64

    import itsdangerous

    signer = itsdangerous.TimestampSigner("test-secret-not-for-production")
    return [
        "garbage",
        base64.b64encode(b'{"sid": "abc"}').decode(),
        signer.sign(base64.b64encode(json.dumps({"sid": "z" * 43}).encode())).decode(),
        signer.sign(base64.b64encode(json.dumps(["sid", "alice"]).encode())).decode(),
    ]


def test_no_refused_request_appends_an_event(site: Site) -> None:
    refusals = Refusals(site)
    quiz = f"/api/quizzes/{site.course_id}/{site.chapter_id}"
    page = f"/quiz/{site.course_id}/{site.chapter_id}"
    alice = site.client("alice")
    start_id = str(uuid.uuid4())
    started = alice.post(f"{quiz}/start", json={"command_id": start_id})
    question = started.json()["quiz"]["question"]
    question_id, field_name = question["question_id"], question["fields"][0]["name"]
    right = site.right(question_id)

    # The malformed and hostile requests of test_web_hostile.
    for what, method, path, arguments, _ in _cases(site, question_id):
        refusals.send(alice, what, method, path, **arguments)

    # Text jsonb cannot store, through the API and the form.
    for what, value in (("a NUL", right[field_name] + "\u0000"), ("only a NUL", "\u0000")):
        body = {"command_id": str(uuid.uuid4()), "question_id": question_id}
        body["inputs"] = {**right, field_name: value}
        refusals.send(alice, f"API: {what}", "POST", f"{quiz}/answer", json=body)
    raw = (
        f'{{"command_id": "{uuid.uuid4()}", "question_id": "{question_id}",'
        f' "inputs": {{"{field_name}": "\\ud800"}}}}'
    ).encode()
    headers = {"content-type": "application/json"}
    refusals.send(alice, "a lone surrogate", "POST", f"{quiz}/answer", content=raw, headers=headers)
    form = site.hidden_fields(alice.get(page).text, f"{page}/answer")
    refusals.send(
        alice,
        "form: a NUL",
        "POST",
        f"{page}/answer",
        data={**form, f"answer.{field_name}": "\x00"},
    )

    # A command id reused for another command; a command the rules refuse.
    for action in ("next", "start-over"):
        refusals.send(
            alice, f"reused id: {action}", "POST", f"{quiz}/{action}", json={"command_id": start_id}
        )
        refusals.send(
            alice,
            f"rules: {action}",
            "POST",
            f"{quiz}/{action}",
            json={"command_id": str(uuid.uuid4())},
        )

    # No session, forged sessions, other roles and classes.
    anonymous = httpx.Client(base_url=site.url, timeout=10)
    for path in (quiz, "/api/courses", "/api/me", "/api/teacher/classes"):
        refusals.send(anonymous, f"anonymous {path}", "GET", path)
    refusals.send(
        anonymous,
        "anonymous start",
        "POST",
        f"{quiz}/start",
        json={"command_id": str(uuid.uuid4())},
    )
    refusals.send(
        anonymous, "anonymous form", "POST", f"{page}/start", data={"command_id": str(uuid.uuid4())}
    )
    for n, cookie in enumerate(_forged_cookies()):
        forged = httpx.Client(base_url=site.url, cookies={SESSION_COOKIE: cookie}, timeout=10)
        refusals.send(
            forged,
            f"forged cookie {n}",
            "POST",
            f"{quiz}/start",
            json={"command_id": str(uuid.uuid4())},
        )
    # (Signed in before the wrong passwords below throttle this address.)
    teacher, other_teacher, bob = site.client("t-ada"), site.client("t-bo"), site.client("bob")
    refusals.send(
        teacher,
        "a teacher's command",
        "POST",
        f"{quiz}/start",
        json={"command_id": str(uuid.uuid4())},
    )
    refusals.send(alice, "a student at the teacher API", "GET", "/api/teacher/classes")
    refusals.send(other_teacher, "another class's report", "GET", "/teacher/classes/7a/reports")
    refusals.send(other_teacher, "another class's student", "GET", "/api/teacher/students/alice")

    # Wrong passwords until throttled, and commands past the limit.
    for n in range(25):
        refusals.send(
            anonymous,
            f"wrong password {n}",
            "POST",
            "/api/signin",
            json={"username": "bob", "password": f"wrong {n}"},
        )
    bob.post(f"{quiz}/start", json={"command_id": str(uuid.uuid4())})
    for n in range(40):
        refusals.send(
            bob,
            f"command {n} at once",
            "POST",
            f"{quiz}/next",
            json={"command_id": str(uuid.uuid4())},
        )

    # The refusal recorded by design: an answer the quiz cannot read.
    numeric = {name: "not a number at all" for name in right}
    refusals.send(
        alice,
        "an unreadable answer",
        "POST",
        f"{quiz}/answer",
        json={"command_id": str(uuid.uuid4()), "question_id": question_id, "inputs": numeric},
    )

    record_figures(
        "refused-input",
        {
            "requests_refused": refusals.refused,
            "answered_5xx": len(refusals.answered_5xx),
            "events_appended_by_refused_input": len(refusals.appended),
            "unreadable_answers_recorded_by_design": refusals.recorded_by_design,
        },
    )
    assert refusals.refused >= 100
    assert not refusals.answered_5xx, refusals.answered_5xx
    assert not refusals.appended, refusals.appended
