"""`quizflow bench ingest --warehouse lake` on a small history, its lake on a local S3 server:
the lake's figures, its commit latency and the DuckDB warehouse's figures in one document."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest

from tests.lake_s3 import KEY, REGION, SECRET, S3Server, s3_server  # noqa: F401 (fixture)

QUIZFLOW = [sys.executable, "-m", "quizflow.cli"]


@pytest.mark.slow
def test_bench_ingest_on_the_lake_reports_both_warehouses_and_leaves_no_catalog_behind(
    tmp_path: Path,
    server_url: str,
    s3_server: S3Server,  # noqa: F811 (the fixture)
) -> None:
    bucket = f"bench-{uuid.uuid4().hex[:10]}"
    s3_server.client().create_bucket(Bucket=bucket)
    env = {
        **os.environ,
        "QUIZFLOW_HOME": str(tmp_path / "home"),
        "QUIZFLOW_DATABASE_URL": server_url,
        "QUIZFLOW_LAKE_WAREHOUSE": f"s3://{bucket}/lake",
        "QUIZFLOW_LAKE_S3_ENDPOINT": s3_server.endpoint,
        "QUIZFLOW_LAKE_S3_ACCESS_KEY_ID": KEY,
        "QUIZFLOW_LAKE_S3_SECRET_ACCESS_KEY": SECRET,
        "QUIZFLOW_LAKE_S3_REGION": REGION,
        "COLUMNS": "400",  # progress lines unwrapped
    }
    run = subprocess.run(
        [*QUIZFLOW, "bench", "ingest", "--events", "3000", "--warehouse", "lake"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["warehouse"] == "lake"
    for side in (report, report["duckdb"]):
        assert side["ingest"]["events"] == 3000
        assert side["ingest"]["events_per_s"] > 0 and side["ingest"]["peak_rss_mb"] > 0
        assert side["rebuild"]["events"] == 3000 and side["rebuild"]["seconds"] > 0
        assert "answers" in side["rebuild"]["projections_s"]
        assert side["ratio_to_baseline"] > 0
    assert report["commit"]["commits"] >= 1
    assert report["commit"]["median_ms"] > 0
    assert report["commit"]["max_ms"] >= report["commit"]["median_ms"]
    assert report["baseline"]["events_per_s"] > 0
    # The lake's files went to the bucket, under a prefix of their own.
    listed = s3_server.client().list_objects_v2(Bucket=bucket, Prefix="lake/bench-")
    assert listed.get("KeyCount", 0) > 0
    # Its store and its lake's catalog are dropped.
    made = re.findall(r"database (\S+) \(dropped afterwards\)", run.stderr)
    assert len(made) == 2, run.stderr
    with psycopg.connect(server_url, autocommit=True) as pg:
        left = pg.execute("select datname from pg_database where datname = any(%s)", [made])
        assert left.fetchall() == []


def test_bench_ingest_refuses_an_unknown_warehouse() -> None:
    run = subprocess.run(
        [*QUIZFLOW, "bench", "ingest", "--warehouse", "spark"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 2
    assert "--warehouse" in run.stderr and not run.stdout
