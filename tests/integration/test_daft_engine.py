"""A second engine on the same tables: Daft answers the portable named queries with DuckDB's
numbers, reading the published files itself (no DuckDB in between)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import polars as pl
import psycopg
import pytest
from polars.testing import assert_frame_equal

from quizflow.eventstore.admin import create_database, drop_database
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.queries.catalog import load_queries, replace_placeholders
from quizflow.queries.daft_engine import (
    PORTABLE,
    NotPortableError,
    daft_sql,
    lake_tables,
    run_on_daft,
    snapshot_tables,
)
from quizflow.queries.run import query_frame
from quizflow.settings import Settings, load_settings
from quizflow.warehouse import run_pipeline
from tests.integration import eventfactory
from tests.lake_s3 import KEY, REGION, SECRET, LakeEnv, S3Server, lake_env, s3_server  # noqa: F401

CASES: list[tuple[str, dict[str, object]]] = [
    ("item_answers", {}),
    ("item_answers", {"chapter_id": "ch-2"}),
    ("attempts_before_passing", {}),
    ("attempts_before_passing", {"student_id": "a student", "course_id": "math-1"}),
    ("hardest_questions", {"min_students": 3, "limit": 4}),
    ("hardest_questions", {"chapter_id": "ch-1", "min_students": 1}),
]


@pytest.fixture(scope="module")
def published(
    server_url: str, template_db: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    name = f"{template_db}_daft"
    url = create_database(server_url, name, template=template_db)
    home = tmp_path_factory.mktemp("home")
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("QUIZFLOW_HOME", str(home))
            settings = load_settings()
            with PostgresEventStore(url) as store:
                eventfactory.populate(store, students=30, days=4)
            run_pipeline(settings, url, checks=False)
            yield settings.published_path
    finally:
        drop_database(server_url, name)


def comparable(frame: pl.DataFrame) -> pl.DataFrame:
    """Types the engines may choose differently (decimal or integer sums, time zone names)."""
    return frame.with_columns(
        [pl.col(c).cast(pl.Float64) for c, t in frame.schema.items() if t.is_numeric()]
        + [
            pl.col(c).dt.convert_time_zone("UTC")
            for c, t in frame.schema.items()
            if isinstance(t, pl.Datetime) and t.time_zone
        ]
    )


@pytest.mark.parametrize(("name", "params"), CASES)
def test_daft_gives_the_numbers_duckdb_gives(
    published: Path, name: str, params: dict[str, object]
) -> None:
    query = load_queries()[name]
    with duckdb.connect(str(published), read_only=True) as con:
        if params.get("student_id") == "a student":
            first = con.execute("select min(student_id) from answers").fetchone()
            assert first is not None
            params = {**params, "student_id": first[0]}
        expected = query_frame(con, query, params)
    answered = pl.from_arrow(run_on_daft(query, snapshot_tables(published), params))
    assert isinstance(answered, pl.DataFrame)
    assert expected.height > 0, "the case must have rows to compare"
    assert answered.columns == expected.columns
    assert_frame_equal(comparable(answered), comparable(expected), check_dtypes=False)


def test_daft_reads_the_lakes_iceberg_tables_on_s3_and_gives_duckdbs_numbers(
    tmp_path: Path,
    pg_url: str,
    lake_env: LakeEnv,  # noqa: F811 (the fixture)
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = Settings(home=tmp_path / "home", database_url=None)
    with PostgresEventStore(pg_url) as store:
        eventfactory.populate(store, students=12, days=3)
    with psycopg.connect(pg_url) as conn:
        last = conn.execute("select count(*) from quizflow.events").fetchone()
    assert last is not None
    for mode in ("duckdb", "lake"):
        monkeypatch.setenv("QUIZFLOW_WAREHOUSE", mode)
        # Again until it has every event: another suite's open transaction on a shared server
        # holds an ingest back for a while, and the engines must compare the same history.
        deadline, ingested = time.monotonic() + 120, 0
        while ingested < last[0]:
            assert time.monotonic() < deadline, f"the {mode} ingest never caught up"
            ingested += run_pipeline(settings, pg_url, checks=False).ingest.events
    tables = lake_tables(settings)
    assert {"answers", "attempts", "questions"} <= set(tables)
    compared = 0
    with duckdb.connect(str(settings.published_path), read_only=True) as con:
        for name, params in CASES:
            if params.get("student_id") == "a student":
                continue
            query = load_queries()[name]
            expected = query_frame(con, query, params)
            answered = pl.from_arrow(run_on_daft(query, tables, params))
            assert isinstance(answered, pl.DataFrame)
            assert answered.columns == expected.columns, name
            assert_frame_equal(comparable(answered), comparable(expected), check_dtypes=False)
            compared += expected.height
    assert compared > 0


def test_every_portable_query_exists_and_reads_its_parameters_from_the_bound_table() -> None:
    queries = load_queries()
    left: list[str] = []

    def remember(placeholder: str) -> str:
        left.append(placeholder)
        return ""

    for name in PORTABLE:
        text = daft_sql(queries[name])
        replace_placeholders(text, remember)
        assert "(select course_id from query_parameters)" in text
    assert left == []


def test_a_query_in_duckdbs_own_dialect_is_refused_by_name(published: Path) -> None:
    query = load_queries()["common_wrong_answers"]
    with pytest.raises(NotPortableError, match=r"common_wrong_answers.*hardest_questions"):
        run_on_daft(query, snapshot_tables(published))


def test_a_missing_snapshot_says_to_run_the_pipeline(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="run the pipeline"):
        snapshot_tables(tmp_path / "warehouse.duckdb")


def _query_cli(
    home: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "quizflow.cli", "query", *args],
        env={
            **os.environ,
            "QUIZFLOW_HOME": str(home),
            "QUIZFLOW_WAREHOUSE": "duckdb",
            **(env or {}),
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_query_command_answers_on_daft_as_on_duckdb(published: Path) -> None:
    home = published.parent.parent
    args = ["hardest_questions", "-p", "min_students=1", "--format", "json"]
    on_duckdb = _query_cli(home, *args)
    on_daft = _query_cli(home, *args, "--engine", "daft")
    assert on_duckdb.returncode == 0, on_duckdb.stderr
    assert on_daft.returncode == 0, on_daft.stderr
    expected, answered = json.loads(on_duckdb.stdout), json.loads(on_daft.stdout)
    assert len(expected) > 0
    assert [r["question_id"] for r in answered] == [r["question_id"] for r in expected]
    for mine, theirs in zip(answered, expected, strict=True):
        assert mine.keys() == theirs.keys()
        for key, value in theirs.items():
            if isinstance(value, float):
                assert mine[key] == pytest.approx(value), key
            else:
                assert mine[key] == value, key

    refused = _query_cli(home, "wheel_spinning", "--engine", "daft")
    assert refused.returncode == 2 and not refused.stdout
    assert "DuckDB's dialect" in refused.stderr


def _closed_port() -> int:
    """A port nothing listens on: the OS chose it free, and it is released again."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("fault", ["unreachable endpoint", "missing bucket"])
def test_the_query_command_on_an_unusable_lake_says_so_in_a_sentence(
    tmp_path: Path,
    s3_server: S3Server,  # noqa: F811 (the fixture)
    fault: str,
) -> None:
    if fault == "unreachable endpoint":
        endpoint, expected = f"http://127.0.0.1:{_closed_port()}", "cannot reach the lake's"
    else:
        endpoint, expected = s3_server.endpoint, "bucket 'no-such-bucket' does not exist"
    lake = {
        "QUIZFLOW_WAREHOUSE": "lake",
        "QUIZFLOW_LAKE_WAREHOUSE": "s3://no-such-bucket/warehouse",
        "QUIZFLOW_LAKE_S3_ENDPOINT": endpoint,
        "QUIZFLOW_LAKE_S3_ACCESS_KEY_ID": KEY,
        "QUIZFLOW_LAKE_S3_SECRET_ACCESS_KEY": SECRET,
        "QUIZFLOW_LAKE_S3_REGION": REGION,
        "COLUMNS": "400",  # the sentence on one line, as rich would otherwise wrap it
    }
    failed = _query_cli(tmp_path / "home", "item_answers", "--engine", "daft", env=lake)
    assert failed.returncode == 1, failed.stderr
    assert not failed.stdout
    assert "Traceback" not in failed.stderr
    assert expected in failed.stderr
    assert len(failed.stderr.strip().splitlines()) == 1
