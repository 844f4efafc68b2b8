"""An event store wrapper that reads each stream's history once and then only its tail.

The command handler loads a quiz's whole stream for every command, and decoding the stored
rows is about half of what a command costs once a stream has a few hundred events (a
struggling student's). Stored events never change (the database refuses updates and deletes)
and versions are gapless, so the events up to a version read once are the same forever: the
wrapper keeps them and asks the store only for versions after them, still one round trip per
read, so the handler sees exactly what it would have read itself. Appends pass straight
through; their events come back with the next read's tail.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from typing import Any

from quizflow.eventstore import START, Cursor, EventStore, ExpectedVersion, NewEvent, RecordedEvent


class StreamPrefixCache:
    def __init__(self, store: EventStore, max_streams: int = 2048) -> None:
        self._store = store
        self._max_streams = max_streams
        self._streams: OrderedDict[str, list[RecordedEvent]] = OrderedDict()
        self._lock = threading.Lock()

    def read_stream(self, stream_id: str, from_version: int = 1) -> list[RecordedEvent]:
        with self._lock:
            known = self._streams.get(stream_id, [])
        tail = self._store.read_stream(stream_id, len(known) + 1)
        if tail and tail[0].version != len(known) + 1:  # cannot happen with gapless versions
            known, tail = [], self._store.read_stream(stream_id)
        events = known + tail
        with self._lock:
            self._streams[stream_id] = events
            self._streams.move_to_end(stream_id)
            while len(self._streams) > self._max_streams:
                self._streams.popitem(last=False)
        return events if from_version <= 1 else events[from_version - 1 :]

    def append(
        self, stream_id: str, expected_version: ExpectedVersion, events: Sequence[NewEvent]
    ) -> list[RecordedEvent]:
        return self._store.append(stream_id, expected_version, events)

    def stream_version(self, stream_id: str) -> int:
        return self._store.stream_version(stream_id)

    def read_all(
        self, after: Cursor = START, limit: int = 1000, types: Sequence[str] | None = None
    ) -> list[RecordedEvent]:
        return self._store.read_all(after, limit, types)

    def head(self) -> Cursor:
        return self._store.head()

    def subscribe(self, *args: Any, **kwargs: Any) -> Iterator[RecordedEvent]:
        return self._store.subscribe(*args, **kwargs)

    def close(self) -> None:
        self._store.close()
