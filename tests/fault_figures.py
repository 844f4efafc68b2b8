"""The fault suite's figures: printed by each test, and kept as JSON lines in the file
QUIZFLOW_FAULT_FIGURES names, when set (bench/README.md's closing figures come from there)."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from typing import Any

FIGURES_SETTING = "QUIZFLOW_FAULT_FIGURES"


def record_figures(test: str, figures: dict[str, Any]) -> None:
    print(json.dumps({test: figures}))
    path = os.environ.get(FIGURES_SETTING)
    if path:
        with open(path, "a") as out:
            line = {"test": test, "at": datetime.now(UTC).isoformat(), **figures}
            out.write(json.dumps(line) + "\n")
