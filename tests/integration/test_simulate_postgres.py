"""The simulator against real PostgreSQL: a small school term through the command handler."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from quizflow.eventstore import InMemoryEventStore
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.privacy.keys import names_of
from quizflow.quiz import EVENT_TYPES, from_payload
from quizflow.simulate import SimulationConfig, Summary, simulate

CONFIG = SimulationConfig(students=10, days=3, seed=3, workers=4)


def stored(pg_url: str) -> list[tuple[Any, ...]]:
    # Straight from the table: read_all holds back behind any open transaction in the cluster
    # (other tests run alongside), which is right for readers but not what is counted here.
    with psycopg.connect(pg_url) as conn:
        return conn.execute(
            "select stream_id, version, event_id, type, data, metadata, occurred_at"
            " from quizflow.events order by stream_id, version"
        ).fetchall()


def in_memory(store: InMemoryEventStore) -> list[tuple[Any, ...]]:
    return sorted(
        (e.stream_id, e.version, e.event_id, e.type, e.data, e.metadata, e.occurred_at)
        for e in store.read_all(limit=1_000_000)
    )


@pytest.fixture
def simulated(pg_url: str) -> Iterator[tuple[PostgresEventStore, Summary]]:
    store = PostgresEventStore(pg_url, max_size=CONFIG.workers + 2)
    summary = simulate(store, CONFIG)
    yield store, summary
    store.close()


def test_a_small_simulation_produces_every_kind_of_quiz_event(
    pg_url: str, simulated: tuple[PostgresEventStore, Summary]
) -> None:
    _, summary = simulated
    types = Counter(row[3] for row in stored(pg_url))
    # Everything but what only an administrator does (moves, renames, roles, deactivation, a
    # school's time zone).
    # A refusal of an unreadable answer comes only from the odd slip of the keyboard ("3/4"
    # typed "/34"), so a small simulation may have none.
    expected = {
        t
        for t in EVENT_TYPES
        if t.startswith(("chapter-quiz/", "course/", "roster/"))
        and t
        not in ("roster/StudentMoved", "roster/StudentRenamed", "roster/SchoolTimeZoneChanged")
    } | {"accounts/AccountCreated"}
    sometimes = {"chapter-quiz/UnreadableAnswerRefused"}
    assert expected - sometimes <= set(types) <= expected
    assert types["roster/StudentEnrolled"] == 10
    assert summary.passes > 0 and summary.restarts > 0 and summary.rejected == 0
    assert 0.2 < summary.correct_share < 0.9
    assert summary.events_appended == sum(types.values())


def test_running_the_simulation_again_appends_nothing(
    pg_url: str, simulated: tuple[PostgresEventStore, Summary]
) -> None:
    store, first = simulated
    before = stored(pg_url)
    again = simulate(store, CONFIG)
    assert stored(pg_url) == before
    assert again.events_appended == 0
    assert again.replayed == first.commands
    assert (again.answers, again.correct, again.passes) == (
        first.answers,
        first.correct,
        first.passes,
    )


def test_postgres_holds_exactly_the_events_of_the_same_simulation_in_memory(
    pg_url: str, simulated: tuple[PostgresEventStore, Summary]
) -> None:
    store, _ = simulated
    memory = InMemoryEventStore()
    simulate(memory, CONFIG)
    names = names_of(store)
    opened = []
    for stream_id, version, event_id, type_, data, metadata, occurred_at in stored(pg_url):
        for field, subject in (
            ("name", data.get("student_id") or data.get("account_id")),
            ("teacher_name", data.get("teacher_id")),
        ):
            if isinstance(data.get(field), dict):
                sealed = from_payload(type_, data)
                data = {**data, field: names.reveal(getattr(sealed, field), subject)}
        opened.append((stream_id, version, event_id, type_, data, metadata, occurred_at))
    # Names are sealed in PostgreSQL (the in-memory store has no keys) and open to the same.
    assert opened == in_memory(memory)
    sealed_names = [d for _, _, _, t, d, _, _ in stored(pg_url) if t == "roster/StudentEnrolled"]
    assert sealed_names and all(d["name"]["sealed"] == "aes-256-gcm" for d in sealed_names)
