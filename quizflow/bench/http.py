"""`quizflow bench http`: the web app under simulated students, and the rate it sustains.

Sets up a fresh database (the sample course and a roster of bench students), starts
`quizflow serve` on a loopback port in its own process, and drives it from a separate load
process (``http_load``). First 100 students (the headline figures), then more students step
by step: the capacity is the highest rate achieved while write p99 <= 30 ms and read
p99 <= 100 ms.

Baseline, same run and same database: the command handler called directly (no HTTP), so the
report shows what the web layer adds to an answer. With ``workers`` the same load runs against
one web process and then against that many, each measured to its capacity; with a pooler, the
served app's commands, sessions and sign-in go through it (PgBouncer in transaction mode).
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import psycopg

from quizflow.accounts.admin import set_password
from quizflow.app.handler import CommandHandler
from quizflow.app.publishing import publish_course, register
from quizflow.app.web.accounts import ACCOUNTS_GROUP
from quizflow.bench.http_load import STUDENT_ID
from quizflow.content import load_course_file, sample_course_path
from quizflow.eventstore.admin import create_database, drop_database
from quizflow.eventstore.logins import LOGINS, ensure_logins
from quizflow.eventstore.migrate import migrate
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.quiz import (
    AccountCreated,
    ClassRegistered,
    SchoolRegistered,
    StartQuiz,
    StudentEnrolled,
    SubmitAnswer,
)
from quizflow.settings import POOLED_URL_SETTINGS, load_settings

WRITE_P99_MS = 30.0
READ_P99_MS = 100.0
CLASS_SIZE = 30


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# The bench's students are made up; each run's database is dropped at its end.
BENCH_PASSWORD = "bench student password"


def _roster(students: int) -> list[Any]:
    facts: list[Any] = [SchoolRegistered("bench-school", "Bench School")]
    for number in range(students):
        class_id = f"bench-class-{number // CLASS_SIZE:03d}"
        if number % CLASS_SIZE == 0:
            facts.append(
                ClassRegistered(
                    "bench-school",
                    class_id,
                    class_id,
                    f"bench-teacher-{number // CLASS_SIZE:03d}",
                    "Teacher",
                )
            )
        facts.append(
            StudentEnrolled(
                "bench-school", class_id, STUDENT_ID.format(number), f"Student {number}"
            )
        )
        facts.append(
            AccountCreated(
                STUDENT_ID.format(number), "bench-school", f"Student {number}", ("student",)
            )
        )
    return facts


class Server:
    """`quizflow serve` in a subprocess, stopped with SIGTERM; ``workers`` processes on its
    port, and ``pooled`` URLs (kind -> URL) for the connections a transaction-mode pooler
    may carry."""

    def __init__(
        self,
        db_url: str,
        pool_size: int,
        log: Path,
        *,
        workers: int = 1,
        pooled: dict[str, str] | None = None,
    ) -> None:
        self.workers = workers
        self.log = log
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # The login roles are the server's: the served app uses the passwords this home
        # keeps (a home of its own would set new ones under every other process).
        env = {
            **os.environ,
            "QUIZFLOW_DATABASE_URL": db_url,
            "QUIZFLOW_SECRET": secrets.token_urlsafe(24),
            "QUIZFLOW_HOME": str(log.parent),
            "QUIZFLOW_DB_LOGINS_FILE": str(load_settings().db_logins_path),
            # Bench students act as fast as the load asks: no per-student command limit.
            "QUIZFLOW_COMMANDS_PER_SECOND": "100000",
            "QUIZFLOW_COMMAND_BURST": "100000",
        }
        for kind, url in (pooled or {}).items():
            env[POOLED_URL_SETTINGS[kind]] = url
        self._log = log.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from quizflow.cli import main; main()",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--pool-size",
                str(pool_size),
                "--workers",
                str(workers),
            ],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 180.0) -> None:
        """Until every process has caught up with the log (the roster included)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = self.log.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"quizflow serve exited with {self.process.returncode}:\n{tail}")
            if self.log.read_text(errors="replace").count(" ready on ") < self.workers:
                time.sleep(0.2)
                continue
            try:
                health = httpx.get(f"{self.url}/api/health", timeout=2).json()
                if health["read_model"]["behind"] is False:
                    return
            except (httpx.HTTPError, ValueError, KeyError):
                pass
            time.sleep(0.2)
        raise RuntimeError("quizflow serve did not become ready")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


def _load(url: str, students: int, seconds: float, first: int, seed: int) -> dict[str, Any]:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "quizflow.bench.http_load",
            "--url",
            url,
            "--students",
            str(students),
            "--seconds",
            str(seconds),
            "--first",
            str(first),
            "--seed",
            str(seed),
            "--password",
            BENCH_PASSWORD,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the load process failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _within_targets(step: dict[str, Any]) -> bool:
    return (
        step["write"].get("p99_ms", float("inf")) <= WRITE_P99_MS
        and step["read"].get("p99_ms", float("inf")) <= READ_P99_MS
        and not step["errors"]
    )


def _direct_baseline(store: PostgresEventStore, answers: int = 200) -> dict[str, Any]:
    """Answer commands through the handler alone, one after another (no HTTP, no waits)."""
    course = load_course_file(sample_course_path())
    chapter = course["chapters"][0]
    accepted = {
        q["question_id"]: {n: v[0] for n, v in q["accepted"].items()} for q in chapter["questions"]
    }
    handler = CommandHandler(store)
    times = []
    for n in range(answers):
        ids = (f"bench-direct-{n}", course["course_id"], chapter["chapter_id"])
        question = handler.handle(StartQuiz(*ids)).state.question_id or ""
        started = time.perf_counter()
        handler.handle(SubmitAnswer(*ids, question, accepted[question]), command_id=uuid.uuid4())
        times.append((time.perf_counter() - started) * 1000)
    ordered = sorted(times)
    return {
        "answers": answers,
        "mean_ms": round(statistics.fmean(times), 2),
        "p50_ms": round(ordered[len(ordered) // 2], 2),
        "p99_ms": round(ordered[int(0.99 * len(ordered))], 2),
    }


def run(
    server_url: str,
    *,
    students: int = 100,
    seconds: float = 15.0,
    steps: tuple[int, ...] = (150, 200, 250, 300, 400, 500),
    pool_size: int = 10,
    workers: int = 1,
    pooler: str | None = None,
    progress: Callable[[str], None] = print,
) -> dict[str, Any]:
    """``workers`` above 1: the same load on one web process, then on that many (the capacity
    of each in the report). ``pooler``: "host:port" of a transaction-mode PgBouncer in front
    of this server (its ``*`` database), for the served app's commands, sessions and sign-in."""
    # A shared machine's other work shows in every figure; the report says how busy it was.
    load_before = os.getloadavg()
    name = f"quizflow_bench_http_{uuid.uuid4().hex[:8]}"
    db_url = create_database(server_url, name)
    most = max((students, *steps))
    try:
        migrate(db_url)
        with PostgresEventStore(db_url) as store:
            publish_course(store, load_course_file(sample_course_path()))
            register(store, _roster(most))
            with psycopg.connect(db_url, autocommit=True) as conn:
                conn.execute(f"set role {ACCOUNTS_GROUP}")
                set_password(conn, [STUDENT_ID.format(n) for n in range(most)], BENCH_PASSWORD)
            baseline = _direct_baseline(store)
        progress(f"direct handler baseline: {baseline}")
        pooled = _pooled_urls(db_url, name, pooler) if pooler else None
        runs = {}
        for processes in dict.fromkeys((1, workers)):
            runs[processes] = _measure(
                db_url, students, seconds, steps, pool_size, processes, pooled, progress
            )
    finally:
        drop_database(server_url, name)
    report = _report(runs[1], students, seconds)
    report["processes"] = 1
    report["pooled"] = pooler is not None
    if workers > 1:
        report["workers"] = {"processes": workers, **_report(runs[workers], students, seconds)}
    report["capacity_rps_by_processes"] = {
        str(n): _report(r, students, seconds)["capacity_rps"] for n, r in runs.items()
    }
    report["baseline_direct_handler_answer"] = baseline
    report["machine"] = {
        "cpus": os.cpu_count(),
        "load_average_1m": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
    }
    return report


def _pooled_urls(db_url: str, database: str, pooler: str) -> dict[str, str]:
    """The web and sign-in logins' URLs of ``database`` through the pooler at "host:port"."""
    settings = load_settings()
    passwords = ensure_logins(db_url, settings.home, path=settings.db_logins_path)
    host, _, port = pooler.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"the pooler is host:port, not {pooler!r}")
    return {
        kind: f"postgresql://{LOGINS[kind]}:{quote(passwords[kind], safe='')}@{host}:{port}/"
        f"{database}"
        for kind in ("web", "signin")
    }


def _measure(
    db_url: str,
    students: int,
    seconds: float,
    steps: tuple[int, ...],
    pool_size: int,
    processes: int,
    pooled: dict[str, str] | None,
    progress: Callable[[str], None],
) -> list[dict[str, Any]]:
    """The headline load, then more students while within the targets (fewer if it is not),
    against `quizflow serve` with ``processes`` web processes."""
    label = f"{processes} process{'es' if processes > 1 else ''}"
    with tempfile.TemporaryDirectory(prefix="quizflow-bench-http-") as home:
        server = Server(
            db_url, pool_size, Path(home) / "serve.log", workers=processes, pooled=pooled
        )
        try:
            server.wait_ready()
            headline = _load(server.url, students, seconds, 0, 1)
            progress(
                f"{label}, {students} students: write {headline['write']}, read {headline['read']}"
            )
            results = [headline]
            # Up from the headline while within the targets; down if it is not, so the
            # capacity is a measured figure either way.
            going_up = _within_targets(headline)
            tries = (
                [n for n in steps if n > students]
                if going_up
                else [n for n in (75, 50, 25) if n < students]
            )
            for seed, count in enumerate(tries, start=2):
                step = _load(server.url, count, seconds, 0, seed)
                results.append(step)
                progress(
                    f"{label}, {count} students: {step['all']['rps']} req/s, write p99 "
                    f"{step['write'].get('p99_ms')} ms, read p99 "
                    f"{step['read'].get('p99_ms')} ms, errors {step['errors']}"
                )
                if _within_targets(step) != going_up:
                    break
        finally:
            server.stop()
    return results


def _report(results: list[dict[str, Any]], students: int, seconds: float) -> dict[str, Any]:
    headline = results[0]
    passing = [r for r in results if _within_targets(r)]
    return {
        "students": students,
        "seconds": seconds,
        "write": _brief(headline["write"]),
        "read": _brief(headline["read"]),
        "other_commands": _brief(headline["other_commands"]),
        "all_requests": _brief(headline["all"]),
        # Where the time goes: inside the app (Server-Timing), and the load process's own
        # event-loop delay (a starved client inflates every figure above by about that much).
        "write_in_app": _brief(headline["write_in_app"]),
        "read_in_app": _brief(headline["read_in_app"]),
        "client_loop_lag": _brief(headline["client_loop_lag"]),
        "errors": headline["errors"],
        "sign_in_s": headline.get("sign_in_s"),
        "capacity_rps": max((r["all"]["rps"] for r in passing), default=0.0),
        "targets": {"write_p99_ms": WRITE_P99_MS, "read_p99_ms": READ_P99_MS},
        "steps": [
            {
                "students": r["students"],
                "rps": r["all"]["rps"],
                "write_p99_ms": r["write"].get("p99_ms"),
                "read_p99_ms": r["read"].get("p99_ms"),
                "mean_ms": r["all"].get("mean_ms"),
                "errors": r["errors"],
                "within_targets": _within_targets(r),
            }
            for r in results
        ],
    }


def _brief(stats: dict[str, Any]) -> dict[str, Any]:
    return {key: stats.get(key) for key in ("rps", "mean_ms", "p50_ms", "p99_ms", "max_ms")}
