"""How long `quizflow serve` takes to be ready over a given history, and how much memory.

``measure_serve`` launches the real command in a child process on a free loopback port and
counts the seconds from launch until ``/api/health`` answers with a read model at (or past)
the head the log had at launch: the web app answers, and what it shows is current. Meanwhile
it samples the resident memory of the child's whole process tree; the peak is reported.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg

from quizflow.eventstore import Cursor
from quizflow.eventstore.sqlfiles import query
from quizflow.settings import load_settings

_POLL_S = 0.05
_SAMPLE_S = 0.05


class ServeNotReady(RuntimeError):
    """The served app exited or did not catch up in time; the message quotes its log."""


def measure_serve(database_url: str, home: Path, *, timeout_s: float = 120) -> dict[str, float]:
    """Seconds from launching `quizflow serve` (owner URL ``database_url``, QUIZFLOW_HOME
    ``home``) until it is ready and caught up, and the peak RSS of its process tree in MiB."""
    head = log_head(database_url)
    with Served(database_url, home) as served:
        sampler = _PeakRss(served.process.pid)
        sampler.start()
        try:
            seconds = served.wait_caught_up(head, timeout_s) - served.launched_at
        finally:
            sampler.stop()
    return {"seconds": round(seconds, 3), "peak_rss_mb": round(sampler.peak_bytes / 2**20, 1)}


class Served:
    """`quizflow serve` in a child process on a free loopback port, stopped on leaving."""

    def __init__(self, database_url: str, home: Path) -> None:
        home.mkdir(parents=True, exist_ok=True)
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = home / f"serve-{port}.log"
        self._env = {
            **os.environ,
            "QUIZFLOW_DATABASE_URL": database_url,
            "QUIZFLOW_HOME": str(home),
            "QUIZFLOW_SECRET": secrets.token_urlsafe(24),
            # The login roles are the server's: a home of its own would give them new
            # passwords under every other process connected to it. Use the ones this process
            # knows.
            "QUIZFLOW_DB_LOGINS_FILE": str(load_settings().db_logins_path),
        }
        self._command = [sys.executable, "-c", "from quizflow.cli import main; main()", "serve"]
        self._command += ["--host", "127.0.0.1", "--port", str(port)]

    def __enter__(self) -> Served:
        self._log = self.log_path.open("wb")
        self.launched_at = time.monotonic()
        self.process = subprocess.Popen(
            self._command, env=self._env, stdout=self._log, stderr=subprocess.STDOUT
        )
        return self

    def __exit__(self, *exc: object) -> None:
        _stop(self.process)
        self._log.close()

    def wait_caught_up(self, head: Cursor, timeout_s: float) -> float:
        """The monotonic time at which /api/health first said ok with a cursor at or past
        ``head``; ServeNotReady, quoting the log, when it exits or the time runs out."""
        try:
            return _wait_caught_up(self.process, self.url, head, timeout_s)
        except ServeNotReady as error:
            raise ServeNotReady(f"{error}; its log ends: {_tail(self.log_path)}") from None


def log_head(database_url: str) -> Cursor:
    """The head of the log now, as a reader may safely see it."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute(query("head")).fetchone()
    return Cursor(int(row[0]), int(row[1])) if row else Cursor()


def _wait_caught_up(
    process: subprocess.Popen[bytes], url: str, head: Cursor, timeout_s: float
) -> float:
    """The monotonic time at which health first showed a cursor at or past ``head``."""
    deadline = time.monotonic() + timeout_s
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise ServeNotReady(f"quizflow serve exited with {process.returncode}")
            try:
                document: Any = client.get(f"{url}/api/health").json()
                cursor = Cursor.parse(str(document["read_model"]["cursor"]))
                if document.get("ok") and cursor >= head:
                    return time.monotonic()
            except (httpx.HTTPError, ValueError, KeyError, TypeError):
                pass  # not listening yet, or not answering the full document yet
            time.sleep(_POLL_S)
    raise ServeNotReady(f"quizflow serve was not caught up with {head} after {timeout_s:.0f}s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _tail(path: Path, size: int = 2000) -> str:
    text = path.read_bytes()[-size:].decode("utf-8", "replace")
    return text.strip() or "(empty)"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _PeakRss:
    """Samples the summed RSS of a process and its descendants in a thread; keeps the peak."""

    def __init__(self, pid: int) -> None:
        self._pid = pid
        self.peak_bytes = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="peak-rss", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._sample()  # the last moment counts too
        self._done.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._done.wait(_SAMPLE_S):
            self._sample()

    def _sample(self) -> None:
        self.peak_bytes = max(self.peak_bytes, _tree_rss(self._pid))


def _tree_rss(pid: int) -> int:
    try:
        import psutil
    except ImportError:
        return _tree_rss_proc(pid)
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for process in processes:
        # A process may end between the listing and the reading.
        with contextlib.suppress(psutil.Error):
            total += process.memory_info().rss
    return total


def _tree_rss_proc(pid: int) -> int:
    """The same from /proc, where psutil is not installed."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            pages = int((entry / "statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
        rss[int(entry.name)] = pages * page
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        total += rss.get(current, 0)
        pending.extend(children.get(current, []))
    return total
