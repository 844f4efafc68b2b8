"""`quizflow bench history` on a small history: one JSON document with the promised figures."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest


@pytest.mark.slow
def test_bench_history_prints_serve_increment_and_rebuild_figures_for_a_small_history(
    tmp_path: Path, server_url: str
) -> None:
    env = {
        **os.environ,
        "QUIZFLOW_HOME": str(tmp_path / "home"),
        "QUIZFLOW_DATABASE_URL": server_url,
        "COLUMNS": "400",  # progress lines unwrapped
    }
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "quizflow.cli",
            "bench",
            "history",
            "--events",
            "2000",
            "--rounds",
            "1",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)  # one JSON document, progress on stderr
    assert "bench history:" in run.stderr

    assert report["events"] == 2000
    serve, increment, rebuild = report["serve"], report["increment"], report["rebuild"]
    assert {"seconds", "seconds_empty", "peak_rss_mb"} <= serve.keys()
    assert serve["seconds"] > 0 and serve["seconds_empty"] > 0 and serve["peak_rss_mb"] > 0
    assert {"seconds", "seconds_empty", "bytes_written"} <= increment.keys()
    assert increment["seconds"] > 0 and increment["seconds_empty"] > 0
    assert increment["events"] == 100 and increment["bytes_written"] > 0
    # The rebuild reads the history and the increments it took in.
    assert rebuild["events"] == 2000 + 100 and rebuild["seconds"] > 0

    # The databases it made are gone again.
    made = re.search(r"databases (\S+) and\s+(\S+)\s+\(dropped", run.stderr)
    assert made is not None, run.stderr
    with psycopg.connect(server_url, autocommit=True) as pg:
        left = pg.execute(
            "select datname from pg_database where datname = any(%s)", [list(made.groups())]
        ).fetchall()
    assert left == []


def test_bench_history_refuses_a_history_of_no_events() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "quizflow.cli", "bench", "history", "--events", "0"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode != 0
    assert "--events" in run.stderr and not run.stdout
