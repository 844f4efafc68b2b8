"""The SQL files follow the project's sqlfluff rules (.sqlfluff: DuckDB for projections/ and
queries/, PostgreSQL for the migrations); CI runs this like any test."""

from __future__ import annotations

import subprocess
import sys

import pytest

from quizflow.settings import PROJECT_ROOT

LINTED = ["projections", "queries", "quizflow/eventstore/sql/migrations"]


@pytest.mark.slow
def test_the_projections_queries_and_migrations_pass_sqlfluff() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sqlfluff", "lint", *LINTED, "--disable-progress-bar"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-2000:]
    assert "All Finished" in done.stdout
