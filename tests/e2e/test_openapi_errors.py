"""The OpenAPI document lists the error answers the API really gives.

Every operation under /api is probed as the tests of this directory probe it (no session,
another role, unknown ids, bodies that are not JSON, too large, not the expected fields, a
reused command id, too many attempts); each status it answers must be one the document
declares for that operation, with the error body it declares. Each refused probe also counts
the store's events before and after: a refusal appends nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.fault_figures import record_figures

Site = Any  # the `site` fixture of tests/e2e/conftest.py

ROLES = {"student": "alice", "teacher": "t-ada", "admin": "a-ann"}


@dataclass
class Observed:
    """What the server answered to each operation, and what every refusal appended."""

    site: Site
    statuses: dict[tuple[str, str], set[int]] = field(default_factory=dict)
    bodies: list[tuple[str, str, int, Any]] = field(default_factory=list)
    refused: int = 0
    appended_by_refusals: list[str] = field(default_factory=list)

    def send(
        self, client: httpx.Client, operation: tuple[str, str], path: str, **arguments: Any
    ) -> httpx.Response:
        method, _ = operation
        before = self.site.event_count()
        response = client.request(method, path, **arguments)
        self.statuses.setdefault(operation, set()).add(response.status_code)
        if response.status_code >= 400:
            self.refused += 1
            try:
                body = response.json()
            except ValueError:
                body = response.text
            self.bodies.append((method, path, response.status_code, body))
            appended = self.site.event_count() - before
            if appended:
                self.appended_by_refusals.append(f"{method} {path} {response.status_code}")
        return response


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, operations in document["paths"].items():
        if path.startswith("/api/"):
            for method, operation in operations.items():
                yield method.upper(), path, operation


def _filled(template: str, site: Site, unknown: bool = False) -> str:
    values = {
        "{course_id}": site.course_id,
        "{chapter_id}": site.chapter_id,
        "{student_id}": "alice",
    }
    for name, value in values.items():
        template = template.replace(name, "no-such-thing" if unknown else value)
    return template


def _good_body(path: str, site: Site, question_id: str | None) -> dict[str, Any] | None:
    if path.endswith("/answer") and question_id:
        return {
            "command_id": str(uuid.uuid4()),
            "question_id": question_id,
            "inputs": site.right(question_id),
        }
    if "/quizzes/" in path:
        return {"command_id": str(uuid.uuid4())}
    if path == "/api/signin":
        return {"username": "alice", "password": "not the password"}
    if path == "/api/activate":
        return {"username": "alice", "code": "WRONG-CODE", "password": "a new long password"}
    return None


def probe(site: Site, document: dict[str, Any]) -> Observed:
    observed = Observed(site)
    clients = {role: site.client(user) for role, user in ROLES.items()}
    anonymous = httpx.Client(base_url=site.url, timeout=10)
    start_id = str(uuid.uuid4())
    started = clients["student"].post(
        f"/api/quizzes/{site.course_id}/{site.chapter_id}/start", json={"command_id": start_id}
    )
    question_id = started.json()["quiz"]["question"]["question_id"]
    for method, template, _ in _operations(document):
        operation = (method, template)
        path = _filled(template, site)
        body = _good_body(template, site, question_id)
        as_json = {"json": body} if body is not None else {}
        if template != "/api/signout":  # it would end the session the later probes use
            for client in (anonymous, *clients.values()):
                observed.send(client, operation, path, **as_json)
        if "{" in template:
            for client in clients.values():
                observed.send(client, operation, _filled(template, site, unknown=True), **as_json)
        if method != "POST" or template == "/api/signout":  # it takes no body
            continue
        student = clients["student"]
        for hostile in (
            {"content": b"{not json", "headers": {"content-type": "application/json"}},
            {"json": [1, 2]},
            {"json": {"unexpected": True}},
            {"data": {"command_id": str(uuid.uuid4())}},
            {"content": b"{}"},
            {"json": {"padding": "x" * 20_000}},
        ):
            observed.send(student, operation, path, **hostile)
        if "/quizzes/" in template:
            # A command id used for another command, and one the rules refuse.
            observed.send(student, operation, path, json={**(body or {}), "command_id": start_id})
    # Too many attempts, and too many commands at once.
    for _ in range(25):
        observed.send(
            anonymous,
            ("POST", "/api/signin"),
            "/api/signin",
            json={"username": "bob", "password": "not the password"},
        )
    for _ in range(40):
        observed.send(
            clients["student"],
            ("POST", "/api/quizzes/{course_id}/{chapter_id}/next"),
            f"/api/quizzes/{site.course_id}/{site.chapter_id}/next",
            json={"command_id": str(uuid.uuid4())},
        )
    observed.send(clients["student"], ("POST", "/api/signout"), "/api/signout")
    return observed


def test_every_status_the_api_answers_is_declared_in_the_openapi_document(site: Site) -> None:
    document = httpx.get(f"{site.url}/openapi.json").json()
    operations = {(method, path): op for method, path, op in _operations(document)}
    assert len(operations) >= 10, sorted(operations)

    # Every declared refusal has a body schema: the error body (health: its own, or that).
    error_body = {"$ref": "#/components/schemas/ErrorBody"}
    for (method, path), operation in operations.items():
        for status, response in operation["responses"].items():
            if int(status) < 400:
                continue
            schema = response["content"]["application/json"]["schema"]
            assert schema == error_body or error_body in schema.get("anyOf", []), (
                method,
                path,
                status,
                schema,
            )
    assert "HTTPValidationError" not in document["components"]["schemas"]

    observed = probe(site, document)
    undeclared = {
        (method, path): sorted(
            s for s in seen if str(s) not in operations[(method, path)]["responses"]
        )
        for (method, path), seen in observed.statuses.items()
    }
    undeclared = {operation: statuses for operation, statuses in undeclared.items() if statuses}
    assert not undeclared, undeclared
    # The probes reached every operation and met most kinds of refusal.
    assert set(observed.statuses) == set(operations)
    seen = set().union(*observed.statuses.values())
    assert {400, 401, 403, 404, 409, 413, 415, 422, 429} <= seen, sorted(seen)
    # Every refusal under /api is the declared body: a code and a sentence.
    malformed = [
        (method, path, status, body)
        for method, path, status, body in observed.bodies
        if not (
            isinstance(body, dict)
            and isinstance(body.get("error"), str)
            and isinstance(body.get("detail"), str)
            and body["detail"]
        )
    ]
    assert not malformed, malformed[:5]
    five_hundreds = [b for b in observed.bodies if b[2] >= 500]
    record_figures(
        "openapi-probes",
        {
            "operations": len(operations),
            "requests_refused": observed.refused,
            "answered_5xx": len(five_hundreds),
            "events_appended_by_refused_requests": len(observed.appended_by_refusals),
        },
    )
    assert not five_hundreds, five_hundreds[:5]
    assert not observed.appended_by_refusals, observed.appended_by_refusals
