"""After PostgreSQL drops every connection (a restart, a failover, an administrator), the server
answers the next commands and views without a 5xx, on the same keep-alive connection.

The backends are ended with ``pg_terminate_backend`` from an owner connection: every pooled
connection of the server (commands, the sync store, sign-in, sessions) and the read model's
subscription die at once, as in a restart, while the server process keeps running.
"""

from __future__ import annotations

import json
import re
import socket
import time
import uuid
from typing import Any

import httpx
import psycopg
import pytest

from tests.e2e.conftest import Site


def terminate_backends(pg_url: str) -> int:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        rows = conn.execute(
            "select pg_terminate_backend(pid) from pg_stat_activity"
            " where datname = current_database() and pid <> pg_backend_pid()"
        ).fetchall()
    return len(rows)


def command(client: httpx.Client, site: Site, action: str, **body: Any) -> httpx.Response:
    return client.post(
        f"/api/quizzes/{site.course_id}/{site.chapter_id}/{action}",
        json={"command_id": str(uuid.uuid4()), **body},
    )


@pytest.mark.faults
def test_commands_and_views_succeed_right_after_the_database_dropped_every_connection(
    site: Site, pg_url: str
) -> None:
    alice = site.client("alice")
    quiz = f"/api/quizzes/{site.course_id}/{site.chapter_id}"
    assert command(alice, site, "start").status_code == 200
    assert alice.get(quiz).status_code == 200

    for _ in range(2):  # twice: the connections made again after the first time die too
        assert terminate_backends(pg_url) >= 3
        time.sleep(0.2)  # the terminations have landed: every pooled connection is dead now
        responses = []
        # Several of each kind, on Alice's one keep-alive connection: a pool holds several
        # connections, and each dead one used to cost one request a 503.
        for _ in range(4):
            view = alice.get(quiz)
            responses.append(view)
            question = view.json().get("question")
            if question:
                responses.append(
                    command(
                        alice,
                        site,
                        "answer",
                        question_id=question["question_id"],
                        inputs=site.wrong(question["question_id"]),
                    )
                )
            else:
                responses.append(command(alice, site, "start-over"))
            responses.append(alice.get("/api/courses"))
            responses.append(alice.get("/api/me"))
        responses.append(site.client("bob").get("/api/me"))  # a new sign-in
        failed = [
            (r.request.method, r.request.url.path, r.status_code, r.text)
            for r in responses
            if r.status_code >= 500
        ]
        assert not failed
        assert all(r.status_code < 400 for r in responses), [
            (r.request.url.path, r.status_code, r.text) for r in responses if r.status_code >= 400
        ]


def _get(sock: socket.socket, path: str) -> tuple[int, bytes]:
    """One GET on an open keep-alive connection: the status and the body."""
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: test\r\n\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))  # type: ignore[union-attr]
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        body += chunk
    assert b"connection: close" not in head.lower(), head
    return int(head.split(b" ")[1]), body


def test_an_error_answer_keeps_the_clients_connection_open(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    failures = iter(
        [
            psycopg.OperationalError("server closed the connection unexpectedly"),
            RuntimeError("a bug"),
        ]
    )

    def status() -> dict[str, object]:  # what /api/health asks the read model first
        raise next(failures)

    monkeypatch.setattr(site.model, "status", status)
    host, port = site.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        status, body = _get(sock, "/api/health")
        assert status == 503 and json.loads(body)["error"] == "database-unavailable"
        status, body = _get(sock, "/api/health")  # the same connection, still open
        assert status == 500 and json.loads(body)["error"] == "internal-error"
        monkeypatch.undo()
        status, _ = _get(sock, "/api/health")
        assert status == 200
