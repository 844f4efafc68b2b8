"""`quizflow bench lake` on a small history: both modes' run figures in one document, and
nothing left behind (its databases dropped, the configured lake location untouched)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

QUIZFLOW = [sys.executable, "-m", "quizflow.cli"]


def _databases(server_url: str, pattern: str) -> set[str]:
    with psycopg.connect(server_url, autocommit=True) as conn:
        rows = conn.execute(
            "select datname from pg_database where datname like %s", [pattern]
        ).fetchall()
    return {r[0] for r in rows}


@pytest.mark.slow
def test_bench_lake_reports_each_mode_and_drops_what_it_made(
    tmp_path: Path, server_url: str
) -> None:
    configured = tmp_path / "a-real-lake"
    env = {
        **os.environ,
        "QUIZFLOW_HOME": str(tmp_path / "home"),
        "QUIZFLOW_DATABASE_URL": server_url,
        # A user's lake setting: the benchmark's lake must not write there.
        "QUIZFLOW_LAKE_WAREHOUSE": str(configured),
        "COLUMNS": "400",
    }
    env.pop("QUIZFLOW_WAREHOUSE", None)
    run = subprocess.run(
        [*QUIZFLOW, "bench", "lake", "--events", "2000", "--rounds", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["events"] == 2000 and report["rounds"] == 1
    assert set(report["modes"]) == {"duckdb", "lake"}
    for figures in report["modes"].values():
        # Another test's open transaction on the shared server may hold the ingest's safe
        # horizon back during the first run (lag, not loss): at most the loaded events.
        assert 0 <= figures["first_run_events"] <= 2000
        assert figures["first_run_s"] > 0 and figures["nothing_new_s"] > 0
        assert figures["increment_events"] == 100
        assert figures["increment_rounds_s"] == [figures["increment_s"]]
    assert "bench lake:" in run.stderr  # progress goes to stderr, the JSON alone to stdout
    assert not configured.exists()
    made = re.search(r"into database quizflow_bench_lake_runs_(\w+) ", run.stderr)
    assert made, run.stderr
    assert _databases(server_url, f"%{made.group(1)}%") == set()  # store and catalog dropped


def test_bench_lake_has_help() -> None:
    shown = subprocess.run(
        [*QUIZFLOW, "bench", "lake", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert shown.returncode == 0, shown.stderr
    assert "lake mode beside the DuckDB mode" in shown.stdout
    assert "--s3" in shown.stdout and "--events" in shown.stdout and "--rounds" in shown.stdout
