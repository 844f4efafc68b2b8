"""Faults: PostgreSQL SIGKILLed at random points while students' commands append and while
`quizflow pipeline run` ingests; nothing acknowledged is lost, nothing is half-written, and after
each crash the next successful run publishes a warehouse equal to a rebuild from scratch and to
the store.

The server is one of this test's own (tests/throwaway_postgres.py): the suite's shared server is
never crashed. Writers are threads running quiz commands through the command handler, as the web
app and the simulator do; a command whose outcome a crash hid is sent again with its command id
(the handler's idempotency makes that safe), and counts as acknowledged only once it returned. A
subscriber reads the log as the read model does, through every crash. Each round kills the
server once during the appends and once during a pipeline run, at random (seeded) moments;
QUIZFLOW_FAULT_SEED picks another seed, and the test prints the kill points and its figures.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg_pool import PoolTimeout

from quizflow.app.handler import CommandHandler, CommandResult
from quizflow.app.publishing import publish_course, register
from quizflow.content import load_course_file, sample_course_path
from quizflow.eventstore import Cursor, RecordedEvent
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.quiz import (
    ClassRegistered,
    Command,
    NextQuestion,
    SchoolRegistered,
    StartOver,
    StartQuiz,
    StudentEnrolled,
    SubmitAnswer,
)
from quizflow.settings import Settings
from quizflow.warehouse import open_published
from tests.fault_figures import record_figures
from tests.integration.eventfactory import PROJECTION_TABLES, table_rows
from tests.throwaway_postgres import ThrowawayPostgres, throwaway_postgres

pytestmark = [pytest.mark.slow, pytest.mark.faults]

SEED = int(os.environ.get("QUIZFLOW_FAULT_SEED", "1616"))
ROUNDS = 3
WRITERS = 4
STUDENTS_PER_WRITER = 3

COURSE = load_course_file(sample_course_path())
COURSE_ID: str = COURSE["course_id"]
CHAPTERS = [chapter["chapter_id"] for chapter in COURSE["chapters"]][:2]
QUESTIONS = {q["question_id"]: q for c in COURSE["chapters"] for q in c["questions"]}


# -- the writers -------------------------------------------------------------------------------


@dataclass
class Ledger:
    """What the writers were told: every event of an acknowledged command, and the commands
    whose outcome a crash hid (sent again until they returned)."""

    acknowledged: dict[uuid.UUID, RecordedEvent] = field(default_factory=dict)
    commands: int = 0
    retried: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    rejected: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, result: CommandResult) -> None:
        with self.lock:
            self.commands += 1
            for event in result.events:
                self.acknowledged[event.event_id] = event


class InFlight:
    """How many commands are being handled right now."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def __enter__(self) -> None:
        with self._lock:
            self.count += 1

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self.count -= 1


class Writers:
    """Threads, each driving the quizzes of its own students through the command handler."""

    def __init__(self, store: PostgresEventStore, rng: random.Random) -> None:
        self.handler = CommandHandler(store)
        self.ledger = Ledger()
        self.in_flight = InFlight()
        self.running = threading.Event()  # cleared: the writers pause between commands
        self.idle = [threading.Event() for _ in range(WRITERS)]
        self.stop = threading.Event()
        self.threads = [
            threading.Thread(target=self._write, args=(n, random.Random(rng.random())), daemon=True)
            for n in range(WRITERS)
        ]

    def start(self) -> None:
        self.running.set()
        for thread in self.threads:
            thread.start()

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        self.running.clear()
        for idle in self.idle:
            assert idle.wait(120), "a writer did not come to rest"
        try:
            yield
        finally:
            self.running.set()

    def close(self) -> None:
        self.stop.set()
        self.running.set()
        for thread in self.threads:
            thread.join(timeout=120)

    def _write(self, n: int, rng: random.Random) -> None:
        students = [f"w{n}-s{k}" for k in range(STUDENTS_PER_WRITER)]
        last: dict[tuple[str, str], CommandResult | None] = {}
        while not self.stop.is_set():
            if not self.running.is_set():
                self.idle[n].set()
                self.running.wait()
                continue
            self.idle[n].clear()
            student, chapter = rng.choice(students), rng.choice(CHAPTERS)
            command = _next_command(student, chapter, last.get((student, chapter)), rng)
            result = self._until_answered(command)
            if result is not None:
                last[(student, chapter)] = result
            # A student's pace, not a benchmark's: the log stays small enough for three
            # pipeline runs a round.
            time.sleep(rng.uniform(0, 0.04))
        self.idle[n].set()

    def _until_answered(self, command: Command) -> CommandResult | None:
        """The command's result, sent again (same command id) while the database is away."""
        command_id = uuid.uuid4()
        while True:
            try:
                with self.in_flight:
                    result = self.handler.handle(command, command_id=command_id)
            except (psycopg.Error, PoolTimeout) as error:
                with self.ledger.lock:
                    self.ledger.retried += 1
                    self.ledger.errors[type(error).__name__] += 1
                time.sleep(0.1)
                continue
            if result.status == "ok":
                self.ledger.record(result)
                return result
            with self.ledger.lock:
                self.ledger.rejected.append(f"{command}: {result.code} {result.reason}")
            return None


def _next_command(
    student: str, chapter: str, last: CommandResult | None, rng: random.Random
) -> Command:
    ids = (student, COURSE_ID, chapter)
    status = last.state.status if last is not None else "not-started"
    if status == "awaiting-answer" and last is not None and last.state.question_id:
        question = QUESTIONS[last.state.question_id]
        if rng.random() < 0.7:
            inputs = {name: values[0] for name, values in question["accepted"].items()}
        else:
            inputs = dict(question["wrong_answers"][0]["answer"])
        return SubmitAnswer(*ids, last.state.question_id, inputs)
    if status == "answered-correctly":
        return NextQuestion(*ids)
    if status == "answered-incorrectly":
        return StartOver(*ids)
    return StartQuiz(*ids)  # not started, or passed: a new attempt


class Retries(logging.Handler):
    """Counts the commands the handler ran once more because their connection died (a crash
    that met a command in flight, absorbed before the writer saw it)."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += "trying once more" in record.getMessage()


class Subscriber(threading.Thread):
    """A reader of the whole log, as the read model reads it: resumes from its cursor after
    every crash. Whatever it reads must still be in the store at the end."""

    def __init__(self, store: PostgresEventStore) -> None:
        super().__init__(daemon=True)
        self.store = store
        self.read: list[uuid.UUID] = []
        self.cursor = Cursor()
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                for event in self.store.subscribe(self.cursor, stop=self.stop, idle_timeout=0.5):
                    self.read.append(event.event_id)
                    self.cursor = event.cursor
            except psycopg.Error:
                time.sleep(0.1)


# -- the pipeline as a command -------------------------------------------------------------------


def _pipeline(home: Path, url: str, *args: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "QUIZFLOW_HOME": str(home),
        "QUIZFLOW_DATABASE_URL": url,
        "QUIZFLOW_PIPELINE_DATABASE_URL": url,  # used as given: no login role on this server
        "DAGSTER_HOME": str(home / "dagster"),
        "QUIZFLOW_INGEST_CHUNK_ROWS": "60",  # many committed chunks for a crash to fall between
        "COLUMNS": "400",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "quizflow.cli", "pipeline", "run", "--format", "json", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def pipeline_runs(*homes: Path, url: str) -> list[tuple[dict[str, Any], list[str]]]:
    """Runs that must succeed, at once (one home each): their JSON summaries and progress
    lines."""
    processes = [_pipeline(home, url) for home in homes]
    results = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr
        summary: dict[str, Any] = json.loads(stdout)
        assert summary["ok"], [c for c in summary["checks"] if not c["passed"]]
        results.append((summary, [line.strip() for line in stderr.splitlines() if line.strip()]))
    return results


def lines_before(progress: list[str], phase: str) -> int:
    """How many progress lines a run prints up to the first of ``phase`` ("projection": the
    ingest is done; "running checks": it then reads PostgreSQL once more, not after)."""
    return 1 + next(n for n, line in enumerate(progress) if line.startswith(phase))


def crash_during_a_run(
    pg: ThrowawayPostgres,
    home: Path,
    url: str,
    rng: random.Random,
    lines: int,
    *,
    down_until_it_ends: bool = False,
) -> tuple[str, int, str]:
    """Start a run, SIGKILL PostgreSQL after a random one of its first ``lines`` progress
    lines (plus a few ms), start PostgreSQL again: at once, or only once the run has ended
    (``down_until_it_ends``: the run then certainly meets the crash). Returns the last line
    before the crash, the run's exit code, and the checks it flagged with its last line of
    output."""
    process = _pipeline(home, url)
    assert process.stderr is not None
    wanted, seen = rng.randint(1, lines), ""
    while wanted:
        line = process.stderr.readline()
        if not line:
            break
        if line.strip():
            seen, wanted = line.strip(), wanted - 1
    time.sleep(rng.uniform(0, 0.05))
    pg.kill()
    if down_until_it_ends:
        _, rest = process.communicate(timeout=300)
        pg.start()
    else:
        time.sleep(rng.uniform(0, 0.5))
        pg.start()
        _, rest = process.communicate(timeout=300)
    output = [line for line in rest.splitlines() if line.strip()]
    flagged = [line.strip()[:80] for line in output if line.strip().startswith(("WARN", "ERROR"))]
    final = output[-1] if output else ""
    if process.returncode != 0:
        # The run failed: it says so in a sentence (no traceback), and claims nothing.
        assert "Traceback" not in rest, rest
        assert final.startswith("pipeline failed:") and final.endswith("."), rest
        assert not any(line.strip().startswith("published ") for line in output), rest
        # PostgreSQL lost nothing (every commit is synchronous): a crash is no reason to
        # rebuild the warehouse, and the run must not suggest one.
        assert "aside" not in final and "for good" not in final, rest
    return seen, process.returncode, "; ".join([*flagged, final])


# -- the comparisons ---------------------------------------------------------------------------


def store_events(store: PostgresEventStore) -> list[RecordedEvent]:
    events, cursor = [], Cursor()
    while batch := store.read_all(cursor, limit=5000):
        events += batch
        cursor = batch[-1].cursor
    return events


def published(home: Path) -> Path:
    return Settings(home, None).published_path


def warehouse_events(home: Path) -> list[tuple[str, str]]:
    with open_published(published(home)) as con:
        rows = con.execute("select event_id::varchar, type from events").fetchall()
    return [(str(event_id), str(type_)) for event_id, type_ in rows]


def assert_nothing_lost_or_half_written(
    events: list[RecordedEvent], ledger: Ledger, subscriber: Subscriber
) -> None:
    by_id = {event.event_id: event for event in events}
    assert len(by_id) == len(events), "an event id stored twice"
    # Every event of every acknowledged command, as it was acknowledged.
    lost = [e for event_id, e in ledger.acknowledged.items() if event_id not in by_id]
    assert not lost, f"{len(lost)} acknowledged events lost, e.g. {lost[:3]}"
    for event_id, acknowledged in ledger.acknowledged.items():
        stored = by_id[event_id]
        assert (stored.stream_id, stored.version, stored.type, stored.data) == (
            acknowledged.stream_id,
            acknowledged.version,
            acknowledged.type,
            acknowledged.data,
        )
    # Nothing else: every command was sent until it returned, so a quiz event that no command
    # acknowledged would be half of one, or a commit that was never confirmed.
    quiz_events = {e.event_id for e in events if e.type.startswith("chapter-quiz/")}
    assert quiz_events == set(ledger.acknowledged)
    versions: dict[str, list[int]] = {}
    for event in events:
        versions.setdefault(event.stream_id, []).append(event.version)
    for stream, seen in versions.items():
        assert sorted(seen) == list(range(1, len(seen) + 1)), f"{stream} has gaps: {seen}"
    # What a live reader read is in the store, once.
    assert len(set(subscriber.read)) == len(subscriber.read), "the reader read an event twice"
    phantom = [event_id for event_id in subscriber.read if event_id not in by_id]
    assert not phantom, f"the reader read {len(phantom)} events the store no longer has"


def assert_warehouse_equals_store_and_a_rebuild(
    home: Path, fresh: Path, events: list[RecordedEvent]
) -> None:
    in_warehouse = warehouse_events(home)
    assert len(in_warehouse) == len(events)
    assert {event_id for event_id, _ in in_warehouse} == {str(e.event_id) for e in events}
    assert Counter(t for _, t in in_warehouse) == Counter(e.type for e in events)
    with open_published(published(home)) as con:
        row = con.execute("select count(*) from answers").fetchone()
    answers = sum(e.type.startswith("chapter-quiz/QuestionAnswered") for e in events)
    assert row is not None and row[0] == answers
    assert table_rows(published(home), PROJECTION_TABLES) == table_rows(
        published(fresh), PROJECTION_TABLES
    )


# -- the test ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def crashable() -> Iterator[ThrowawayPostgres]:
    with throwaway_postgres() as pg:
        yield pg


def test_postgresql_killed_in_appends_and_ingest_loses_nothing_and_ends_equal_to_a_rebuild(
    crashable: ThrowawayPostgres, tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    url = crashable.database()
    store = PostgresEventStore(url)
    publish_course(store, COURSE)
    facts: list[Any] = [
        SchoolRegistered("hill", "Hill School"),
        ClassRegistered("hill", "7a", "Class 7A", "t-ada", "Ms Ada"),
    ]
    facts += [
        StudentEnrolled("hill", "7a", f"w{n}-s{k}", f"Student {n}.{k}")
        for n in range(WRITERS)
        for k in range(STUDENTS_PER_WRITER)
    ]
    register(store, facts)
    writers, subscriber, retries = Writers(store, rng), Subscriber(store), Retries()
    logging.getLogger("quizflow.app.handler").addHandler(retries)
    home = tmp_path / "home"
    faults: list[str] = []
    equal_to_rebuild = in_flight_at_kills = 0
    [(_, progress)] = pipeline_runs(home, url=url)  # the first run, before any fault
    writers.start()
    subscriber.start()
    try:
        for round_ in range(ROUNDS):
            # During the appends: at a random moment of the writers' work.
            time.sleep(rng.uniform(0.3, 2.0))
            acknowledged = len(writers.ledger.acknowledged)
            # At a moment some command is being handled: its append meets the crash.
            crashable.kill(when=lambda: writers.in_flight.count > 0)
            in_flight_at_kills += writers.in_flight.count
            time.sleep(rng.uniform(0, 0.5))
            crashable.start()
            faults.append(f"round {round_}: appends, after {acknowledged} acknowledged events")

            # During a pipeline run (the writers still appending).
            # The first round crashes the run at its first progress line and keeps PostgreSQL
            # down until the run ends: certain to fail it, as its ingest and its checks both
            # read PostgreSQL later (a run is often far ahead of the lines read here). The
            # others anywhere up to the checks, with PostgreSQL back at once, so a run may
            # finish reading it first.
            lines = 1 if round_ == 0 else lines_before(progress, "running checks")
            before, code, last = crash_during_a_run(
                crashable, home, url, rng, lines, down_until_it_ends=round_ == 0
            )
            faults.append(f"round {round_}: pipeline run after {before!r}: exit {code}, {last!r}")

            # The next successful run, at rest, against a rebuild from scratch.
            with writers.paused():
                # The warehouse that went through the crashes, and one built from scratch.
                fresh = tmp_path / f"fresh-{round_}"
                [(summary, progress), _] = pipeline_runs(home, fresh, url=url)
                events = store_events(store)
                assert summary["ingest"]["cursor"] == str(events[-1].cursor)
                assert_nothing_lost_or_half_written(events, writers.ledger, subscriber)
                assert_warehouse_equals_store_and_a_rebuild(home, fresh, events)
                equal_to_rebuild += 1
    finally:
        logging.getLogger("quizflow.app.handler").removeHandler(retries)
        writers.close()
        subscriber.stop.set()
        subscriber.join(timeout=30)
        store.close()
    ledger = writers.ledger
    figures = {
        "seed": SEED,
        "faults_tried": len(faults),
        "runs_equal_to_rebuild": f"{equal_to_rebuild} of {ROUNDS}",
        "commands_acknowledged": ledger.commands,
        "events_acknowledged": len(ledger.acknowledged),
        "events_in_store": len(events),
        "events_read_live": len(subscriber.read),
        "commands_in_flight_at_the_append_crashes": in_flight_at_kills,
        "commands_run_again_by_the_handler": retries.count,
        "commands_sent_again_by_the_writers": ledger.retried,
        "errors_seen_by_writers": dict(ledger.errors),
    }
    print("\n".join(faults))
    record_figures("postgresql-killed", figures)
    assert not ledger.rejected, ledger.rejected[:5]
    assert in_flight_at_kills > 0, "no crash met a command: they missed the appends"
    # At least one crash failed a run (a run past its reading of PostgreSQL finishes).
    assert any("exit 1" in fault for fault in faults), faults
