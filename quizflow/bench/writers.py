"""Concurrent append workers for the append benchmark: ours and the two baselines.

Each writer owns 50 streams and appends with the exact expected version, as a command handler
does. ``run_writer`` is one writer in the calling process; ``run_writer_threads`` runs several
as threads of one process (the shape of a threaded server, and the eventsourcing library's only
way to have concurrent writers in one process: it has no asyncio recorder).
"""

from __future__ import annotations

import json
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import psycopg

from quizflow.eventstore import EventStoreError

STREAMS_PER_WRITER = 50


@dataclass
class WriterResult:
    latencies_ms: list[float] = field(default_factory=list)
    event_ids: list[uuid.UUID] = field(default_factory=list)
    errors: int = 0


def sample_data(writer: int, n: int) -> dict[str, Any]:
    return {
        "student_id": f"student-{writer}",
        "course_id": "maths",
        "chapter_id": "fractions",
        "question_id": f"frac-{n % 15:02d}",
        "inputs": {"_INPUT_1_": str(n % 7)},
        "streak": n % 3,
    }


def run_writer(
    kind: str, url: str, writer: int, batch: int, start_at: float, seconds: float
) -> WriterResult:
    append = {"quizflow": _quizflow, "raw_insert": _raw_insert, "eventsourcing": _eventsourcing}[
        kind
    ]
    return append(url, writer, batch, start_at, seconds)


def run_writer_threads(
    kind: str, url: str, writers: int, batch: int, start_at: float, seconds: float
) -> list[WriterResult]:
    """``writers`` concurrent writers as threads of this process, each with its own connection."""
    with ThreadPoolExecutor(writers, thread_name_prefix=f"bench-{kind}") as threads:
        runs = [
            threads.submit(run_writer, kind, url, w, batch, start_at, seconds)
            for w in range(writers)
        ]
        return [run.result() for run in runs]


def _loop(
    writer: int, batch: int, start_at: float, seconds: float, append_one: Any
) -> WriterResult:
    result = WriterResult()
    versions = [0] * STREAMS_PER_WRITER
    n = 0
    run = uuid.uuid4().hex[:6]
    time.sleep(max(0.0, start_at - time.time()))
    deadline = start_at + seconds
    while time.time() < deadline:
        slot = n % STREAMS_PER_WRITER
        ids = [uuid.uuid4() for _ in range(batch)]
        began = time.perf_counter()
        try:
            append_one(f"{run}-{slot}", slot, versions[slot], ids, n)
        except (psycopg.Error, EventStoreError):
            result.errors += 1
            n += 1
            continue
        result.latencies_ms.append((time.perf_counter() - began) * 1000)
        result.event_ids.extend(ids)
        versions[slot] += batch
        n += 1
    return result


def _quizflow(url: str, writer: int, batch: int, start_at: float, seconds: float) -> WriterResult:
    from quizflow.eventstore import NewEvent
    from quizflow.eventstore.postgres import PostgresEventStore

    store = PostgresEventStore(url, min_size=1, max_size=1)
    store.stream_version("warm-up")  # connect before the clock starts

    def append_one(stream: str, slot: int, version: int, ids: list[uuid.UUID], n: int) -> None:
        events = [NewEvent("bench/Answered", sample_data(writer, n), event_id=i) for i in ids]
        store.append(f"bench-{writer}-{stream}", version, events)

    try:
        return _loop(writer, batch, start_at, seconds, append_one)
    finally:
        store.close()


def raw_insert_statement(batch: int) -> str:
    row = "(%s, %s, %s, %s, %s::jsonb, %s::jsonb, %s)"
    return (
        "insert into bench_raw_events (event_id, stream_id, version, type, data, metadata,"
        " occurred_at) values " + ", ".join([row] * batch)
    )


def raw_insert_params(
    writer: int, stream_id: str, version: int, ids: list[uuid.UUID], n: int
) -> list[Any]:
    params: list[Any] = []
    data = json.dumps(sample_data(writer, n))
    now = datetime.now(UTC)
    for offset, event_id in enumerate(ids, start=1):
        params += [event_id, stream_id, version + offset, "bench/Answered", data, "{}", now]
    return params


def _raw_insert(url: str, writer: int, batch: int, start_at: float, seconds: float) -> WriterResult:
    conn = psycopg.connect(url, autocommit=True)
    statement = raw_insert_statement(batch)

    def append_one(stream: str, slot: int, version: int, ids: list[uuid.UUID], n: int) -> None:
        params = raw_insert_params(writer, f"bench-{writer}-{stream}", version, ids, n)
        conn.execute(statement, params)

    try:
        return _loop(writer, batch, start_at, seconds, append_one)
    finally:
        conn.close()


def eventsourcing_datastore(url: str, pool_size: int = 1) -> Any:
    from eventsourcing.postgres import PostgresDatastore

    parts = urlsplit(url)
    query = parse_qs(parts.query)
    host = query.get("host", [parts.hostname or "localhost"])[0]
    return PostgresDatastore(
        dbname=parts.path.lstrip("/"),
        host=host,
        port=str(parts.port or query.get("port", ["5432"])[0]),
        user=unquote(parts.username or "postgres"),
        password=unquote(parts.password or ""),
        pool_size=pool_size,
    )


def _eventsourcing(
    url: str, writer: int, batch: int, start_at: float, seconds: float
) -> WriterResult:
    from eventsourcing.persistence import StoredEvent
    from eventsourcing.postgres import PostgresApplicationRecorder

    datastore = eventsourcing_datastore(url)
    recorder = PostgresApplicationRecorder(datastore)
    recorder.max_notification_id()  # connect before the clock starts
    streams: dict[str, uuid.UUID] = defaultdict(uuid.uuid4)

    def append_one(stream: str, slot: int, version: int, ids: list[uuid.UUID], n: int) -> None:
        state = json.dumps(sample_data(writer, n)).encode()
        recorder.insert_events(
            [
                StoredEvent(streams[stream], version + offset, "bench/Answered", state)
                for offset in range(1, len(ids) + 1)
            ]
        )

    try:
        return _loop(writer, batch, start_at, seconds, append_one)
    finally:
        datastore.close()
