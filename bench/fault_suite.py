"""Run the fault suite (pytest -m faults) once per seed, and the hostile-input tests once, and
sum their figures.

    uv run python bench/fault_suite.py 1616 7 42

Each test of the suite prints its figures and, with QUIZFLOW_FAULT_FIGURES set, appends them
as a JSON line (tests/fault_figures.py); this prints one JSON document: every line, and the
totals the closing figures in bench/README.md are made of.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path


def main(seeds: list[str]) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        figures = Path(tmp) / "figures.jsonl"
        failed = []
        suite = [
            "tests/integration/test_faults_postgres_crash.py",
            "tests/e2e/test_serve_postgres_restart.py",
        ]
        runs = [(seed, ["-m", "faults", *suite]) for seed in seeds]
        # The hostile-input figures (not seeded, not marked: they run with the rest) once.
        hostile = ["tests/e2e/test_refusals_append_nothing.py", "tests/e2e/test_openapi_errors.py"]
        runs.append(("-", hostile))
        for seed, selection in runs:
            env = {**os.environ, "QUIZFLOW_FAULT_FIGURES": str(figures)}
            if seed != "-":
                env["QUIZFLOW_FAULT_SEED"] = seed
            run = subprocess.run(
                [sys.executable, "-m", "pytest", *selection, "-q", "-p", "no:cacheprovider"],
                env=env,
                capture_output=True,
                text=True,
            )
            if run.returncode != 0:
                failed.append({"seed": seed, "tail": run.stdout[-2000:]})
        lines = (
            [json.loads(line) for line in figures.read_text().splitlines()]
            if figures.exists()
            else []
        )
    totals: Counter[str] = Counter()
    for line in lines:
        for key, value in line.items():
            if isinstance(value, int) and not isinstance(value, bool) and key != "seed":
                totals[f"{line['test']}.{key}"] += value
        if line["test"] == "postgresql-killed":
            equal, _, rounds = str(line["runs_equal_to_rebuild"]).partition(" of ")
            totals["postgresql-killed.runs_equal_to_rebuild"] += int(equal)
            totals["postgresql-killed.rounds"] += int(rounds)
    print(json.dumps({"seeds": seeds, "failed": failed, "totals": totals, "runs": lines}, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:] or ["1616"]))
