"""/api/health says what a load balancer needs: 503 when the read model is not running, or is
behind the store and has applied nothing for longer than QUIZFLOW_HEALTH_MAX_LAG_SECONDS."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx
import pytest

from quizflow.app.handler import CommandHandler
from quizflow.app.readmodel import ReadModel
from quizflow.app.web.app import create_app
from quizflow.app.web.context import WebContext
from quizflow.eventstore import ANY, START, Cursor, InMemoryEventStore, NewEvent, RecordedEvent

ROSTER_FIGURES = {"students", "classes", "courses", "quizzes", "events_applied"}


class BrokenSubscription(InMemoryEventStore):
    """A store whose subscription fails every time (as on an event the model cannot get
    past): appends, reads and the head work."""

    def subscribe(
        self,
        after: Cursor = START,
        types: Sequence[str] | None = None,
        stop: threading.Event | None = None,
        idle_timeout: float | None = None,
    ) -> Iterator[RecordedEvent]:
        raise RuntimeError("cannot get past this event")


class _Client:
    """GET on the app in this process, as an anonymous caller (a load balancer)."""

    def __init__(self, store: InMemoryEventStore, model: ReadModel, tmp_path: Path) -> None:
        ctx = WebContext(store, CommandHandler(store), model, tmp_path / "reports")
        self.app = create_app(ctx, "secret " * 8, manage_model=False)

    def get(self, path: str) -> httpx.Response:
        async def get() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                return await client.get(path)

        return asyncio.run(get())


def _append(store: InMemoryEventStore) -> Cursor:
    return store.append("other-1", ANY, [NewEvent("someone-else/Happened", {})])[-1].cursor


@pytest.fixture
def models() -> Iterator[list[ReadModel]]:
    started: list[ReadModel] = []
    yield started
    for model in started:
        model.stop()


def test_a_model_that_keeps_up_is_healthy(tmp_path: Path, models: list[ReadModel]) -> None:
    store = InMemoryEventStore()
    model = ReadModel(store)
    models.append(model)
    last = _append(store)
    model.start(catch_up_timeout=30)
    assert model.wait_for(last, timeout=30)
    answer = _Client(store, model, tmp_path).get("/api/health")
    assert answer.status_code == 200
    document = answer.json()
    assert document["ok"] is True and "problem" not in document
    assert document["read_model"]["running"] is True
    assert document["read_model"]["behind"] is False
    assert not ROSTER_FIGURES & set(document["read_model"])  # anonymous: no roster figures


def test_a_model_whose_subscription_fails_is_unhealthy_once_past_the_limit(
    tmp_path: Path, models: list[ReadModel], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = BrokenSubscription()
    model = ReadModel(store)
    models.append(model)
    model.start(catch_up_timeout=None)
    last = _append(store)
    assert not model.wait_for(last, timeout=0.1)  # never gets past it
    client = _Client(store, model, tmp_path)
    # Within the default 30 s a model may just be busy: still ok.
    assert client.get("/api/health").status_code == 200
    monkeypatch.setenv("QUIZFLOW_HEALTH_MAX_LAG_SECONDS", "0.3")
    time.sleep(0.5)
    answer = client.get("/api/health")
    assert answer.status_code == 503
    document = answer.json()
    assert document["ok"] is False
    assert "behind the store and has applied nothing" in document["problem"]
    assert document["read_model"]["running"] is True and document["read_model"]["behind"]
    assert document["read_model"]["stalled_seconds"] >= 0.3
    assert not ROSTER_FIGURES & set(document["read_model"])


def test_a_model_that_is_not_running_is_unhealthy(tmp_path: Path) -> None:
    store = InMemoryEventStore()
    model = ReadModel(store)  # never started (or its thread died)
    answer = _Client(store, model, tmp_path).get("/api/health")
    assert answer.status_code == 503
    assert answer.json()["ok"] is False
    assert answer.json()["problem"] == "the read model is not running"


def test_an_idle_model_that_just_fell_behind_is_not_reported_stuck(
    models: list[ReadModel], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = BrokenSubscription()
    model = ReadModel(store)
    models.append(model)
    model.start(catch_up_timeout=None)
    time.sleep(0.5)  # idle: nothing to apply for a while
    head = _append(store)  # an event this instant: behind, but not for long
    assert model.stalled_seconds(head) < 0.3
    assert model.stalled_seconds(START) == 0.0
