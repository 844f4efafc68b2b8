"""The pre-commit hooks are a valid configuration and run what CI runs."""

from __future__ import annotations

import subprocess
import sys

import yaml

from quizflow.settings import PROJECT_ROOT

CONFIG = PROJECT_ROOT / ".pre-commit-config.yaml"


def test_the_configuration_is_valid_for_pre_commit() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-config", str(CONFIG)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_every_style_check_ci_runs_is_a_hook() -> None:
    hooks = [hook for repo in yaml.safe_load(CONFIG.read_text())["repos"] for hook in repo["hooks"]]
    entries = " | ".join(hook["entry"] for hook in hooks)
    ci = (PROJECT_ROOT / ".ci" / "run").read_text()
    for check in ("ruff format", "ruff check", "mypy quizflow pipelines"):
        assert check in ci, f"CI no longer runs {check}"
        assert check in entries, f"no hook runs {check}"
    assert "sqlfluff lint" in entries
    # Local hooks only: the tools pinned in uv.lock, nothing fetched from elsewhere.
    assert {repo["repo"] for repo in yaml.safe_load(CONFIG.read_text())["repos"]} == {"local"}
