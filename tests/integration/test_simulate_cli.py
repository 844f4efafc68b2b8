"""`quizflow course publish` and `quizflow simulate` from the command line, on real PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from quizflow.cli import app
from quizflow.content import sample_course_path


@pytest.fixture
def run(pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("QUIZFLOW_DATABASE_URL", pg_url)
    monkeypatch.setenv("QUIZFLOW_HOME", str(tmp_path / "home"))
    return CliRunner()


def count(pg_url: str) -> int:
    with psycopg.connect(pg_url) as conn:
        row = conn.execute("select count(*) from quizflow.events").fetchone()
    return int(row[0]) if row else 0


def test_publishing_the_sample_course_says_what_was_published_and_only_once(
    run: CliRunner, pg_url: str
) -> None:
    first = run.invoke(app, ["course", "publish", str(sample_course_path()), "--format", "json"])
    assert first.exit_code == 0, first.output
    published = json.loads(first.stdout)
    assert published["course_id"] == "sample-maths" and published["appended"] is True
    assert len(published["chapters"]) >= 3 and published["questions"] >= 45
    again = run.invoke(app, ["course", "publish", str(sample_course_path()), "--format", "json"])
    assert json.loads(again.stdout)["appended"] is False
    assert count(pg_url) == 1
    assert published["new_question_versions"] == {}  # a first publication: all version 1


def test_republishing_a_changed_question_names_its_new_version(
    run: CliRunner, pg_url: str, tmp_path: Path
) -> None:
    assert run.invoke(app, ["course", "publish", str(sample_course_path())]).exit_code == 0
    edited = tmp_path / "edited.yaml"
    edited.write_text(
        sample_course_path()
        .read_text(encoding="utf-8")
        .replace("Simplify 18/24 fully.", "Simplify 18/24 fully, please.", 1),
        encoding="utf-8",
    )
    result = run.invoke(app, ["course", "publish", str(edited), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["new_question_versions"] == {"frac-05": 2}


def test_a_broken_course_file_is_refused_naming_the_file_and_the_problem(
    run: CliRunner, pg_url: str, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        sample_course_path().read_text(encoding="utf-8").replace("accepted:", "acepted:", 1),
        encoding="utf-8",
    )
    result = run.invoke(app, ["course", "publish", str(broken)])
    assert result.exit_code == 2
    assert str(broken) in result.stderr and "acepted" in result.stderr
    missing = run.invoke(app, ["course", "publish", str(tmp_path / "nope.json")])
    assert missing.exit_code == 2 and "nope.json" in missing.stderr
    assert count(pg_url) == 0


def test_simulate_prints_one_json_summary_and_a_rerun_appends_nothing(
    run: CliRunner, pg_url: str
) -> None:
    args = ["simulate", "--students", "4", "--days", "2", "--seed", "5", "--format", "json"]
    first = run.invoke(app, args)
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)
    assert summary["students"] == 4 and summary["events_appended"] == count(pg_url) > 0
    assert {"answers", "correct_share", "passes", "restarts", "events_per_s"} <= set(summary)
    again = json.loads(run.invoke(app, args).stdout)
    assert again["events_appended"] == 0 and count(pg_url) == summary["events_appended"]


def test_simulate_over_http_without_a_server_says_so(run: CliRunner, pg_url: str) -> None:
    result = run.invoke(
        app,
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
    )
    assert result.exit_code == 1
    assert "no Quizflow server at http://127.0.0.1:9" in result.stderr
    assert count(pg_url) == 0
