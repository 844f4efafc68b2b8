"""The PostgreSQL event store (psycopg 3 and its pool).

Why the global order is (transaction id, position) and not a plain position:
positions come from a sequence when a row is inserted, but transactions commit in any order.
A reader that remembers "position > last seen" reads 12 while 11's transaction is still open,
and never sees 11 (measured: ~10% of events skipped with 16 writers). The usual fix numbers
events under one lock, serialising every append (~1,850 appends/s here). Instead each row
records its transaction id, and readers only read transactions older than the oldest one still
running (``pg_snapshot_xmin``): those can no longer change, so reading them in (tx, position)
order never skips. Writers never wait for each other (~3,800 appends/s here); the price is that
one long transaction anywhere in the cluster holds readers back (lag, never loss), and a cursor
is a pair of numbers. xid8 does not wrap around, so the order holds for the life of the cluster.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import psycopg
from psycopg import errors, sql
from psycopg.rows import tuple_row
from psycopg_pool import AsyncConnectionPool, ConnectionPool

from quizflow.eventstore.sqlfiles import query
from quizflow.eventstore.types import (
    START,
    ConcurrencyError,
    Cursor,
    DuplicateEventError,
    ExpectedVersion,
    NewEvent,
    RecordedEvent,
    expected_as_int,
)

CHANNEL = "quizflow_events"
WRITER_ROLE = "quizflow_writer"
READER_ROLE = "quizflow_reader"

# How long a subscriber sleeps without a notification before it reads again anyway: a safety
# net for wake-ups lost while reconnecting, and for events held back behind a long transaction.
_FALLBACK_POLL_S = 1.0
_HELD_BACK_POLL_S = 0.02
_NOTIFY_INTERVAL_S = 0.02


def _row_to_event(row: tuple[Any, ...]) -> RecordedEvent:
    position, tx, event_id, stream_id, version, type_, data, metadata, occurred, recorded = row
    return RecordedEvent(
        event_id=event_id,
        stream_id=stream_id,
        version=version,
        position=position,
        tx=tx,
        type=type_,
        data=data,
        metadata=metadata,
        occurred_at=occurred,
        recorded_at=recorded,
    )


def _assigned(
    stream_id: str, sent: list[dict[str, Any]], rows: list[tuple[Any, ...]]
) -> list[RecordedEvent]:
    """The appended events: what was sent (decoded afresh, so as stored) plus what the store
    assigned (position, transaction, version, times)."""
    return [
        RecordedEvent(
            event_id=event_id,
            stream_id=stream_id,
            version=version,
            position=position,
            tx=tx,
            type=event["type"],
            data=event["data"],
            metadata=event["metadata"],
            occurred_at=occurred,
            recorded_at=recorded,
        )
        for event, (position, tx, event_id, version, occurred, recorded) in zip(
            sent, rows, strict=True
        )
    ]


def _event_json(event: NewEvent) -> dict[str, Any]:
    occurred: datetime | None = event.occurred_at
    if occurred is not None and occurred.tzinfo is None:
        raise ValueError("occurred_at must be timezone-aware")
    return {
        "event_id": str(event.event_id),
        "type": event.type,
        "data": event.data,
        "metadata": event.metadata,
        "occurred_at": occurred.isoformat() if occurred else None,
    }


class _Notifier:
    """Sends the subscribers' wake-up after commits, off the append path, coalesced.

    Appends only set a flag; one thread sends a NOTIFY when the flag is up, at most one per
    ``_NOTIFY_INTERVAL_S``: any number of appends in between fold into the next one, so no
    append waits for the notification lock and a busy process sends at most 50 a second
    (one per append cost ~0.2 ms of each append's time). An idle subscriber still wakes within
    the interval. A process that dies between its commit and its NOTIFY delays subscribers
    until their fallback poll, never loses an event: the wake-up is a hint, the read is the
    truth.
    """

    def __init__(self, url: str) -> None:
        self._url = url
        self._pending = threading.Event()
        self._closed = False
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def poke(self) -> None:
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._run, name="quizflow-notifier", daemon=True
                    )
                    self._thread.start()
        self._pending.set()

    def _run(self) -> None:
        conn: psycopg.Connection[Any] | None = None
        while True:
            self._pending.wait()
            if self._closed:
                break
            self._pending.clear()
            try:
                if conn is None or conn.closed:
                    conn = psycopg.connect(self._url, autocommit=True)
                conn.execute("select pg_notify(%s, '')", (CHANNEL,))
            except psycopg.Error:
                conn = None  # subscribers fall back to polling; the next append retries
            time.sleep(_NOTIFY_INTERVAL_S)
        if conn is not None:
            conn.close()

    def close(self) -> None:
        self._closed = True
        self._pending.set()
        if self._thread is not None:
            self._thread.join(timeout=2)


class PostgresEventStore:
    """An EventStore on PostgreSQL. ``role`` is SET on every connection (None: as connected)."""

    def __init__(
        self,
        url: str,
        *,
        role: str | None = WRITER_ROLE,
        min_size: int = 1,
        max_size: int = 8,
    ) -> None:
        self.url = url
        self.role = role
        self._pool = ConnectionPool(
            url,
            min_size=min_size,
            max_size=max_size,
            kwargs={"autocommit": True, "row_factory": tuple_row},
            configure=self._configure,
            open=True,
            name="quizflow-eventstore",
        )
        self._notifier = _Notifier(url)

    def _configure(self, conn: psycopg.Connection[Any]) -> None:
        if self.role:
            conn.execute(sql.SQL("set role {}").format(sql.Identifier(self.role)))

    def _connect(self) -> psycopg.Connection[Any]:
        conn = psycopg.connect(self.url, autocommit=True, row_factory=tuple_row)
        self._configure(conn)
        return conn

    # -- writing -------------------------------------------------------------------------------
    def append(
        self, stream_id: str, expected_version: ExpectedVersion, events: Sequence[NewEvent]
    ) -> list[RecordedEvent]:
        expected = expected_as_int(expected_version)
        if not events:
            return []
        payload = json.dumps([_event_json(e) for e in events], default=str)
        params = {"stream_id": stream_id, "expected_version": expected, "events": payload}
        # The fast path assumes a first attempt. A retry of a stored append fails like a
        # conflict (the version moved on, or the event ids exist); only then are the ids looked
        # up, and the stored events returned when they are the same ones.
        for _ in range(3):
            try:
                with self._pool.connection() as conn:
                    rows = conn.execute(query("append"), params).fetchall()
                if rows:
                    self._notifier.poke()
                    return _assigned(stream_id, json.loads(payload), rows)
                # No rows: the stream was not at the expected version.
                stored = self._already_stored(stream_id, events)
                if stored is not None:
                    return stored
                actual = self.stream_version(stream_id)
                raise ConcurrencyError(stream_id, expected_version, actual)
            except psycopg.Error as error:
                stored = self._already_stored(stream_id, events)
                if stored is not None:
                    return stored
                if not isinstance(error, errors.UniqueViolation):
                    raise
                if (
                    error.diag.constraint_name == "events_stream_version_key"
                    and expected is not None
                ):
                    actual = self.stream_version(stream_id)
                    raise ConcurrencyError(stream_id, expected_version, actual) from None
                # "any" lost a race for the next version, or a racing copy of this append
                # had not committed yet when we looked: try again.
        raise ConcurrencyError(stream_id, expected_version, self.stream_version(stream_id))

    def _already_stored(
        self, stream_id: str, events: Sequence[NewEvent]
    ) -> list[RecordedEvent] | None:
        """The stored events when this exact append was stored before; None when none of its
        ids is stored; DuplicateEventError when an id names a different event."""
        ids = [str(e.event_id) for e in events]
        with self._pool.connection() as conn:
            rows = conn.execute(query("stored_events"), {"event_ids": ids}).fetchall()
        if not rows:
            return None
        stored = {str(e.event_id): e for e in map(_row_to_event, rows)}
        for event in events:
            found = stored.get(str(event.event_id))
            same = (
                found is not None
                and found.stream_id == stream_id
                and found.type == event.type
                and found.data == json.loads(json.dumps(event.data, default=str))
            )
            if not same:
                raise DuplicateEventError(
                    f"event id {event.event_id} reused for a different event in {stream_id!r}"
                )
        return [stored[i] for i in ids]

    # -- reading -------------------------------------------------------------------------------
    def read_stream(self, stream_id: str, from_version: int = 1) -> list[RecordedEvent]:
        with self._pool.connection() as conn:
            rows = conn.execute(
                query("read_stream"), {"stream_id": stream_id, "from_version": from_version}
            ).fetchall()
        return [_row_to_event(row) for row in rows]

    def stream_version(self, stream_id: str) -> int:
        with self._pool.connection() as conn:
            row = conn.execute(query("stream_version"), {"stream_id": stream_id}).fetchone()
        return int(row[0]) if row else 0

    def read_all(
        self, after: Cursor = START, limit: int = 1000, types: Sequence[str] | None = None
    ) -> list[RecordedEvent]:
        with self._pool.connection() as conn:
            return _read_all(conn, after, limit, types)

    def head(self) -> Cursor:
        with self._pool.connection() as conn:
            row = conn.execute(query("head")).fetchone()
        return Cursor(int(row[0]), int(row[1])) if row else START

    def count_by_type(self, upto: Cursor) -> dict[str, int]:
        with self._pool.connection() as conn:
            rows = conn.execute(
                query("count_by_type"), {"tx": upto.tx, "position": upto.position}
            ).fetchall()
        return {type_: int(count) for type_, count in rows}

    def subscribe(
        self,
        after: Cursor = START,
        types: Sequence[str] | None = None,
        stop: threading.Event | None = None,
        idle_timeout: float | None = None,
    ) -> Iterator[RecordedEvent]:
        stop = stop or threading.Event()
        cursor = after
        last_event_at = time.monotonic()
        with self._connect() as conn:
            # LISTEN before the first read: a commit between the read and the LISTEN would
            # otherwise go unnoticed until the fallback poll.
            conn.execute(sql.SQL("listen {}").format(sql.Identifier(CHANNEL)))
            while not stop.is_set():
                batch = _read_all(conn, cursor, 1000, types)
                for event in batch:
                    yield event
                    cursor = event.cursor
                if batch:
                    last_event_at = time.monotonic()
                    if len(batch) == 1000:
                        continue
                if idle_timeout is not None and time.monotonic() - last_event_at > idle_timeout:
                    return
                wait = _HELD_BACK_POLL_S if self._held_back(conn, cursor) else _FALLBACK_POLL_S
                if idle_timeout is not None:
                    wait = min(wait, max(0.0, idle_timeout - (time.monotonic() - last_event_at)))
                # Wake at the first notification; stop is checked at least 4 times a second.
                deadline = time.monotonic() + wait
                while not stop.is_set():
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    woke = False
                    for _ in conn.notifies(timeout=min(remaining, 0.25), stop_after=1):
                        woke = True
                    if woke:
                        # Drain further queued notifications without waiting.
                        for _ in conn.notifies(timeout=0):
                            pass
                        break

    def _held_back(self, conn: psycopg.Connection[Any], cursor: Cursor) -> bool:
        """True when events exist past the cursor that a running transaction hides for now."""
        row = conn.execute(
            "select exists (select from quizflow.events"
            " where (tx, position) > (%s::text::xid8, %s::bigint))",
            (cursor.tx, cursor.position),
        ).fetchone()
        return bool(row and row[0])

    def close(self) -> None:
        self._notifier.close()
        self._pool.close()

    def __enter__(self) -> PostgresEventStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncPostgresEventStore:
    """The two statements of a command (``read_stream``, ``append``) for an asyncio server.

    A web server that awaits these on its event loop spends no thread hop per command: with
    the sync store each command went to a worker thread that then fought the event loop for
    the GIL at each of its PostgreSQL wake-ups (measured: ~5 ms of a 6 ms command). Same SQL,
    same results and errors as ``PostgresEventStore``, whose notifier it shares; open it
    inside the running loop (``await open()``) and ``await close()`` it there.
    """

    def __init__(self, store: PostgresEventStore, *, min_size: int = 1, max_size: int = 8) -> None:
        self._store = store
        self._pool = AsyncConnectionPool(
            store.url,
            min_size=min_size,
            max_size=max_size,
            kwargs={"autocommit": True, "row_factory": tuple_row},
            configure=self._configure,
            open=False,
            name="quizflow-eventstore-async",
        )

    async def _configure(self, conn: psycopg.AsyncConnection[Any]) -> None:
        if self._store.role:
            await conn.execute(sql.SQL("set role {}").format(sql.Identifier(self._store.role)))

    async def open(self) -> None:
        await self._pool.open()

    async def close(self) -> None:
        await self._pool.close()

    async def append(
        self, stream_id: str, expected_version: ExpectedVersion, events: Sequence[NewEvent]
    ) -> list[RecordedEvent]:
        expected = expected_as_int(expected_version)
        if not events:
            return []
        payload = json.dumps([_event_json(e) for e in events], default=str)
        params = {"stream_id": stream_id, "expected_version": expected, "events": payload}
        for _ in range(3):
            try:
                async with self._pool.connection() as conn:
                    cursor = await conn.execute(query("append"), params)
                    rows = await cursor.fetchall()
                if rows:
                    self._store._notifier.poke()
                    return _assigned(stream_id, json.loads(payload), rows)
                # No rows: the stream was not at the expected version.
                stored = await self._already_stored(stream_id, events)
                if stored is not None:
                    return stored
                actual = await self.stream_version(stream_id)
                raise ConcurrencyError(stream_id, expected_version, actual)
            except psycopg.Error as error:
                stored = await self._already_stored(stream_id, events)
                if stored is not None:
                    return stored
                if not isinstance(error, errors.UniqueViolation):
                    raise
                if (
                    error.diag.constraint_name == "events_stream_version_key"
                    and expected is not None
                ):
                    actual = await self.stream_version(stream_id)
                    raise ConcurrencyError(stream_id, expected_version, actual) from None
        raise ConcurrencyError(stream_id, expected_version, await self.stream_version(stream_id))

    async def _already_stored(
        self, stream_id: str, events: Sequence[NewEvent]
    ) -> list[RecordedEvent] | None:
        ids = [str(e.event_id) for e in events]
        async with self._pool.connection() as conn:
            cursor = await conn.execute(query("stored_events"), {"event_ids": ids})
            rows = await cursor.fetchall()
        if not rows:
            return None
        stored = {str(e.event_id): e for e in map(_row_to_event, rows)}
        for event in events:
            found = stored.get(str(event.event_id))
            same = (
                found is not None
                and found.stream_id == stream_id
                and found.type == event.type
                and found.data == json.loads(json.dumps(event.data, default=str))
            )
            if not same:
                raise DuplicateEventError(
                    f"event id {event.event_id} reused for a different event in {stream_id!r}"
                )
        return [stored[i] for i in ids]

    async def read_stream(self, stream_id: str, from_version: int = 1) -> list[RecordedEvent]:
        async with self._pool.connection() as conn:
            cursor = await conn.execute(
                query("read_stream"), {"stream_id": stream_id, "from_version": from_version}
            )
            rows = await cursor.fetchall()
        return [_row_to_event(row) for row in rows]

    async def stream_version(self, stream_id: str) -> int:
        async with self._pool.connection() as conn:
            cursor = await conn.execute(query("stream_version"), {"stream_id": stream_id})
            row = await cursor.fetchone()
        return int(row[0]) if row else 0


def _read_all(
    conn: psycopg.Connection[Any], after: Cursor, limit: int, types: Sequence[str] | None
) -> list[RecordedEvent]:
    rows = conn.execute(
        query("read_all"),
        {
            "tx": after.tx,
            "position": after.position,
            "types": list(types) if types else None,
            "limit": limit,
        },
    ).fetchall()
    return [_row_to_event(row) for row in rows]
