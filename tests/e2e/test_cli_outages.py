"""`quizflow simulate` and `quizflow pipeline run` when PostgreSQL or the server is not there, or
goes away mid-run: one clear sentence on stderr and exit code 1, never a traceback."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from tests.e2e.conftest import Site

QUIZFLOW = Path(sys.executable).with_name("quizflow")
NOWHERE = "postgresql://nobody@127.0.0.1:1/x"


def quizflow(
    *args: str, home: Path, url: str, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QUIZFLOW_HOME": str(home), "QUIZFLOW_DATABASE_URL": url, "COLUMNS": "200"}
    return subprocess.run(
        [str(QUIZFLOW), *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def said_one_sentence(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    message = lines[-1]
    assert all(word in message for word in words), result.stderr
    assert message.rstrip().endswith("."), message
    # Only a progress bar may come before it (simulate draws one per day on stderr).
    assert all("━" in line or "simulate" in line for line in lines[:-1]), result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["simulate", "--students", "2", "--days", "1"],
        [
            "simulate",
            "--students",
            "2",
            "--days",
            "1",
            "--via",
            "http",
            "--url",
            "http://127.0.0.1:9",
        ],
        ["pipeline", "run"],
    ],
    ids=["simulate", "simulate-http", "pipeline"],
)
def test_without_postgresql_each_command_says_so_in_one_sentence(
    args: list[str], tmp_path: Path
) -> None:
    said_one_sentence(
        quizflow(*args, home=tmp_path / "home", url=NOWHERE),
        "PostgreSQL is not reachable",
        "127.0.0.1",
    )


def test_an_import_without_postgresql_says_so_in_one_sentence(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text("pupil,item,right,when\nann,q1,1,2025-03-03T08:00:00Z\n")
    result = quizflow(
        "import",
        "responses",
        str(log),
        "--student",
        "pupil",
        "--question",
        "item",
        "--correct",
        "right",
        "--time",
        "when",
        home=tmp_path / "home",
        url=NOWHERE,
    )
    said_one_sentence(result, "nothing imported", "PostgreSQL is not reachable", "127.0.0.1")


class Proxy:
    """A TCP port that forwards to ``target`` until ``cut()``: then the listener and every
    connection close at once, as when a server or the network between goes away."""

    def __init__(self, target: str | tuple[str, int]) -> None:
        self._target = target
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        self._cut = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            family = socket.AF_UNIX if isinstance(self._target, str) else socket.AF_INET
            upstream = socket.socket(family, socket.SOCK_STREAM)
            upstream.connect(self._target)
            with self._lock:
                if self._cut:
                    client.close()
                    upstream.close()
                    return
                self._open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pipe, args=(a, b), daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            self._cut = True
            self._listener.close()
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass


def postgres_target(url: str) -> str | tuple[str, int]:
    info = conninfo_to_dict(url)
    host, port = str(info.get("host") or "/tmp"), int(info.get("port") or 5432)
    return f"{host}/.s.PGSQL.{port}" if host.startswith("/") else (host, port)


@pytest.fixture
def proxied_url(pg_url: str) -> Iterator[tuple[str, Proxy]]:
    proxy = Proxy(postgres_target(pg_url))
    info = conninfo_to_dict(pg_url)
    info.update(host="127.0.0.1", port=str(proxy.port))
    yield make_conninfo(**info), proxy
    proxy.cut()


def events(pg_url: str) -> int:
    with psycopg.connect(pg_url) as conn:
        row = conn.execute("select count(*) from quizflow.events").fetchone()
    return int(row[0]) if row else 0


def cut_after_events(proxy: Proxy, pg_url: str, count: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 120
    while events(pg_url) < count:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    proxy.cut()


def test_simulate_says_in_one_sentence_that_postgresql_went_away_mid_run(
    proxied_url: tuple[str, Proxy], pg_url: str, tmp_path: Path
) -> None:
    url, proxy = proxied_url
    env = {
        **os.environ,
        "QUIZFLOW_HOME": str(tmp_path / "home"),
        "QUIZFLOW_DATABASE_URL": url,
        "COLUMNS": "200",
    }
    # One worker: it waits out the pool's timeout (30 s) for a connection that never comes,
    # and with more each would, one after the other.
    process = subprocess.Popen(
        [str(QUIZFLOW), "simulate", "--students", "300", "--days", "20", "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        cut_after_events(proxy, pg_url, 2_000, process)
        stdout, stderr = process.communicate(timeout=120)
    finally:
        process.kill()
    said_one_sentence(
        subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr), "PostgreSQL"
    )


def test_simulate_over_http_says_in_one_sentence_that_the_server_went_away_mid_run(
    site: Site, pg_url: str, tmp_path: Path
) -> None:
    port = int(site.url.rsplit(":", 1)[1])
    proxy = Proxy(("127.0.0.1", port))
    env = {
        **os.environ,
        "QUIZFLOW_HOME": str(tmp_path / "home"),
        "QUIZFLOW_DATABASE_URL": pg_url,
        "COLUMNS": "200",
    }
    process = subprocess.Popen(
        [
            str(QUIZFLOW),
            "simulate",
            "--students",
            "20",
            "--days",
            "20",
            "--via",
            "http",
            "--url",
            f"http://127.0.0.1:{proxy.port}",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        cut_after_events(proxy, pg_url, events(pg_url) + 300, process)
        stdout, stderr = process.communicate(timeout=120)
    finally:
        process.kill()
    said_one_sentence(
        subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr),
        f"127.0.0.1:{proxy.port}",
    )
