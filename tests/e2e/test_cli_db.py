"""`quizflow db ...` against a fresh embedded PostgreSQL in its own QUIZFLOW_HOME."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest


def quizflow(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "QUIZFLOW_DATABASE_URL"}
    env["QUIZFLOW_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "quizflow.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def home(tmp_path: Path):  # type: ignore[no-untyped-def]
    yield tmp_path / "qf"
    quizflow(tmp_path / "qf", "db", "stop")


def test_two_processes_starting_at_once_share_one_embedded_server(home: Path) -> None:
    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(lambda _: quizflow(home, "db", "url"), range(2))
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert first.stdout.strip() == second.stdout.strip()
    url = first.stdout.strip()
    assert url.startswith("postgresql://"), first.stdout
    with psycopg.connect(url) as conn:
        assert conn.execute("select 1").fetchone() == (1,)
    status = json.loads(quizflow(home, "db", "status").stdout)
    assert status["running"] is True
    assert (home / "pg" / "PG_VERSION").exists()


def test_the_server_and_its_data_survive_a_stop_and_start(home: Path) -> None:
    start = quizflow(home, "db", "start")
    assert start.returncode == 0, start.stderr
    url = quizflow(home, "db", "url").stdout.strip()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("create table kept (n int)")
        conn.execute("insert into kept values (42)")
    assert quizflow(home, "db", "stop").returncode == 0
    assert json.loads(quizflow(home, "db", "status").stdout)["running"] is False
    url = quizflow(home, "db", "url").stdout.strip()
    with psycopg.connect(url) as conn:
        assert conn.execute("select n from kept").fetchone() == (42,)
