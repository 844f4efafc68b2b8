"""`quizflow demo` end to end in a fresh QUIZFLOW_HOME (smaller than the default run)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest


def demo(home: Path, url: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    env |= {"QUIZFLOW_HOME": str(home), "QUIZFLOW_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "quizflow.cli", "demo", "--students", "24", "--days", "6"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.slow
def test_the_demo_builds_everything_and_a_second_run_adds_nothing(
    tmp_path: Path, pg_url: str
) -> None:
    home = tmp_path / "home"
    first = demo(home, pg_url)
    assert first.returncode == 0, first.stderr
    assert "The five hardest questions" in first.stderr
    assert "demo accounts" in first.stderr
    for role in ("student", "teacher", "editor", "admin"):
        assert f"demo {role} password" in first.stderr
    assert (home / "reports" / "hard-questions.html").exists()
    teacher_reports = sorted((home / "reports" / "teacher").glob("*/*.html"))
    assert teacher_reports, "no teacher report written"
    with duckdb.connect(str(home / "published" / "warehouse.duckdb"), read_only=True) as con:
        answers_before = con.execute("select count(*) from answers").fetchone()
    assert answers_before and answers_before[0] > 0
    # `quizflow pipeline dev` shows what the demo made: the assets materialised, and a report
    # partition done for each week with reports (partitions are keyed by the week's Monday).
    import dagster as dg

    from quizflow.reports.teacher_week import IsoWeek

    weeks = {IsoWeek.parse(p.stem).monday.isoformat() for p in teacher_reports}
    instance = dg.DagsterInstance.from_config(str(home / "dagster"))
    try:
        for asset in ("events", "answers", "published_snapshot"):
            assert instance.get_latest_materialization_event(dg.AssetKey(asset)), asset
        assert instance.get_materialized_partitions(dg.AssetKey("teacher_reports")) == weeks
    finally:
        instance.dispose()

    second = demo(home, pg_url)
    assert second.returncode == 0, second.stderr
    assert "0 new events" in second.stderr
    with duckdb.connect(str(home / "published" / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from answers").fetchone() == answers_before
