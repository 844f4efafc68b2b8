"""The simulator on the in-memory store: same seed, same events; a re-run appends nothing."""

from __future__ import annotations

import functools
from datetime import UTC, date, time
from typing import Any

from quizflow.eventstore import InMemoryEventStore, RecordedEvent
from quizflow.simulate import SimulationConfig, simulate
from quizflow.simulate.schedule import SCHOOL_TZ

SMALL = SimulationConfig(students=12, days=3, seed=11, workers=4)


def events(store: InMemoryEventStore) -> list[RecordedEvent]:
    return store.read_all(limit=1_000_000)


def fingerprint(store: InMemoryEventStore) -> list[tuple[Any, ...]]:
    # Positions depend on how the threads interleave; everything else must not.
    return sorted(
        (e.stream_id, e.version, e.event_id, e.type, e.data, e.metadata, e.occurred_at)
        for e in events(store)
        if e.type.startswith(("chapter-quiz/", "roster/", "course/"))
    )


def run(config: SimulationConfig = SMALL) -> InMemoryEventStore:
    store = InMemoryEventStore()
    simulate(store, config)
    return store


@functools.cache
def small() -> InMemoryEventStore:
    """One run of SMALL shared by the tests that only read it."""
    return run()


def test_the_same_seed_gives_the_same_events_ids_and_timestamps_included() -> None:
    assert fingerprint(small()) == fingerprint(run())


def test_the_events_do_not_depend_on_how_many_threads_run_the_students() -> None:
    one = SimulationConfig(students=12, days=3, seed=11, workers=1)
    many = SimulationConfig(students=12, days=3, seed=11, workers=8)
    assert fingerprint(run(one)) == fingerprint(run(many))


def test_another_seed_gives_other_events() -> None:
    other = SimulationConfig(students=12, days=3, seed=12, workers=4)
    quiz = [e[2] for e in fingerprint(small()) if e[3].startswith("chapter-quiz/")]
    assert quiz
    assert set(quiz).isdisjoint(e[2] for e in fingerprint(run(other)))


def test_running_the_same_simulation_again_appends_nothing() -> None:
    store = InMemoryEventStore()
    first = simulate(store, SMALL)
    count = len(events(store))
    again = simulate(store, SMALL)
    assert len(events(store)) == count
    assert again.events_appended == 0 and again.replayed == first.commands
    assert (again.answers, again.passes, again.restarts) == (
        first.answers,
        first.passes,
        first.restarts,
    )


def test_a_longer_simulation_continues_a_shorter_one_with_the_same_seed() -> None:
    store = InMemoryEventStore()
    simulate(store, SimulationConfig(students=12, days=2, seed=11))
    longer = simulate(store, SimulationConfig(students=12, days=3, seed=11))
    assert longer.replayed > 0 and longer.events_appended > 0
    assert fingerprint(store) == fingerprint(small())


def test_students_act_at_school_on_the_simulated_clock() -> None:
    quiz = [e for e in events(small()) if e.type.startswith("chapter-quiz/")]
    assert quiz
    for event in quiz:
        assert event.occurred_at.tzinfo is not None
        assert event.occurred_at.utcoffset() == UTC.utcoffset(None)
        at = event.occurred_at.astimezone(SCHOOL_TZ)
        assert at.date() >= date(2026, 10, 26) and at.weekday() < 5
        assert time(8, 30) <= at.time() <= time(15, 30)
    by_stream: dict[str, list[RecordedEvent]] = {}
    for event in quiz:
        by_stream.setdefault(event.stream_id, []).append(event)
    for stream in by_stream.values():
        times = [e.occurred_at for e in sorted(stream, key=lambda e: e.version)]
        assert times == sorted(times)


def test_every_quiz_event_comes_from_a_student_command() -> None:
    for event in events(small()):
        if event.type.startswith("chapter-quiz/"):
            assert event.metadata["user_id"] == event.data["student_id"]
            assert event.metadata["command_id"] and event.metadata["correlation_id"]


def test_the_summary_counts_what_the_events_show() -> None:
    store = InMemoryEventStore()
    summary = simulate(store, SMALL)
    types = [e.type.split("/")[1] for e in events(store)]
    assert summary.events_appended == len(types)
    assert summary.answers == types.count("QuestionAnsweredCorrectly") + types.count(
        "QuestionAnsweredIncorrectly"
    )
    assert summary.correct == types.count("QuestionAnsweredCorrectly")
    assert summary.passes == types.count("QuizPassed")
    assert summary.restarts == types.count("QuizStartedOver")
    assert summary.rejected == 0
