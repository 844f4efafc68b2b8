"""Concurrent appends from one asyncio process: the way the web app appends.

The web server is one process whose requests await the async store on its event loop. Here
16 writer tasks share one process and a connection each, and append as the command handler
does (exact expected version, 50 streams per writer). The raw_insert baseline runs in the same
shape. The eventsourcing library has no asyncio recorder, so it has no row here.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg

from quizflow.bench.writers import (
    STREAMS_PER_WRITER,
    WriterResult,
    raw_insert_params,
    raw_insert_statement,
    sample_data,
)
from quizflow.eventstore import EventStoreError, NewEvent

AppendOne = Callable[[int, str, int, list[uuid.UUID], int], Awaitable[None]]


def run_async_writers(
    kind: str, url: str, writers: int, batch: int, start_at: float, seconds: float
) -> list[WriterResult]:
    """Run ``writers`` concurrent writer tasks in this process; one result per writer."""
    return asyncio.run(_run(kind, url, writers, batch, start_at, seconds))


async def _run(
    kind: str, url: str, writers: int, batch: int, start_at: float, seconds: float
) -> list[WriterResult]:
    opened = await (_quizflow if kind == "quizflow" else _raw_insert)(url, writers, batch)
    append_one, close = opened
    try:
        await asyncio.sleep(max(0.0, start_at - time.time()))
        deadline = start_at + seconds
        return list(
            await asyncio.gather(*(_writer(w, batch, deadline, append_one) for w in range(writers)))
        )
    finally:
        await close()


async def _writer(writer: int, batch: int, deadline: float, append_one: AppendOne) -> WriterResult:
    result = WriterResult()
    versions = [0] * STREAMS_PER_WRITER
    run = uuid.uuid4().hex[:6]
    n = 0
    while time.time() < deadline:
        slot = n % STREAMS_PER_WRITER
        ids = [uuid.uuid4() for _ in range(batch)]
        began = time.perf_counter()
        try:
            await append_one(writer, f"{run}-{slot}", versions[slot], ids, n)
        except (psycopg.Error, EventStoreError):
            result.errors += 1
        else:
            result.latencies_ms.append((time.perf_counter() - began) * 1000)
            result.event_ids.extend(ids)
            versions[slot] += batch
        n += 1
    return result


async def _quizflow(url: str, writers: int, batch: int) -> tuple[AppendOne, Any]:
    from quizflow.eventstore.postgres import PostgresEventStore
    from quizflow.eventstore.postgres_async import AsyncPostgresEventStore

    sync_store = PostgresEventStore(url, min_size=1, max_size=1)
    store = AsyncPostgresEventStore(sync_store, min_size=writers, max_size=writers)
    await store.open(wait=True)  # connect before the clock starts

    async def append_one(
        writer: int, stream: str, version: int, ids: list[uuid.UUID], n: int
    ) -> None:
        events = [NewEvent("bench/Answered", sample_data(writer, n), event_id=i) for i in ids]
        await store.append(f"bench-{writer}-{stream}", version, events)

    async def close() -> None:
        await store.close()
        sync_store.close()

    return append_one, close


async def _raw_insert(url: str, writers: int, batch: int) -> tuple[AppendOne, Any]:
    conns = [await psycopg.AsyncConnection.connect(url, autocommit=True) for _ in range(writers)]
    statement = raw_insert_statement(batch)

    async def append_one(
        writer: int, stream: str, version: int, ids: list[uuid.UUID], n: int
    ) -> None:
        params = raw_insert_params(writer, f"bench-{writer}-{stream}", version, ids, n)
        await conns[writer].execute(statement, params)

    async def close() -> None:
        for conn in conns:
            await conn.close()

    return append_one, close
