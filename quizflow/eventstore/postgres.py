"""The PostgreSQL event store (psycopg 3 and its pool).

Why the global order is (transaction id, position) and not a plain position:
positions come from a sequence when a row is inserted, but transactions commit in any order.
A reader that remembers "position > last seen" reads 12 while 11's transaction is still open,
and never sees 11 (``quizflow bench append`` counts such skips). The usual fix numbers events
under one lock, serialising every append. Instead each row records its transaction id, and
readers only read transactions older than the oldest one still running (``pg_snapshot_xmin``):
those can no longer change, so reading them in (tx, position) order never skips. Writers never
wait for each other (bench/README.md has the throughput of both designs); the price is that
one long transaction anywhere in the cluster holds readers back (lag, never loss), and a cursor
is a pair of numbers. xid8 does not wrap around, so the order holds for the life of the cluster.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import tuple_row

from quizflow.eventstore.append_steps import Statement, append_steps, stream_version_steps
from quizflow.eventstore.connections import open_connections
from quizflow.eventstore.notifier import CHANNEL, HOT_POLL_S, HOT_WINDOW_S, Notifier
from quizflow.eventstore.rows import row_to_event
from quizflow.eventstore.sqlfiles import query
from quizflow.eventstore.types import (
    START,
    Cursor,
    ExpectedVersion,
    NewEvent,
    RecordedEvent,
)
from quizflow.sansio import run_steps

WRITER_ROLE = "quizflow_writer"
READER_ROLE = "quizflow_reader"

# How long a subscriber sleeps without a notification before it reads again anyway: a safety
# net for wake-ups lost while reconnecting, and for events held back behind a long transaction.
_FALLBACK_POLL_S = 1.0
_HELD_BACK_POLL_S = 0.02


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
        self._pool = open_connections(url, self._configure, min_size, max_size)
        self._notifier = Notifier(url)

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
        appended = run_steps(append_steps(stream_id, expected_version, events), self._run)
        if appended.new:
            self._notifier.poke()
        return appended.events

    def _run(self, statement: Statement) -> list[tuple[Any, ...]]:
        # getconn/putconn, not connection(): the context manager's commit and usage statistics
        # are no use to one autocommit statement on the hottest path.
        conn = self._pool.getconn()
        try:
            return conn.execute(statement.sql, statement.params, binary=statement.binary).fetchall()
        finally:
            self._pool.putconn(conn)

    def wake_subscribers(self) -> None:
        """Tell subscribers (in any process) that events were appended."""
        self._notifier.poke()

    # -- reading -------------------------------------------------------------------------------
    def read_stream(self, stream_id: str, from_version: int = 1) -> list[RecordedEvent]:
        with self._pool.connection() as conn:
            rows = conn.execute(
                query("read_stream"), {"stream_id": stream_id, "from_version": from_version}
            ).fetchall()
        return [row_to_event(row) for row in rows]

    def read_streams(
        self, stream_ids: Sequence[str], prefixes: Sequence[str] = ()
    ) -> list[RecordedEvent]:
        if not stream_ids and not prefixes:
            return []
        params = {
            "stream_ids": list(stream_ids),
            "prefixes": list(prefixes),
            "pasts": [past_prefix(prefix) for prefix in prefixes],
        }
        with self._pool.connection() as conn:
            rows = conn.execute(query("read_streams"), params).fetchall()
        events = [row_to_event(row) for row in rows]
        return [e for i, e in enumerate(events) if i == 0 or events[i - 1].cursor != e.cursor]

    def read_all_but_quiz_events(
        self, after: Cursor, upto: Cursor, limit: int = 1000
    ) -> list[RecordedEvent]:
        with self._pool.connection() as conn:
            rows = conn.execute(
                query("read_all_but_quiz_events"),
                {
                    "tx": after.tx,
                    "position": after.position,
                    "upto_tx": upto.tx,
                    "upto_position": upto.position,
                    "limit": limit,
                },
            ).fetchall()
        return [row_to_event(row) for row in rows]

    def stream_version(self, stream_id: str) -> int:
        return run_steps(stream_version_steps(stream_id), self._run)

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
        last_event_at = last_activity = time.monotonic()
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
                    last_event_at = last_activity = time.monotonic()
                    if len(batch) == 1000:
                        continue
                if idle_timeout is not None and time.monotonic() - last_event_at > idle_timeout:
                    return
                if time.monotonic() - last_activity < HOT_WINDOW_S:
                    wait = HOT_POLL_S  # events are flowing: the notifier may not say so yet
                elif _exists_after(conn, cursor):
                    wait = _HELD_BACK_POLL_S
                else:
                    wait = _FALLBACK_POLL_S
                if idle_timeout is not None:
                    wait = min(wait, max(0.0, idle_timeout - (time.monotonic() - last_event_at)))
                if _wait_for_notification(conn, wait, stop):
                    last_activity = time.monotonic()

    def exists_after(self, cursor: Cursor) -> bool:
        """Whether events lie past the cursor, including ones a running transaction still
        hides from ``read_all``."""
        with self._pool.connection() as conn:
            return _exists_after(conn, cursor)

    def close(self) -> None:
        self._notifier.close()
        self._pool.close()

    def __enter__(self) -> PostgresEventStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def past_prefix(prefix: str) -> str:
    """The least text past every text that starts with ``prefix`` (code point order)."""
    if not prefix:
        raise ValueError("a stream id prefix must not be empty")
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _wait_for_notification(
    conn: psycopg.Connection[Any], seconds: float, stop: threading.Event
) -> bool:
    """Wait up to ``seconds`` for a NOTIFY on a listening connection; True when one came.
    ``stop`` is checked at least 4 times a second."""
    deadline = time.monotonic() + seconds
    while not stop.is_set():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        woke = False
        for _ in conn.notifies(timeout=min(remaining, 0.25), stop_after=1):
            woke = True
        if woke:
            # Drain further queued notifications without waiting: one read serves them all.
            for _ in conn.notifies(timeout=0):
                pass
            return True
    return False


def _exists_after(conn: psycopg.Connection[Any], cursor: Cursor) -> bool:
    row = conn.execute(
        query("exists_after"), {"tx": cursor.tx, "position": cursor.position}
    ).fetchone()
    return bool(row and row[0])


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
    return [row_to_event(row) for row in rows]
