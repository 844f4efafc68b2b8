"""After an import: run the pipeline until the warehouse holds everything the import appended.

The pipeline only reads transactions older than the oldest one still running anywhere in the
cluster (so it never skips an event), which means one run right after the import may stop
short while some other transaction is open: lag, not loss. Running again until the ingest
cursor reaches the import's last event makes "import, then query" see the whole import.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from quizflow.eventstore import Cursor
from quizflow.settings import Settings
from quizflow.warehouse import RunSummary, run_pipeline

# Between runs that stopped short: long enough not to spin, short next to a typical lag.
RETRY_S = 0.5


def publish_import(
    settings: Settings,
    url: str,
    last_cursor: Cursor | None,
    *,
    timeout_s: float = 120.0,
    say: Callable[[str], None] | None = None,
) -> tuple[RunSummary, bool]:
    """Run the pipeline (without checks) until its cursor reaches ``last_cursor``.

    Returns the last run's summary and whether it caught up (False after ``timeout_s``: the
    next scheduled or manual run will bring in the rest).
    """
    deadline = time.monotonic() + timeout_s
    while True:
        summary = run_pipeline(settings, url, checks=False, say=say)
        if last_cursor is None or summary.ingest.cursor >= last_cursor:
            return summary, True
        if time.monotonic() > deadline:
            return summary, False
        time.sleep(RETRY_S)
