"""One measured step of `quizflow bench history`, run as its own process.

``python -m quizflow.bench.history_run run|rebuild URL HOME`` prints one JSON line: the
seconds, the events involved, and the bytes this process sent to storage meanwhile
(``write_bytes`` of /proc/self/io, read before and after the step).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any


def write_bytes() -> int:
    """Bytes this process has caused to be written to storage so far (Linux)."""
    for line in Path("/proc/self/io").read_text().splitlines():
        key, _, value = line.partition(":")
        if key == "write_bytes":
            return int(value)
    raise RuntimeError("/proc/self/io has no write_bytes line")


def measure(mode: str, url: str, home: Path) -> dict[str, Any]:
    from quizflow.settings import Settings
    from quizflow.warehouse import PipelineConfig, apply_projections, load_projections
    from quizflow.warehouse.duck import first_row, open_warehouse
    from quizflow.warehouse.run import run_pipeline

    settings = Settings(home=home, database_url=url)
    before, started = write_bytes(), time.monotonic()
    if mode == "run":
        summary = run_pipeline(settings, url)
        events = summary.ingest.events
    elif mode == "rebuild":
        config = PipelineConfig.from_env()
        with open_warehouse(settings.warehouse_path, config.memory_limit) as con:
            apply_projections(con, load_projections(), rebuild=True)
            row = first_row(con, "select count(*) from events")
        events = int(row[0]) if row else 0
    else:
        raise ValueError(f"unknown mode {mode!r}: run or rebuild")
    seconds = time.monotonic() - started
    return {
        "mode": mode,
        "events": events,
        "seconds": seconds,
        "write_bytes": write_bytes() - before,
    }


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1], sys.argv[2], Path(sys.argv[3]))))
