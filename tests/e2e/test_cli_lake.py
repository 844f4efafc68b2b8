"""`quizflow pipeline run`, `pipeline status` and `quizflow query` with QUIZFLOW_WAREHOUSE=lake,
as separate processes against a local S3 server and a catalog in PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from quizflow.eventstore.postgres import PostgresEventStore
from tests.integration import eventfactory
from tests.lake_s3 import LakeEnv, lake_env, s3_server  # noqa: F401 (fixtures)

QUIZFLOW = Path(sys.executable).with_name("quizflow")


def quizflow(*args: str, home: Path, url: str) -> subprocess.CompletedProcess[str]:
    # The lake settings come from the fixture's environment, inherited. The pipeline reads the
    # store as the test database's owner: the login roles are the server's, shared with every
    # other test session on it, and not what this test is about.
    env = {**os.environ, "QUIZFLOW_HOME": str(home), "QUIZFLOW_DATABASE_URL": url}
    env["QUIZFLOW_PIPELINE_DATABASE_URL"] = url
    env["COLUMNS"] = "200"
    return subprocess.run(
        [str(QUIZFLOW), *args], env=env, capture_output=True, text=True, timeout=300
    )


@pytest.mark.slow
def test_the_pipeline_runs_and_readers_read_its_release_on_the_lake(
    tmp_path: Path,
    pg_url: str,
    lake_env: LakeEnv,  # noqa: F811 (the fixture)
) -> None:
    home = tmp_path / "home"
    with PostgresEventStore(pg_url) as store:
        eventfactory.populate(store, students=3, days=2)
    before = quizflow("query", "class_progress", "--format", "json", home=home, url=pg_url)
    assert before.returncode == 1
    assert "run `quizflow pipeline run` first" in " ".join(before.stderr.split())

    run = quizflow("pipeline", "run", "--no-dagster", "--format", "json", home=home, url=pg_url)
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    assert summary["ok"] and summary["release"] == 1 and summary["published"] is None
    assert summary["ingest"]["events"] > 0
    assert not (home / "published").exists() and not (home / "warehouse.duckdb").exists()

    status = quizflow("pipeline", "status", home=home, url=pg_url)
    assert status.returncode == 0, status.stderr
    state = json.loads(status.stdout)
    assert state["published"] == "lake release 1"
    assert state["cursor"] == summary["ingest"]["cursor"]
    assert state["tables"]["events"] == summary["ingest"]["events"]

    progress = quizflow("query", "class_progress", "--format", "json", home=home, url=pg_url)
    assert progress.returncode == 0, progress.stderr
    rows = json.loads(progress.stdout)
    assert rows and {r["class_id"] for r in rows} >= {"class-1a"}


def test_a_run_and_a_query_with_a_missing_bucket_fail_in_one_sentence(
    tmp_path: Path,
    pg_url: str,
    lake_env: LakeEnv,  # noqa: F811 (the fixture)
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("QUIZFLOW_LAKE_WAREHOUSE", "s3://no-such-bucket/warehouse")
    run = quizflow("pipeline", "run", "--no-dagster", home=tmp_path / "home", url=pg_url)
    assert run.returncode == 1
    said = " ".join(run.stderr.split())
    assert said.startswith("pipeline failed: the lake's bucket 'no-such-bucket' does not exist")
    assert "Traceback" not in run.stderr
    query = quizflow("query", "class_progress", home=tmp_path / "home", url=pg_url)
    assert query.returncode == 1 and query.stdout == ""
    assert "the lake's bucket 'no-such-bucket' does not exist" in " ".join(query.stderr.split())
    assert "Traceback" not in query.stderr
