"""How a PostgreSQL subscriber learns of new events: a NOTIFY wakes it when idle; while events
flow it polls, because each process announces its appends at most once per interval."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from quizflow.eventstore import ANY, START, NewEvent
from quizflow.eventstore import notifier as notifier_module
from quizflow.eventstore import postgres as postgres_module
from quizflow.eventstore.postgres import PostgresEventStore

# Far longer than any deadline below: an event delivered in time was not found by this timer.
NEVER_S = 60.0
DEADLINE_S = 10.0


class Follower:
    def __init__(self, store: PostgresEventStore) -> None:
        self.received: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._follow, args=(store,), daemon=True)
        self._thread.start()

    def _follow(self, store: PostgresEventStore) -> None:
        for event in store.subscribe(after=START, stop=self._stop):
            self.received.append(event.data["n"])

    def wait_for(self, count: int) -> bool:
        deadline = time.monotonic() + DEADLINE_S
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.005)
        return len(self.received) >= count

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


@pytest.fixture
def store(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[PostgresEventStore]:
    monkeypatch.setattr(postgres_module, "_FALLBACK_POLL_S", NEVER_S)
    with PostgresEventStore(pg_url) as opened:
        yield opened


def test_an_idle_subscriber_is_woken_by_the_notification(
    store: PostgresEventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(postgres_module, "HOT_WINDOW_S", 0.05)  # cold almost at once
    follower = Follower(store)
    time.sleep(0.3)  # past the hot window: only a NOTIFY can wake it now
    store.append("s", ANY, [NewEvent("t/A", {"n": 1})])
    try:
        assert follower.wait_for(1), "the NOTIFY did not wake the idle subscriber"
    finally:
        follower.stop()
    assert follower.received == [1]


def test_events_the_notifier_has_not_announced_yet_are_still_delivered(
    store: PostgresEventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(notifier_module, "NOTIFY_INTERVAL_S", NEVER_S)
    follower = Follower(store)
    try:
        store.append("s", ANY, [NewEvent("t/A", {"n": 1})])  # announced at once
        assert follower.wait_for(1)
        for n in (2, 3):
            time.sleep(0.1)
            store.append("s", ANY, [NewEvent("t/A", {"n": n})])  # held back by the interval
        assert follower.wait_for(3), "a subscriber that just got events stopped polling"
    finally:
        follower.stop()
    assert follower.received == [1, 2, 3]
