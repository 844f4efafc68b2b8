"""`quizflow bench append`: append throughput and latency against two baselines, in one run.

Baselines on the same server, same event shapes, same writers:
- raw_insert: plain INSERTs into a table with a sequence position (the practical ceiling; its
  tailing reader, which trusts ``position > last``, shows what that ceiling costs in skips);
- eventsourcing: the eventsourcing library's PostgreSQL application recorder.

Concurrent writers run in two shapes, every kind in both:
- one process (the headline ``writers_N``): N writers sharing one process, each with its own
  connection, as the web app appends: asyncio tasks (threads for the eventsourcing library,
  which has no asyncio recorder);
- ``writers_N_processes``: a process per writer.

On a 2-core machine the second shape is 2N+1 busy processes taking turns on 2 cores. Its p99 is
3.3-4.1 times its mean for every kind that does not serialise its writers (ours, raw INSERTs,
and a bare psycopg call of the append function alike), as random-order service gives, so it
follows the machine's speed more than the store's; see the README.

The machine is shared and its speed drifts over minutes, so each configuration runs in short
rounds, the kinds interleaved, and a kind's figures pool its rounds: every kind sees the same
drift, and one slow moment weighs one round, not a whole figure.
"""

from __future__ import annotations

import multiprocessing
import statistics
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg

from quizflow.bench.async_writers import run_async_writers
from quizflow.bench.writers import (
    WriterResult,
    eventsourcing_datastore,
    run_writer,
    run_writer_threads,
)
from quizflow.eventstore import ANY, NewEvent
from quizflow.eventstore.admin import create_database, drop_database
from quizflow.eventstore.migrate import migrate
from quizflow.eventstore.notifier import HOT_POLL_S, HOT_WINDOW_S
from quizflow.eventstore.postgres import PostgresEventStore

ONE_PROCESS = "one_process"
PROCESSES = "processes"
KINDS = ("quizflow", "raw_insert", "eventsourcing")
ASYNC_KINDS = ("quizflow", "raw_insert")  # the eventsourcing library has no asyncio recorder
SHAPE_NAMES = {
    ONE_PROCESS: "one process: asyncio tasks (eventsourcing: threads), a connection each",
    PROCESSES: "a process per writer",
}
RAW_TABLE = """
create table bench_raw_events (
    position bigserial primary key, event_id uuid not null unique, stream_id text not null,
    version bigint not null, type text not null, data jsonb not null,
    metadata jsonb not null default '{}', occurred_at timestamptz not null,
    recorded_at timestamptz not null default now(), unique (stream_id, version))
"""


BENCH_TYPES = "insert into quizflow.event_types (type) values ('bench/Answered'), ('bench/Ping')"


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
        close: Callable[[], None],
    ) -> None:
        self.read_page, self.more_exists, self.cursor = read_page, more_exists, cursor
        self.close = close
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
        self.close()
        return set(self.seen)


def _tail_for(kind: str, url: str) -> _Tail | None:
    if kind == "quizflow":
        store = PostgresEventStore(url, role="quizflow_reader", max_size=1)

        def page(cursor: Any) -> tuple[list[str], Any]:
            events = store.read_all(after=cursor, limit=2000)
            return [str(e.event_id) for e in events], (events[-1].cursor if events else cursor)

        return _Tail(page, store.exists_after, store.head(), store.close)
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

        return _Tail(raw_page, lambda _: False, start[0] if start else 0, conn.close)
    return None


@dataclass
class _Pooled:
    """One kind's rounds in one configuration, pooled as if they were one longer run."""

    latencies_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0
    errors: int = 0
    skipped: int | None = None

    def add(self, results: list[WriterResult], seconds: float, skipped: int | None) -> None:
        self.latencies_ms += [ms for r in results for ms in r.latencies_ms]
        self.seconds += seconds
        self.errors += sum(r.errors for r in results)
        if skipped is not None:
            self.skipped = (self.skipped or 0) + skipped

    def metrics(self, writers: int, batch: int) -> dict[str, Any]:
        latencies, appends = self.latencies_ms, len(self.latencies_ms)
        metrics: dict[str, Any] = {
            "writers": writers,
            "events_per_append": batch,
            "appends_per_s": round(appends / self.seconds, 1),
            "events_per_s": round(appends * batch / self.seconds, 1),
            "p50_ms": round(_percentile(latencies, 0.50), 2),
            "p99_ms": round(_percentile(latencies, 0.99), 2),
            "mean_ms": round(statistics.fmean(latencies), 2) if latencies else None,
            "errors": self.errors,
        }
        if self.skipped is not None:
            metrics["skipped"] = self.skipped
        return metrics


def _run_writers(
    pool: Any, kind: str, url: str, writers: int, batch: int, seconds: float, shape: str
) -> list[WriterResult]:
    start_at = time.time() + 1.0  # every writer starts at once, connected
    if shape == PROCESSES:  # one writer always runs as one process
        return list(
            pool.starmap(
                run_writer, [(kind, url, w, batch, start_at, seconds) for w in range(writers)]
            )
        )
    one_process = run_async_writers if kind in ASYNC_KINDS else run_writer_threads
    return list(pool.apply(one_process, (kind, url, writers, batch, start_at, seconds)))


def _measure_round(
    pool: Any,
    kind: str,
    url: str,
    writers: int,
    batch: int,
    seconds: float,
    shape: str,
    into: _Pooled,
) -> None:
    tail = _tail_for(kind, url)
    results = _run_writers(pool, kind, url, writers, batch, seconds, shape)
    skipped = None
    if tail is not None:
        committed = {str(i) for r in results for i in r.event_ids}
        skipped = len(committed - tail.stop())
    into.add(results, seconds, skipped)


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
    seconds: float = 3.0,
    writer_counts: tuple[int, ...] = (1, 16),
    batches: tuple[int, ...] = (1, 3),
    progress: Callable[[str], None] = print,
    delivery_samples: int = 10,
    rounds: int = 3,
) -> dict[str, Any]:
    if rounds < 1 or seconds <= 0:
        raise ValueError("rounds must be at least 1 and seconds more than 0")
    name = f"quizflow_bench_{uuid.uuid4().hex[:8]}"
    url = create_database(server_url, name)
    try:
        migrate(url)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(RAW_TABLE)
            conn.execute("grant quizflow_writer to current_user")
            # The benchmark's own event types, added as a migration adds a type: every append
            # pays the same vocabulary check as the application's.
            conn.execute(BENCH_TYPES)
        datastore = eventsourcing_datastore(url)
        from eventsourcing.postgres import PostgresApplicationRecorder

        PostgresApplicationRecorder(datastore).create_table()
        datastore.close()
        configs = [
            (shape, writers, batch)
            for writers in writer_counts
            for shape in ((PROCESSES,) if writers == 1 else (ONE_PROCESS, PROCESSES))
            for batch in batches
        ]
        pooled = {(config, kind): _Pooled() for config in configs for kind in KINDS}
        context = multiprocessing.get_context("spawn")
        with context.Pool(max(writer_counts)) as pool:
            # Warm the workers up: imports and first connections must not eat measured time.
            for shape in {shape for shape, _, _ in configs}:
                for kind in KINDS:
                    _run_writers(pool, kind, url, max(writer_counts), 1, 0.2, shape)
            for config in configs:
                shape, writers, batch = config
                for round_ in range(1, rounds + 1):
                    progress(
                        f"{writers} writer(s), {SHAPE_NAMES[shape] if writers > 1 else 'one'},"
                        f" {batch}-event appends: round {round_} of {rounds}"
                    )
                    for kind in KINDS:
                        _measure_round(
                            pool,
                            kind,
                            url,
                            writers,
                            batch,
                            seconds,
                            shape,
                            pooled[config, kind],
                        )
        progress("subscription delivery delay when idle")
        delay = _subscription_delay(url, delivery_samples)
    finally:
        drop_database(server_url, name)
    figures = {
        (kind, shape, writers, batch): pooled[(shape, writers, batch), kind].metrics(writers, batch)
        for shape, writers, batch in configs
        for kind in KINDS
    }
    return _report(figures, delay, seconds, rounds)


def _report(
    figures: dict[tuple[str, str, int, int], dict[str, Any]],
    delay: dict[str, float],
    seconds: float,
    rounds: int,
) -> dict[str, Any]:
    """``figures`` by (kind, shape, writers, events per append)."""
    report: dict[str, Any] = {"seconds_per_round": seconds, "rounds": rounds}
    report["shapes"] = {
        "writers_N": SHAPE_NAMES[ONE_PROCESS],
        "writers_N_processes": SHAPE_NAMES[PROCESSES],
    }
    sections = sorted({(shape, writers) for _, shape, writers, _ in figures}, key=_section_key)
    baselines: dict[str, dict[str, Any]] = {"raw_insert": {}, "eventsourcing": {}}
    ratios: dict[str, float] = {}
    for shape, writers in sections:
        key = _section_name(shape, writers)
        by_batch = {
            batch: m
            for (k, s, w, batch), m in figures.items()
            if (k, s, w) == ("quizflow", shape, writers)
        }
        ours = dict(by_batch.get(1) or next(iter(by_batch.values())))
        ours["by_events_per_append"] = {str(b): m for b, m in sorted(by_batch.items())}
        report[key] = ours
        for kind in baselines:
            baselines[kind][key] = {
                str(batch): m
                for (k, s, w, batch), m in sorted(figures.items())
                if (k, s, w) == (kind, shape, writers)
            }
            theirs = figures.get((kind, shape, writers, ours["events_per_append"]))
            if theirs and writers > 1:
                ratios[f"{key}_vs_{kind}"] = round(
                    ours["appends_per_s"] / theirs["appends_per_s"], 2
                )
    headline = _section_name(*max(sections, key=_section_key))
    top = report[headline]["events_per_append"]
    for entry in baselines.values():
        entry["appends_per_s"] = entry[headline][str(top)]["appends_per_s"]
        entry["p99_ms"] = entry[headline][str(top)]["p99_ms"]
    report["baselines"] = baselines
    report["ratios"] = ratios
    report["subscription_idle_delivery"] = delay
    return report


def _section_key(section: tuple[str, int]) -> tuple[int, int]:
    """The headline section is the most writers in one process."""
    shape, writers = section
    return writers, int(shape == ONE_PROCESS)


def _section_name(shape: str, writers: int) -> str:
    if shape == PROCESSES and writers > 1:
        return f"writers_{writers}_processes"
    return f"writers_{writers}"
