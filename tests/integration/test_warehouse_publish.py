"""Readers open the published snapshot; the pipeline and readers never get in each other's way."""

from __future__ import annotations

import random
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest

from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.settings import Settings, load_settings
from quizflow.warehouse import open_published, run_pipeline
from tests.integration import eventfactory

READER = textwrap.dedent(
    """
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    seen = set()
    first = con.execute("select count(*) from answers").fetchone()[0]
    print("ready", first, flush=True)
    sys.stdin.readline()  # the pipeline publishes meanwhile; keep the old snapshot open
    for _ in range(20):
        seen.add(con.execute("select count(*) from answers").fetchone()[0])
        time.sleep(0.01)
    con.close()
    again = duckdb.connect(sys.argv[1], read_only=True)
    print("done", sorted(seen), again.execute("select count(*) from answers").fetchone()[0])
    """
)


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("QUIZFLOW_HOME", str(tmp_path / "home"))
    return load_settings()


def test_a_reader_holding_the_snapshot_open_and_the_pipeline_both_succeed(
    settings: Settings, pg_url: str
) -> None:
    with PostgresEventStore(pg_url) as store:
        course = eventfactory.populate(store, students=2, days=1)
        run_pipeline(settings, pg_url, checks=False)
        reader = subprocess.Popen(
            [sys.executable, "-c", READER, str(settings.published_path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert reader.stdout is not None and reader.stdin is not None
        ready, before = reader.stdout.readline().split()
        assert ready == "ready"

        later = eventfactory.START_AT + timedelta(days=5)
        eventfactory.run_quiz(store, course, "s2", "ch-2", random.Random(1), later, p_correct=0.3)
        summary = run_pipeline(settings, pg_url, checks=False)  # publishes while the reader reads
        reader.stdin.write("go\n")
        reader.stdin.flush()
        out, _ = reader.communicate(timeout=60)

    assert reader.returncode == 0
    assert summary.ingest.events > 0
    with open_published(settings.published_path) as con:
        after = con.execute("select count(*) from answers").fetchone()
    assert after is not None and after[0] > int(before)
    # The reader saw one consistent snapshot while it held it, and the new one when it reopened.
    assert out.strip() == f"done [{before}] {after[0]}"
