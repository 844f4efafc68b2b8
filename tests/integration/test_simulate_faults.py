"""`quizflow simulate --plant-faults` on real PostgreSQL: listed, published, refused when
impossible."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from quizflow.app.catalog import CourseCatalog
from quizflow.cli import app
from quizflow.content import load_course_file, sample_course_path
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.quiz import Course, check


@pytest.fixture
def run(pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("QUIZFLOW_DATABASE_URL", pg_url)
    monkeypatch.setenv("QUIZFLOW_HOME", str(tmp_path / "home"))
    return CliRunner()


def count(pg_url: str) -> int:
    with psycopg.connect(pg_url) as conn:
        row = conn.execute("select count(*) from quizflow.events").fetchone()
    return int(row[0]) if row else 0


def test_planted_faults_are_listed_and_the_wrong_key_is_what_the_handler_grades_with(
    run: CliRunner, pg_url: str
) -> None:
    args = ["simulate", "--students", "4", "--days", "1", "--seed", "2", "--format", "json"]
    result = run.invoke(app, [*args, "--plant-faults", "3"])
    assert result.exit_code == 0, result.output
    planted = json.loads(result.stdout)["planted"]
    assert sorted(p["fault"] for p in planted) == ["ambiguous", "strong_distractor", "wrong_key"]
    authored = Course.from_data(load_course_file(sample_course_path()))
    with PostgresEventStore(pg_url) as store:
        published = CourseCatalog(store).get("sample-maths")
    assert published is not None
    wrong_key = next(p["question_id"] for p in planted if p["fault"] == "wrong_key")
    meant = next(q for c in authored.chapters for q in c.questions if q.question_id == wrong_key)
    graded = next(q for c in published.chapters for q in c.questions if q.question_id == wrong_key)
    right = {name: values[0] for name, values in meant.accepted.items()}
    assert check(meant, right) and not check(graded, right)
    # A re-run plants the same faults and appends nothing.
    again = json.loads(run.invoke(app, [*args, "--plant-faults", "3"]).stdout)
    assert again["planted"] == planted and again["events_appended"] == 0


def test_without_the_option_nothing_is_planted(run: CliRunner) -> None:
    result = run.invoke(app, ["simulate", "--students", "2", "--days", "1", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["planted"] == []


def test_more_faults_than_questions_is_refused_before_anything_is_written(
    run: CliRunner, pg_url: str
) -> None:
    result = run.invoke(
        app, ["simulate", "--students", "2", "--days", "1", "--plant-faults", "999"]
    )
    assert result.exit_code == 2
    assert "--plant-faults 999" in result.stderr and "cannot plant 999 faults" in result.stderr
    assert count(pg_url) == 0
