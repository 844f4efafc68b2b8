"""`quizflow bench flags`: one JSON document scoring the fault flags, a clean run beside."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from quizflow.cli import app


def test_bench_flags_scores_planted_runs_and_counts_false_flags_of_clean_ones() -> None:
    args = ["bench", "flags", "--seeds", "4", "--students", "30", "--days", "3"]
    result = CliRunner().invoke(app, [*args, "--faults", "3"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [(r["seed"], r["planted"]) for r in report["runs"]] == [(4, 3), (4, 0)]
    planted = report["runs"][0]["flags"]
    assert {flag: s["planted"] for flag, s in planted.items()} == {
        "wrong_key": 1,
        "ambiguous": 1,
        "strong_distractor": 1,
    }
    assert report["with_faults"]["wrong_key"]["planted"] == 1
    clean = report["runs"][1]["flags"]
    assert report["baseline_without_faults"]["false_flags"] == {
        flag: s["raised"] for flag, s in clean.items()
    }
    assert all(r["answers"] > 0 and r["questions"] > 0 for r in report["runs"])
    assert all(0 < r["analysis_seconds"] <= r["seconds"] for r in report["runs"])
    # The fault-free run's false flags count against the precision over all runs.
    for flag, score in report["with_faults"].items():
        raised = score["raised"] + report["baseline_without_faults"]["false_flags"][flag]
        expected = round(score["hits"] / raised, 3) if raised else None
        assert report["precision_over_all_runs"][flag] == expected
        interval = report["precision_over_all_runs_interval"][flag]
        if raised:
            assert interval[0] <= expected <= interval[1]
        else:
            assert interval is None
        recall = score["recall_interval"]
        assert recall[0] <= score["recall"] <= recall[1]
