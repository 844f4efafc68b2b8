"""`quizflow bench append`: append throughput and latency against two baselines, in one run.

Baselines on the same server, same event shapes, same writer processes:
- raw_insert: plain INSERTs into a table with a sequence position (the practical ceiling; its
  tailing reader, which trusts ``position > last``, shows what that ceiling costs in skips);
- eventsourcing: the eventsourcing library's PostgreSQL application recorder.

The headline runs use one process per writer. A last run appends from 16 asyncio tasks in one
process, as the web app does (``async_writers.py``), against raw INSERTs in the same shape.
"""

from __future__ import annotations

import multiprocessing
import statistics
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import psycopg

from quizflow.bench.async_writers import run_async_writers
from quizflow.bench.writers import WriterResult, eventsourcing_datastore, run_writer
from quizflow.eventstore import ANY, NewEvent
from quizflow.eventstore.admin import create_database, drop_database
from quizflow.eventstore.migrate import migrate
from quizflow.eventstore.notifier import HOT_POLL_S, HOT_WINDOW_S
from quizflow.eventstore.postgres import PostgresEventStore

KINDS = ("quizflow", "raw_insert", "eventsourcing")
ASYNC_KINDS = ("quizflow", "raw_insert")  # the eventsourcing library has no asyncio recorder
RAW_TABLE = """
create table bench_raw_events (
    position bigserial primary key, event_id uuid not null unique, stream_id text not null,
    version bigint not null, type text not null, data jsonb not null,
    metadata jsonb not null default '{}', occurred_at timestamptz not null,
    recorded_at timestamptz not null default now(), unique (stream_id, version))
"""


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class _Tail:
    """A reader that keeps only its cursor, as an incremental consumer does.

    When caught up it polls as often as a subscriber does while events flow (``HOT_POLL_S``);
    polling every 2 ms took a measurable share of the 2 cores from the writers it watches.

    At the end it drains until nothing lies past its cursor: a transaction elsewhere in the
    cluster can hold the horizon back for a while (lag), which must not count as a skip.
    """

    def __init__(
        self,
        read_page: Callable[[Any], tuple[list[str], Any]],
        more_exists: Callable[[Any], bool],
        cursor: Any,
    ) -> None:
        self.read_page, self.more_exists, self.cursor = read_page, more_exists, cursor
        self.seen: list[str] = []
        self.finish = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        give_up = float("inf")
        while True:
            last_round = self.finish.is_set()
            ids, cursor = self.read_page(self.cursor)
            self.seen += ids
            self.cursor = cursor
            if ids:
                continue
            if last_round:
                give_up = min(give_up, time.monotonic() + 60)
                if not self.more_exists(self.cursor) or time.monotonic() > give_up:
                    return
            time.sleep(HOT_POLL_S)

    def stop(self) -> set[str]:
        self.finish.set()
        self.thread.join()
        return set(self.seen)


def _tail_for(kind: str, url: str) -> _Tail | None:
    if kind == "quizflow":
        store = PostgresEventStore(url, role="quizflow_reader", max_size=1)

        def page(cursor: Any) -> tuple[list[str], Any]:
            events = store.read_all(after=cursor, limit=2000)
            return [str(e.event_id) for e in events], (events[-1].cursor if events else cursor)

        return _Tail(page, store.exists_after, store.head())
    if kind == "raw_insert":
        conn = psycopg.connect(url, autocommit=True)
        start = conn.execute("select coalesce(max(position), 0) from bench_raw_events").fetchone()

        def raw_page(last: Any) -> tuple[list[str], Any]:
            # The same columns as the store's read, so both readers cost the same.
            rows = conn.execute(
                "select position, event_id, stream_id, version, type, data, metadata,"
                " occurred_at, recorded_at from bench_raw_events where position > %s"
                " order by position limit 2000",
                (last,),
            ).fetchall()
            return [str(r[1]) for r in rows], (rows[-1][0] if rows else last)

        return _Tail(raw_page, lambda _: False, start[0] if start else 0)
    return None


def _measure(
    pool: Any,
    kind: str,
    url: str,
    writers: int,
    batch: int,
    seconds: float,
    in_one_process: bool = False,
) -> dict[str, Any]:
    """One measured run: ``writers`` writer processes, or as many asyncio tasks in one."""
    tail = _tail_for(kind, url)
    start_at = time.time() + 1.0
    results: list[WriterResult]
    if in_one_process:
        results = pool.apply(run_async_writers, (kind, url, writers, batch, start_at, seconds))
    else:
        results = pool.starmap(
            run_writer, [(kind, url, w, batch, start_at, seconds) for w in range(writers)]
        )
    latencies = [ms for r in results for ms in r.latencies_ms]
    appends = len(latencies)
    metrics: dict[str, Any] = {
        "writers": writers,
        "events_per_append": batch,
        "appends_per_s": round(appends / seconds, 1),
        "events_per_s": round(appends * batch / seconds, 1),
        "p50_ms": round(_percentile(latencies, 0.50), 2),
        "p99_ms": round(_percentile(latencies, 0.99), 2),
        "mean_ms": round(statistics.fmean(latencies), 2) if latencies else None,
        "errors": sum(r.errors for r in results),
    }
    if tail is not None:
        committed = {str(i) for r in results for i in r.event_ids}
        seen = tail.stop()
        metrics["skipped"] = len(committed - seen)
    return metrics


def _subscription_delay(url: str, samples: int = 10) -> dict[str, float]:
    """Commit-to-delivery delay of a live subscription while the store is otherwise idle.

    Samples lie further apart than the subscriber's hot window, so each one is woken by the
    NOTIFY, not found by the polling that follows recent events."""
    store = PostgresEventStore(url, max_size=1)
    delivered: dict[str, float] = {}
    stop = threading.Event()

    def follow() -> None:
        for event in store.subscribe(after=store.head(), stop=stop):
            delivered[str(event.event_id)] = time.perf_counter()

    follower = threading.Thread(target=follow, daemon=True)
    follower.start()
    time.sleep(HOT_WINDOW_S + 0.2)  # let the subscriber go cold first
    delays = []
    for _ in range(samples):
        event = NewEvent("bench/Ping", {})
        store.append(f"ping-{uuid.uuid4()}", ANY, [event])
        committed = time.perf_counter()
        deadline = committed + 2
        while str(event.event_id) not in delivered and time.perf_counter() < deadline:
            time.sleep(0.0005)
        delays.append((delivered.get(str(event.event_id), deadline) - committed) * 1000)
        time.sleep(HOT_WINDOW_S + 0.2)
    stop.set()
    follower.join(timeout=3)
    store.close()
    return {"p50_ms": round(_percentile(delays, 0.5), 2), "max_ms": round(max(delays), 2)}


def run(
    server_url: str,
    seconds: float = 4.0,
    writer_counts: tuple[int, ...] = (1, 16),
    batches: tuple[int, ...] = (1, 3),
    progress: Callable[[str], None] = print,
    delivery_samples: int = 10,
) -> dict[str, Any]:
    name = f"quizflow_bench_{uuid.uuid4().hex[:8]}"
    url = create_database(server_url, name)
    try:
        migrate(url)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(RAW_TABLE)
            conn.execute("grant quizflow_writer to current_user")
        datastore = eventsourcing_datastore(url)
        from eventsourcing.postgres import PostgresApplicationRecorder

        PostgresApplicationRecorder(datastore).create_table()
        datastore.close()
        results: dict[str, dict[int, dict[int, Any]]] = {k: {} for k in KINDS}
        in_one: dict[str, dict[str, Any]] = {}
        context = multiprocessing.get_context("spawn")
        with context.Pool(max(writer_counts)) as pool:
            # Warm the workers up: imports and first connections must not eat the measured time.
            for kind in KINDS:
                _measure(pool, kind, url, max(writer_counts), 1, 0.3)
            for writers in writer_counts:
                for batch in batches:
                    for kind in KINDS:
                        progress(f"{kind}: {writers} writer(s), {batch}-event appends")
                        metrics = _measure(pool, kind, url, writers, batch, seconds)
                        results[kind].setdefault(writers, {})[batch] = metrics
            top = max(writer_counts)
            for kind in ASYNC_KINDS:
                progress(f"{kind}: {top} asyncio writers in one process, 1-event appends")
                in_one[kind] = _measure(pool, kind, url, top, 1, seconds, in_one_process=True)
        progress("subscription delivery delay when idle")
        delay = _subscription_delay(url, delivery_samples)
    finally:
        drop_database(server_url, name)
    return _report(results, in_one, delay, seconds)


def _report(
    results: dict[str, dict[int, dict[int, Any]]],
    in_one: dict[str, dict[str, Any]],
    delay: dict[str, float],
    seconds: float,
) -> dict[str, Any]:
    ours = results["quizflow"]
    report: dict[str, Any] = {"seconds_per_run": seconds}
    for writers, by_batch in ours.items():
        one = dict(by_batch.get(1) or next(iter(by_batch.values())))
        one["by_events_per_append"] = {str(b): m for b, m in by_batch.items()}
        report[f"writers_{writers}"] = one
    report["baselines"] = {}
    for kind in ("raw_insert", "eventsourcing"):
        entry: dict[str, Any] = {}
        for writers, by_batch in results[kind].items():
            entry[f"writers_{writers}"] = {str(b): m for b, m in by_batch.items()}
        top = max(results[kind])
        entry["appends_per_s"] = results[kind][top][1]["appends_per_s"]
        entry["p99_ms"] = results[kind][top][1]["p99_ms"]
        report["baselines"][kind] = entry
    top = max(ours)
    mine = ours[top][1]["appends_per_s"]
    report["ratios"] = {
        f"writers_{top}_vs_eventsourcing": round(
            mine / results["eventsourcing"][top][1]["appends_per_s"], 2
        ),
        f"writers_{top}_vs_raw_insert": round(
            mine / results["raw_insert"][top][1]["appends_per_s"], 2
        ),
    }
    if in_one:
        ours_async = dict(in_one["quizflow"])
        ours_async["baselines"] = {"raw_insert": in_one["raw_insert"]}
        ours_async["vs_raw_insert"] = round(
            ours_async["appends_per_s"] / in_one["raw_insert"]["appends_per_s"], 2
        )
        report[f"writers_{top}_one_asyncio_process"] = ours_async
    report["subscription_idle_delivery"] = delay
    return report
