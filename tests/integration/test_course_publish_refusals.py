"""`quizflow course publish` on a broken course file: every problem in one go, in sentences a
person reads (field labels, not field names), a non-zero exit and nothing published."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest
import yaml
from typer.testing import CliRunner

from quizflow.cli import app
from quizflow.content import sample_course_path


def question(data: dict[str, Any], question_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(
        q for c in data["chapters"] for q in c["questions"] if q["question_id"] == question_id
    )
    return found


def test_a_broken_course_file_is_refused_with_every_problem_and_nothing_published(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUIZFLOW_DATABASE_URL", pg_url)
    monkeypatch.setenv("QUIZFLOW_HOME", str(tmp_path / "home"))
    data = yaml.safe_load(sample_course_path().read_text(encoding="utf-8"))
    question(data, "frac-16")["accepted"]["_INPUT_1_"] = ["abc"]
    question(data, "frac-16")["wrong_answers"][0]["answer"] = {"_INPUT_1_": "11"}
    del question(data, "frac-01")["wrong_answers"][1]["feedback"]
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")

    result = CliRunner().invoke(app, ["course", "publish", str(broken)])

    assert result.exit_code == 2, result.output
    said = result.stderr
    assert str(broken) in said
    # Structural problems and the authoring checks' in one go, each a sentence of its own.
    assert "question 'frac-16': accepted answer 'abc' for field 'a' is not a valid number\n" in said
    assert "question 'frac-16', wrong answer 1: answer: missing field 'b'\n" in said
    assert (
        "question 'frac-01', wrong answer 2 (2/6) has no feedback (what a student who gives it"
        " should look at again)\n"
    ) in said
    assert "_INPUT_" not in said and "Traceback" not in said
    with psycopg.connect(pg_url) as conn:
        row = conn.execute("select count(*) from quizflow.events").fetchone()
    assert row == (0,)
