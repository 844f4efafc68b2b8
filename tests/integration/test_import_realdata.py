"""Real learner logs (Eedi, EdNet) imported and run through the pipeline: the warehouse's answers,
facility and response times per question equal what polars computes straight from the CSV.

The files stay in ../shared/realdata (research licences: never copied into the repo); the
tests skip when they are absent.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from quizflow.analysis import item_statistics
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.importer import ImportColumns, import_responses
from quizflow.importer.publish import publish_import
from quizflow.queries import load_queries, query_frame
from quizflow.settings import Settings, load_settings
from tests.conftest import REALDATA

EEDI = REALDATA / "eedi" / "valid_task_4.csv"
# Two of the eleven heavy users (~27k answers) keep the test well under a minute.
EDNET = [REALDATA / "ednet" / "processed_premonish" / f"_u{u}.csv" for u in (1272, 1273)]


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_url: str) -> Settings:
    monkeypatch.setenv("QUIZFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("QUIZFLOW_DATABASE_URL", pg_url)
    return load_settings()


def warehouse_per_question(settings: Settings, course_id: str) -> pl.DataFrame:
    """answers, correct, facility (first answers) and median response per question, as the
    hard-questions list computes them from the published snapshot."""
    con = duckdb.connect(str(settings.published_path), read_only=True)
    try:
        answers = query_frame(con, load_queries()["item_answers"], {"course_id": course_id})
    finally:
        con.close()
    correct = answers.group_by("question_id").agg(pl.col("correct").sum().alias("correct"))
    stats = item_statistics(answers).join(correct, on="question_id")
    return stats.select("question_id", "answers", "correct", "facility", "median_response_ms").sort(
        "question_id"
    )


def csv_per_question(
    log: pl.DataFrame, student: str, question: str, correct: str, order: list[str]
) -> pl.DataFrame:
    rows = log.with_row_index("line").select(
        pl.col(student).cast(pl.String).alias("student_id"),
        pl.col(question).cast(pl.String).alias("question_id"),
        (pl.col(correct).cast(pl.Int64) == 1).alias("correct"),
        *[pl.col(c) for c in order if c != "line"],
        pl.col("line"),
    )
    first = rows.sort(order).unique(["student_id", "question_id"], keep="first")
    facility = first.group_by("question_id").agg(
        pl.col("correct").cast(pl.Float64).mean().alias("facility")
    )
    totals = rows.group_by("question_id").agg(
        pl.len().cast(pl.UInt32).alias("answers"),
        pl.col("correct").sum().alias("correct"),
    )
    return totals.join(facility, on="question_id").sort("question_id")


def test_eedi_answers_and_facility_per_question_equal_the_csv(
    settings: Settings, pg_url: str
) -> None:
    if not EEDI.exists():
        pytest.skip(f"{EEDI} not available")
    columns = ImportColumns(
        student="UserId", question="QuestionId", correct="IsCorrect", answer="AnswerValue"
    )
    with PostgresEventStore(pg_url) as store:
        summary = import_responses(store, EEDI, columns, course_id="eedi")
    assert (summary.rows, summary.students, summary.questions) == (75_380, 246, 901)
    assert summary.synthetic_clock  # Eedi has no times: file order on a synthetic clock
    assert publish_import(settings, pg_url, summary.last_cursor)[1]

    warehouse = warehouse_per_question(settings, "eedi")
    expected = csv_per_question(
        pl.read_csv(EEDI), "UserId", "QuestionId", "IsCorrect", order=["line"]
    )
    assert warehouse.height == 901
    comparable = warehouse.select("question_id", "answers", "correct", "facility")
    assert comparable.to_dicts() == expected.to_dicts()
    assert warehouse["median_response_ms"].is_null().all()  # no times, so unknown, not 0


def test_ednet_answers_facility_and_response_times_per_question_equal_the_csv(
    settings: Settings, pg_url: str
) -> None:
    if not all(p.exists() for p in EDNET):
        pytest.skip("EdNet files not available")
    columns = ImportColumns(
        student="user_id",
        question="question_id",
        correct="correct",
        answer="user_answer",
        time="timestamp",
        time_unit="ms",
        response_ms="elapsed_time",
    )
    with PostgresEventStore(pg_url) as store:
        summaries = [import_responses(store, p, columns, course_id="ednet") for p in EDNET]
    rows = sum(s.rows for s in summaries)
    last = max(s.last_cursor for s in summaries if s.last_cursor is not None)
    assert publish_import(settings, pg_url, last)[1]

    log = pl.concat(
        [
            pl.read_csv(p, infer_schema_length=0).with_columns(pl.lit(i).alias("file"))
            for i, p in enumerate(EDNET)
        ]
    ).with_columns(pl.col("timestamp").cast(pl.Int64))
    assert rows == log.height
    expected = csv_per_question(
        log, "user_id", "question_id", "correct", order=["timestamp", "line"]
    )
    medians = log.group_by(pl.col("question_id").alias("question_id")).agg(
        pl.col("elapsed_time").cast(pl.Float64).median().alias("median_response_ms")
    )
    expected = expected.join(medians, on="question_id").sort("question_id")
    warehouse = warehouse_per_question(settings, "ednet")
    assert warehouse.height == expected.height
    assert warehouse.to_dicts() == expected.to_dicts()
