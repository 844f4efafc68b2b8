"""Faults: a pipeline killed at any point loses and duplicates nothing once it runs again."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from datetime import timedelta
from pathlib import Path

import pytest

from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.settings import Settings
from quizflow.warehouse import run_pipeline
from tests.integration import eventfactory
from tests.integration.eventfactory import PROJECTION_TABLES, START_AT, table_rows

CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from quizflow.settings import Settings
    from quizflow.warehouse import run_pipeline
    settings = Settings(home=Path(sys.argv[1]), database_url=None)
    run_pipeline(settings, sys.argv[2], say=lambda m: print(m, flush=True))
    print("finished", flush=True)
    """
)


def _run_and_kill(home: Path, url: str, rng: random.Random) -> str:
    """Start a run, SIGKILL it just after a random progress line of a random phase.

    Returns the last line the run printed, to show where it died.
    """
    env = {**os.environ, "QUIZFLOW_INGEST_CHUNK_ROWS": "40"}  # many commits to land between
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(home), url],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert child.stdout is not None
    # "(cursor" lines come after each committed ingest chunk; "projection" after each table.
    phase = rng.choice(["(cursor", "projection", ""])
    wanted = rng.randint(1, 4)
    line = ""
    while wanted:
        line = child.stdout.readline().strip()
        if not line or line == "finished":
            break
        wanted -= phase in line
    time.sleep(rng.uniform(0, 0.02))
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    return line


@pytest.mark.slow
@pytest.mark.faults
def test_a_pipeline_killed_at_random_points_ends_identical_to_a_clean_rebuild(
    tmp_path: Path, pg_url: str
) -> None:
    rng = random.Random(2025)
    home = tmp_path / "killed"
    killed_at = []
    with PostgresEventStore(pg_url) as store:
        course = eventfactory.populate(store, students=12, days=2)
        for round_ in range(8):
            killed_at.append(_run_and_kill(home, pg_url, rng))
            later = START_AT + timedelta(days=5 + round_)
            for student in ("s1", "s2", "s3", "s4", "s5"):
                for chapter in ("ch-1", "ch-2"):
                    later = eventfactory.run_quiz(store, course, student, chapter, rng, later)
    finished = run_pipeline(Settings(home, None), pg_url)
    # The kills landed in different phases (what the child had printed last).
    assert any("(cursor" in line for line in killed_at), killed_at
    assert any(line.startswith("projection") for line in killed_at), killed_at

    clean = Settings(tmp_path / "clean", None)
    run_pipeline(clean, pg_url)
    assert finished.ok, [c.description for c in finished.checks if not c.passed]
    expected = table_rows(clean.warehouse_path, PROJECTION_TABLES)
    assert table_rows(home / "warehouse.duckdb", PROJECTION_TABLES) == expected
    assert table_rows(home / "published" / "warehouse.duckdb", PROJECTION_TABLES) == expected
    assert not list((home / "published").glob(".*.tmp"))
