"""Driving a running ``quizflow serve`` over its JSON API (``--via http``).

Each student signs in once and keeps their own session cookie. The API stamps events with
the server's clock and takes no correlation or causation ids, so over HTTP only the ids and
the content are reproducible, not the timestamps; the simulated clock only orders actions.
"""

from __future__ import annotations

import threading
import time
import uuid
from datetime import datetime
from typing import Any

import httpx

from quizflow.quiz import Command, NextQuestion, StartOver, StartQuiz, SubmitAnswer
from quizflow.simulate.driver import DriverReply

_ACTIONS: dict[type, str] = {
    StartQuiz: "start",
    SubmitAnswer: "answer",
    NextQuestion: "next",
    StartOver: "start-over",
}
# The server learns about new students from its subscription; right after the roster is
# appended it may not know them yet.
SIGN_IN_PATIENCE_S = 15.0


class ServerUnavailable(RuntimeError):
    pass


class HttpDriver:
    def __init__(
        self,
        url: str,
        password: str,
        *,
        timeout_s: float = 10.0,
        sign_in_patience_s: float = SIGN_IN_PATIENCE_S,
    ) -> None:
        """``password``: the one the simulated students' accounts were given for this run
        (their username is their id)."""
        self.url = url.rstrip("/")
        self._password = password
        self._patience = sign_in_patience_s
        self._transport = httpx.HTTPTransport(retries=1)  # shared pool, one cookie jar each
        self._timeout = timeout_s
        self._clients: dict[str, httpx.Client] = {}
        self._lock = threading.Lock()

    def check(self) -> dict[str, Any]:
        """The server's health document; raises ServerUnavailable naming the URL and the cause."""
        try:
            response = self._new_client().get("/api/health")
        except httpx.HTTPError as error:
            raise ServerUnavailable(f"no Quizflow server at {self.url}: {error}") from None
        if response.status_code != 200:
            raise ServerUnavailable(
                f"{self.url}/api/health answered {response.status_code}: is this `quizflow serve`?"
            )
        document: dict[str, Any] = response.json()
        return document

    def send(
        self,
        student_id: str,
        command: Command,
        *,
        command_id: uuid.UUID,
        occurred_at: datetime,
        correlation_id: uuid.UUID,
        causation_id: uuid.UUID,
    ) -> DriverReply:
        client = self._client(student_id)
        body: dict[str, Any] = {"command_id": str(command_id)}
        if isinstance(command, SubmitAnswer):
            body["question_id"] = command.question_id
            body["inputs"] = dict(command.inputs)
        quiz = f"/api/quizzes/{command.course_id}/{command.chapter_id}"
        response = client.post(f"{quiz}/{_ACTIONS[type(command)]}", json=body)
        while response.status_code == 429:
            # Over the server's per-student command limit: wait as told, then the same command
            # again (its id makes a retry safe).
            time.sleep(float(response.headers.get("retry-after", "1")))
            response = client.post(f"{quiz}/{_ACTIONS[type(command)]}", json=body)
        document = _json(response)
        if response.status_code >= 500 or "status" not in document:
            raise ServerUnavailable(
                f"POST {quiz}/{_ACTIONS[type(command)]} answered {response.status_code}: "
                f"{response.text[:300]}"
            )
        events = document.get("events") or []
        view = document.get("quiz")
        if document["status"] != "ok":
            view = _json(client.get(quiz))  # where the quiz stands, to catch up
        question = (view or {}).get("question") or (view or {}).get("last_answer") or {}
        return DriverReply(
            status=str(document["status"]),
            events=tuple((e["type"], e["data"]) for e in events),
            event_ids=tuple(uuid.UUID(e["event_id"]) for e in events),
            appended=0 if document.get("replayed") else len(events),
            reason=document.get("detail") or document.get("reason"),
            quiz_status=str((view or {}).get("status", "not-started")),
            question_id=question.get("question_id"),
        )

    def close(self) -> None:
        self._transport.close()

    def _new_client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, transport=self._transport, timeout=self._timeout)

    def _client(self, student_id: str) -> httpx.Client:
        with self._lock:
            client = self._clients.get(student_id)
        if client is not None:
            return client
        client = self._new_client()
        deadline = time.monotonic() + self._patience
        while True:
            response = client.post(
                "/api/signin", json={"username": student_id, "password": self._password}
            )
            if response.status_code == 200:
                break
            if response.status_code != 401 or time.monotonic() > deadline:
                raise ServerUnavailable(
                    f"signing in {student_id} at {self.url} failed ({response.status_code}): "
                    f"{response.text[:300]}; does the server use the same database?"
                )
            time.sleep(0.2)
        with self._lock:
            self._clients[student_id] = client
        return client


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        document = response.json()
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}
