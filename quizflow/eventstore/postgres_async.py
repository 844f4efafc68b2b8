"""The PostgreSQL event store's command path for asyncio servers (psycopg's async pool)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg import sql
from psycopg_pool import AsyncConnectionPool

from quizflow.eventstore.append_steps import Statement, append_steps, stream_version_steps
from quizflow.eventstore.connections import check_connection_async, connection_kwargs
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.eventstore.rows import row_to_event
from quizflow.eventstore.sqlfiles import query
from quizflow.eventstore.types import ExpectedVersion, NewEvent, RecordedEvent
from quizflow.sansio import run_steps_async


class AsyncPostgresEventStore:
    """The two statements of a command (``read_stream``, ``append``) for an asyncio server.

    A web server that awaits these on its event loop spends no thread hop per command: with
    the sync store each command went to a worker thread that then fought the event loop for
    the GIL at each of its PostgreSQL wake-ups (most of a command's time). Same SQL,
    same results and errors as ``PostgresEventStore``, whose notifier it shares; open it
    inside the running loop (``await open()``) and ``await close()`` it there.

    ``pooled_url``: connect through a transaction-mode pooler (PgBouncer) as the store's login
    instead of to the store's URL. Every statement here is one autocommit transaction, so
    nothing depends on which server connection runs it; psycopg prepares nothing there.
    """

    def __init__(
        self,
        store: PostgresEventStore,
        *,
        min_size: int = 1,
        max_size: int = 8,
        pooled_url: str | None = None,
    ) -> None:
        self._store = store
        # The pooled URL names the login itself: the store's role is SET on its own
        # connections only, never on one the pooler shares.
        self._role = None if pooled_url else store.role
        self._pool = AsyncConnectionPool(
            pooled_url or store.url,
            min_size=min_size,
            max_size=max_size,
            kwargs=connection_kwargs(pooled=pooled_url is not None),
            configure=self._configure,
            # A connection is checked as it is handed out: after a PostgreSQL restart every
            # pooled one is dead, and each would fail a command.
            check=check_connection_async,
            open=False,
            name="quizflow-eventstore-async",
        )

    async def _configure(self, conn: psycopg.AsyncConnection[Any]) -> None:
        if self._role:
            await conn.execute(sql.SQL("set role {}").format(sql.Identifier(self._role)))

    async def open(self, wait: bool = False) -> None:
        """Open the pool; with ``wait``, return once its ``min_size`` connections are made."""
        await self._pool.open(wait=wait)

    async def close(self) -> None:
        await self._pool.close()

    async def append(
        self, stream_id: str, expected_version: ExpectedVersion, events: Sequence[NewEvent]
    ) -> list[RecordedEvent]:
        steps = append_steps(stream_id, expected_version, events)
        appended = await run_steps_async(steps, self._run)
        if appended.new:
            self._store.wake_subscribers()
        return appended.events

    async def _run(self, statement: Statement) -> list[tuple[Any, ...]]:
        # getconn/putconn, not connection(): its commit-on-exit takes the connection's lock for
        # nothing after one autocommit statement.
        conn = await self._pool.getconn()
        try:
            cursor = await conn.execute(statement.sql, statement.params, binary=statement.binary)
            return await cursor.fetchall()
        finally:
            await self._pool.putconn(conn)

    async def read_stream(self, stream_id: str, from_version: int = 1) -> list[RecordedEvent]:
        async with self._pool.connection() as conn:
            cursor = await conn.execute(
                query("read_stream"), {"stream_id": stream_id, "from_version": from_version}
            )
            rows = await cursor.fetchall()
        return [row_to_event(row) for row in rows]

    async def stream_version(self, stream_id: str) -> int:
        return await run_steps_async(stream_version_steps(stream_id), self._run)
