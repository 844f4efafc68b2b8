"""The fault flags against planted truth: simulate (real handler, real PostgreSQL), run the
pipeline, ask `quizflow hard-questions`, and score each flag's precision and recall."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from quizflow.analysis.calibration import FlagScore, flag_scores
from quizflow.analysis.flags import FAULT_FLAGS
from quizflow.cli import app

# The demo's size: 300 students over four school weeks.
STUDENTS, DAYS, SEED = "300", "20", "1"


def simulate_and_rank(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, plant: int
) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    monkeypatch.setenv("QUIZFLOW_DATABASE_URL", pg_url)
    monkeypatch.setenv("QUIZFLOW_HOME", str(tmp_path / "home"))
    runner = CliRunner()
    simulated = runner.invoke(
        app,
        [
            "simulate",
            *("--students", STUDENTS, "--days", DAYS, "--seed", SEED),
            *("--plant-faults", str(plant), "--format", "json", "--workers", "4"),
        ],
    )
    assert simulated.exit_code == 0, simulated.output
    planted = json.loads(simulated.stdout)["planted"]
    piped = runner.invoke(app, ["pipeline", "run"])
    assert piped.exit_code == 0, piped.output
    ranked = runner.invoke(
        app, ["hard-questions", "--format", "json", "--limit", "1000", "--min-answers", "1"]
    )
    assert ranked.exit_code == 0, ranked.output
    return json.loads(ranked.stdout), planted


@pytest.mark.slow
def test_planted_faults_are_found_by_their_own_flags(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    items, planted = simulate_and_rank(pg_url, tmp_path, monkeypatch, plant=6)
    assert sorted(p["fault"] for p in planted) == sorted(FAULT_FLAGS * 2)
    assert len(items) >= 60  # every question of the course is scored
    scores = flag_scores(items, planted)
    total = FlagScore()
    for score in scores.values():
        total.add(score)
    print(json.dumps({flag: s.as_json() for flag, s in scores.items()}))
    # Floors every seed measured reaches (the run itself is deterministic); the aim, 0.8 for
    # both, is reached over many seeds but not on each: bench/README.md has the figures.
    # Seed 1 is the hardest of seeds 1-5: its two ambiguous questions and one of its traps
    # leave too little trace to find.
    assert total.precision is not None and total.precision >= 0.8
    assert total.recall is not None and total.recall >= 0.5
    assert scores["wrong_key"].precision == scores["wrong_key"].recall == 1.0
    assert scores["strong_distractor"].hits >= 1
    # No question is flagged with the wrong kind of fault.
    faults = {p["question_id"]: p["fault"] for p in planted}
    misnamed = [
        (i["question_id"], f)
        for i in items
        for f in i["flags"]
        if f in FAULT_FLAGS and i["question_id"] in faults and faults[i["question_id"]] != f
    ]
    assert misnamed == []


@pytest.mark.slow
def test_a_simulation_without_faults_raises_next_to_no_fault_flag(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    items, planted = simulate_and_rank(pg_url, tmp_path, monkeypatch, plant=0)
    assert planted == []
    raised = [(i["question_id"], f) for i in items for f in i["flags"] if f in FAULT_FLAGS]
    # ~300 tests at levels of 1% to 0.1%: at most one false alarm in a whole course.
    assert len(raised) <= 1, raised
