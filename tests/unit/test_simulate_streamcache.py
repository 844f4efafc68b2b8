"""The stream prefix cache returns exactly what the store it wraps would."""

from __future__ import annotations

from quizflow.eventstore import NO_STREAM, InMemoryEventStore, NewEvent
from quizflow.simulate.streamcache import StreamPrefixCache


def test_reads_through_the_cache_equal_reads_from_the_store_as_the_stream_grows() -> None:
    store = InMemoryEventStore()
    cache = StreamPrefixCache(store)
    assert cache.read_stream("s") == []
    cache.append("s", NO_STREAM, [NewEvent("t/A", {"n": 1}), NewEvent("t/A", {"n": 2})])
    assert cache.read_stream("s") == store.read_stream("s")
    store.append("s", 2, [NewEvent("t/A", {"n": 3})])  # written by someone else
    assert cache.read_stream("s") == store.read_stream("s")
    assert [e.version for e in cache.read_stream("s")] == [1, 2, 3]
    assert cache.read_stream("s", from_version=2) == store.read_stream("s", from_version=2)


def test_the_cache_forgets_the_least_recently_read_streams() -> None:
    store = InMemoryEventStore()
    cache = StreamPrefixCache(store, max_streams=2)
    for name in ("a", "b", "c"):
        store.append(name, NO_STREAM, [NewEvent("t/A", {"in": name})])
        cache.read_stream(name)
    store.append("a", 1, [NewEvent("t/A", {"in": "a", "n": 2})])
    assert cache.read_stream("a") == store.read_stream("a")
    assert len(cache._streams) == 2
