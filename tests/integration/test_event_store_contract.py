"""One contract every event store passes: the in-memory one and the PostgreSQL one."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime

import pytest

from quizflow.eventstore import (
    ANY,
    NO_STREAM,
    START,
    ConcurrencyError,
    Cursor,
    DuplicateEventError,
    EventStore,
    InvalidEventError,
    NewEvent,
)
from quizflow.quiz import EVENT_TYPES


@pytest.fixture
def store(any_store: EventStore) -> EventStore:
    return any_store


def event(type_: str = "test/Happened", **data: object) -> NewEvent:
    return NewEvent(type=type_, data=data)


def test_an_append_to_a_new_stream_numbers_versions_from_one(store: EventStore) -> None:
    stored = store.append("s", NO_STREAM, [event(n=1), event(n=2)])
    assert [e.version for e in stored] == [1, 2]
    assert [e.data for e in stored] == [{"n": 1}, {"n": 2}]
    assert stored[0].position < stored[1].position
    assert store.stream_version("s") == 2


def test_the_envelope_keeps_metadata_and_the_callers_occurred_at(store: EventStore) -> None:
    when = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
    new = NewEvent("test/Happened", {"a": 1}, {"command_id": "c-1"}, occurred_at=when)
    [stored] = store.append("s", ANY, [new])
    assert stored.event_id == new.event_id
    assert stored.metadata == {"command_id": "c-1"}
    assert stored.occurred_at == when
    assert stored.recorded_at > when


def test_occurred_at_defaults_to_the_time_of_the_append(store: EventStore) -> None:
    before = datetime.now(UTC)
    [stored] = store.append("s", ANY, [event()])
    assert abs((stored.occurred_at - before).total_seconds()) < 5


def test_a_wrong_expected_version_raises_with_expected_and_actual(store: EventStore) -> None:
    store.append("s", NO_STREAM, [event(), event()])
    with pytest.raises(ConcurrencyError) as raised:
        store.append("s", 1, [event()])
    assert raised.value.expected == 1
    assert raised.value.actual == 2
    assert store.stream_version("s") == 2


def test_no_stream_fails_when_the_stream_exists(store: EventStore) -> None:
    store.append("s", NO_STREAM, [event()])
    with pytest.raises(ConcurrencyError) as raised:
        store.append("s", NO_STREAM, [event()])
    assert raised.value.actual == 1


def test_any_appends_whatever_the_version(store: EventStore) -> None:
    store.append("s", ANY, [event()])
    stored = store.append("s", ANY, [event()])
    assert stored[0].version == 2


def test_an_exact_expected_version_appends_after_it(store: EventStore) -> None:
    store.append("s", NO_STREAM, [event()])
    assert store.append("s", 1, [event()])[0].version == 2


@pytest.mark.parametrize("size", [1, 2])
def test_retrying_a_stored_append_returns_the_stored_events_and_stores_nothing(
    store: EventStore, size: int
) -> None:
    batch = [event(n=n) for n in range(size)]
    first = store.append("s", NO_STREAM, batch)
    again = store.append("s", NO_STREAM, batch)
    assert [(e.event_id, e.position, e.version) for e in again] == [
        (e.event_id, e.position, e.version) for e in first
    ]
    assert len(store.read_stream("s")) == size


@pytest.mark.parametrize("with_metadata", [True, False])
@pytest.mark.parametrize("size", [1, 3])
def test_an_append_returns_the_events_exactly_as_a_read_gives_them(
    store: EventStore, size: int, with_metadata: bool
) -> None:
    store.append("s", ANY, [event(n=-1)])
    when = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
    batch = [
        NewEvent(
            "test/Happened",
            {"n": n, "pair": (n, "x"), "nested": {"at": when}},
            {"command_id": f"c-{n}"} if with_metadata else {},
            occurred_at=when if n % 2 else None,
        )
        for n in range(size)
    ]
    stored = store.append("s", 1, batch)
    assert stored == store.read_stream("s", from_version=2)
    assert [e.version for e in stored] == list(range(2, size + 2))
    assert stored[0].data["pair"] == [0, "x"]  # as JSON keeps it: a list
    assert stored[0].metadata == ({"command_id": "c-0"} if with_metadata else {})


def test_reusing_an_event_id_for_a_different_event_is_an_error(store: EventStore) -> None:
    original = event(n=1)
    store.append("s", ANY, [original])
    forged = NewEvent("test/Happened", {"n": 2}, event_id=original.event_id)
    with pytest.raises(DuplicateEventError):
        store.append("s", ANY, [forged])
    with pytest.raises(DuplicateEventError):
        store.append(
            "other", ANY, [NewEvent("test/Happened", {"n": 1}, event_id=original.event_id)]
        )
    assert store.stream_version("other") == 0


def test_an_invalid_expected_version_is_refused(store: EventStore) -> None:
    with pytest.raises(ValueError):
        store.append("s", -3, [event()])
    with pytest.raises(ValueError):
        store.append("s", "latest", [event()])  # type: ignore[arg-type]


def test_read_stream_from_a_version(store: EventStore) -> None:
    store.append("s", ANY, [event(n=i) for i in range(5)])
    store.append("t", ANY, [event(n=99)])
    assert [e.data["n"] for e in store.read_stream("s", from_version=4)] == [3, 4]
    assert store.read_stream("missing") == []
    assert store.stream_version("missing") == 0


def test_read_all_pages_through_every_stream_in_global_order(store: EventStore) -> None:
    for i in range(7):
        store.append(f"s-{i % 3}", ANY, [event(n=i)])
    seen, cursor = [], START
    while page := store.read_all(after=cursor, limit=3):
        seen.extend(e.data["n"] for e in page)
        cursor = page[-1].cursor
    assert seen == list(range(7))
    assert store.head() == cursor


def test_read_all_filters_by_type_and_head_of_an_empty_store_is_the_start(
    store: EventStore,
) -> None:
    assert store.head() == START
    store.append("s", ANY, [event("a/One"), event("b/Two"), event("a/One")])
    assert [e.type for e in store.read_all(types=["a/One"])] == ["a/One", "a/One"]


def test_cursors_order_and_print_and_parse(store: EventStore) -> None:
    store.append("s", ANY, [event(), event()])
    first, second = store.read_all()
    assert first.cursor < second.cursor
    assert Cursor.parse(str(second.cursor)) == second.cursor
    with pytest.raises(ValueError):
        Cursor.parse("12")


def test_subscribe_catches_up_then_delivers_new_events_live(store: EventStore) -> None:
    store.append("s", ANY, [event(n=0)])
    received: list[tuple[int, float]] = []
    stop = threading.Event()

    def follow() -> None:
        for e in store.subscribe(after=START, stop=stop):
            received.append((e.data["n"], time.monotonic()))

    follower = threading.Thread(target=follow, daemon=True)
    follower.start()
    deadline = time.monotonic() + 5
    while not received and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)  # let the subscriber go idle, waiting for a wake-up
    appended_at = time.monotonic()
    store.append("s", ANY, [event(n=1)])
    while len(received) < 2 and time.monotonic() < deadline:
        time.sleep(0.005)
    stop.set()
    follower.join(timeout=5)
    assert [n for n, _ in received] == [0, 1]
    # Live delivery is a wake-up, not the fallback poll (which waits a second).
    assert received[1][1] - appended_at < 0.5


def test_subscribe_ends_after_its_idle_timeout(store: EventStore) -> None:
    store.append("s", ANY, [event(n=0), event(n=1)])
    got = [e.data["n"] for e in store.subscribe(after=START, idle_timeout=0.2)]
    assert got == [0, 1]


def test_stored_events_cannot_be_changed_through_the_callers_data(store: EventStore) -> None:
    data = {"inputs": {"_INPUT_1_": "2"}}
    store.append("s", ANY, [NewEvent("test/Happened", data)])
    data["inputs"]["_INPUT_1_"] = "3"
    assert store.read_stream("s")[0].data == {"inputs": {"_INPUT_1_": "2"}}


def test_event_ids_are_the_callers_or_fresh_random_uuids_and_read_back_the_same(
    store: EventStore,
) -> None:
    chosen = uuid.uuid4()
    given = NewEvent(type="test/Happened", data={"n": 0}, event_id=chosen)
    stored = store.append("s", ANY, [given, event(n=1), event(n=2)])
    assert stored[0].event_id == chosen
    made = [e.event_id for e in stored[1:]]
    assert all(isinstance(i, uuid.UUID) and i.version == 4 for i in made)
    assert len({chosen, *made}) == 3
    assert [e.event_id for e in store.read_stream("s")] == [chosen, *made]


@pytest.mark.parametrize("size", [1, 3])
def test_an_event_of_an_unknown_type_is_refused_and_nothing_of_its_append_is_stored(
    store: EventStore, size: int
) -> None:
    store.append("s", NO_STREAM, [event(n=0)])
    unknown = event("no-such/Type", n=2)
    batch = [unknown] if size == 1 else [event(n=1), unknown, event(n=3)]
    with pytest.raises(InvalidEventError, match="unknown event type 'no-such/Type'"):
        store.append("s", 1, batch)
    assert store.stream_version("s") == 1
    assert [e.data for e in store.read_all()] == [{"n": 0}]
    # The refusal is no conflict: the same version is still free for a usable event.
    assert store.append("s", 1, [event(n=4)])[0].version == 2


def test_an_unknown_type_is_refused_whatever_the_expected_version(store: EventStore) -> None:
    for expected in (NO_STREAM, ANY):
        with pytest.raises(InvalidEventError):
            store.append("s", expected, [event("")])
    assert store.read_all() == []


def test_every_type_of_the_quiz_vocabulary_is_accepted(store: EventStore) -> None:
    """docs/events.md's types, as quizflow.quiz.EVENT_TYPES lists them: a migration that adds
    a type must add it to quizflow.event_types too."""
    refused = []
    for type_ in sorted(EVENT_TYPES):
        try:
            store.append(f"s-{type_}", NO_STREAM, [event(type_)])
        except InvalidEventError:
            refused.append(type_)
    assert refused == [], "add these types to quizflow.event_types in a migration"
    assert sorted(e.type for e in store.read_all()) == sorted(EVENT_TYPES)


def test_read_streams_gives_named_and_prefixed_streams_once_each_in_global_order(
    store: EventStore,
) -> None:
    for n, stream_id in enumerate(
        ["q/a/c/1", "q/ab/c/1", "other", "q/a/c/2", "q/a/c/1", "q/a", "q/a0/x", "q/b/c/1"]
    ):
        store.append(stream_id, ANY, [event(n=n)])
    found = store.read_streams(["q/a/c/1", "other", "missing"], prefixes=["q/a/"])
    assert [(e.stream_id, e.data["n"]) for e in found] == [
        ("q/a/c/1", 0),
        ("other", 2),
        ("q/a/c/2", 3),
        ("q/a/c/1", 4),
    ]
    assert [e.cursor for e in found] == sorted(e.cursor for e in found)
    assert [e.data["n"] for e in store.read_streams([], prefixes=["q/b/", "q/a0"])] == [6, 7]
    assert store.read_streams([]) == []


def test_read_all_but_quiz_events_leaves_out_the_quizzes_between_two_cursors(
    store: EventStore,
) -> None:
    first = store.append("other", ANY, [event(n=1)])[-1].cursor
    store.append("chapter-quiz/s/c/ch", ANY, [event("chapter-quiz/QuizStarted", n=2)])
    third = store.append("mixed", ANY, [event("a/One", n=3)])[-1].cursor
    fourth = store.append("other", ANY, [event(n=4)])[-1].cursor

    def numbers(after: Cursor, upto: Cursor, limit: int = 1000) -> list[int]:
        return [e.data["n"] for e in store.read_all_but_quiz_events(after, upto, limit)]

    assert numbers(START, third) == [1, 3]
    assert numbers(first, third) == [3]
    assert numbers(START, fourth) == [1, 3, 4]
    assert numbers(START, fourth, limit=1) == [1]
    assert numbers(third, third) == []
