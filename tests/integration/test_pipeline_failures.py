"""Failure is never reported as success: a full disk, events the store lost, a run that waits.

Each runs `quizflow pipeline run` as a process, as a person or a cron job would, and checks its
exit code, its message (one sentence, no traceback) and the published snapshot.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.warehouse import WarehouseWriteError, open_published
from quizflow.warehouse.snapshot import publish_snapshot, tables_dir
from quizflow.warehouse.snapshot_tables import TableWriter
from tests.integration import eventfactory


def _env(home: Path, url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "QUIZFLOW_HOME": str(home),
        "QUIZFLOW_DATABASE_URL": url,
        "QUIZFLOW_PIPELINE_DATABASE_URL": url,  # used as given: no login role to set up
        "DAGSTER_HOME": str(home / "dagster"),
        "COLUMNS": "400",  # one message, one line
        **extra,
    }


def _file_size_limit(limit: int) -> Callable[[], None]:
    """A child that may not grow any file past ``limit`` bytes: a disk that fills up. With
    SIGXFSZ ignored, the write that would cross it fails with EFBIG instead of killing it."""

    def before_exec() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return before_exec


def pipeline_run(
    home: Path, url: str, *args: str, limit: int | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "quizflow.cli", "pipeline", "run", *args],
        env=_env(home, url, **env),
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=_file_size_limit(limit) if limit else None,
    )


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _published_events(home: Path) -> int:
    with open_published(home / "published" / "warehouse.duckdb") as con:
        row = con.execute("select count(*) from events").fetchone()
    return int(row[0]) if row else 0


def _failure_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("pipeline failed:")]
    assert len(lines) == 1, stderr
    return lines[0]


def _assert_sentence(stderr: str, *phrases: str) -> None:
    line = _failure_line(stderr)
    assert "Traceback" not in stderr, stderr
    assert line.endswith("."), line
    for phrase in phrases:
        assert phrase in line, line


@pytest.fixture
def store(pg_url: str) -> Iterator[PostgresEventStore]:
    with PostgresEventStore(pg_url) as store:
        yield store


# -- a full disk -----------------------------------------------------------------------------


@pytest.mark.faults
@pytest.mark.parametrize("headroom", [16 * 1024, 400 * 1024], ids=["log-full", "file-full"])
def test_a_full_disk_fails_the_run_with_a_sentence_and_publishes_nothing(
    tmp_path: Path, store: PostgresEventStore, pg_url: str, headroom: int
) -> None:
    home = tmp_path / "home"
    eventfactory.populate(store, students=2, days=1)
    first = pipeline_run(home, pg_url)
    assert first.returncode == 0, first.stderr
    published = home / "published" / "warehouse.duckdb"
    before, events_before = _digest(published), _published_events(home)

    eventfactory.populate(store, students=40, days=3, seed=8)
    # No file may grow past the warehouse's size plus `headroom`: with a little, the ingest's
    # write-ahead log fills up; with more, the log fits and writing it into the file fails.
    limit = (home / "warehouse.duckdb").stat().st_size + headroom
    full = pipeline_run(home, pg_url, limit=limit)

    assert full.returncode != 0, full.stderr
    _assert_sentence(full.stderr, "could not write", "is the disk full?", "nothing was published")
    assert "published /" not in full.stderr
    assert _digest(published) == before  # the previous snapshot, untouched
    assert not list(published.parent.glob(".*.tmp"))

    # Space again: the next run carries on and publishes everything, checks green.
    again = pipeline_run(home, pg_url, "--format", "json")
    assert again.returncode == 0, again.stderr
    summary = json.loads(again.stdout)
    assert summary["ok"] and all(c["passed"] for c in summary["checks"]), summary["checks"]
    assert _published_events(home) > events_before


@pytest.mark.faults
def test_a_full_disk_on_the_first_run_publishes_no_snapshot_at_all(
    tmp_path: Path, store: PostgresEventStore, pg_url: str
) -> None:
    home = tmp_path / "home"
    eventfactory.populate(store, students=20, days=2)
    full = pipeline_run(home, pg_url, limit=256 * 1024)
    assert full.returncode != 0, full.stderr
    _assert_sentence(full.stderr, "could not write", "nothing was published")
    assert not (home / "published" / "warehouse.duckdb").exists()


def test_a_snapshot_file_that_comes_out_short_is_not_published(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import duckdb

    warehouse, published = tmp_path / "warehouse.duckdb", tmp_path / "published" / "w.duckdb"
    con = duckdb.connect(str(warehouse))
    con.execute("create table t as select range as i from range(100000)")
    con.close()
    publish_snapshot(warehouse, published, projections=[])
    before = _digest(published)
    files_before = sorted(tables_dir(published).rglob("*.parquet"))
    con = duckdb.connect(str(warehouse))
    con.execute("insert into t select range from range(10)")
    con.close()

    write = TableWriter._copy

    def short_copy(self: TableWriter, table: str, query: str) -> Path:  # a full disk's leftover
        path = write(self, table, query)
        with open(path, "r+b") as f:
            f.truncate(path.stat().st_size // 2)
        return path

    monkeypatch.setattr(TableWriter, "_copy", short_copy)
    with pytest.raises(WarehouseWriteError, match="could not write the snapshot"):
        publish_snapshot(warehouse, published, projections=[])
    assert _digest(published) == before
    assert sorted(tables_dir(published).rglob("*.parquet")) == files_before
    assert not list(published.parent.glob(".*.tmp"))


# -- events the store no longer has ----------------------------------------------------------


def _as_owner(url: str, statement: str) -> None:
    """Change stored events behind the store's back, as a crash that erased commits would:
    only here, with the immutability triggers switched off for the statement."""
    with psycopg.connect(url, autocommit=True) as pg, pg.transaction():
        pg.execute("alter table quizflow.events disable trigger all")
        pg.execute(statement)
        pg.execute("alter table quizflow.events enable trigger all")


@pytest.mark.parametrize(
    "erase",
    [
        # Acknowledged commits gone.
        "delete from quizflow.events where position in"
        " (select position from quizflow.events order by position desc limit 3)",
        # Gone, and other events in their place (same count, other ids).
        "update quizflow.events set event_id = gen_random_uuid() where position ="
        " (select max(position) from quizflow.events where type like '%QuestionAssigned')",
    ],
    ids=["deleted", "replaced"],
)
def test_events_the_store_no_longer_has_fail_reconciliation_and_block_publishing(
    tmp_path: Path, store: PostgresEventStore, pg_url: str, erase: str
) -> None:
    home = tmp_path / "home"
    eventfactory.populate(store, students=3, days=1)
    assert pipeline_run(home, pg_url).returncode == 0
    published = home / "published" / "warehouse.duckdb"
    before, events_before = _digest(published), _published_events(home)

    _as_owner(pg_url, erase)
    eventfactory.populate(store, students=3, days=1, seed=9)  # new events to publish, too
    run = pipeline_run(home, pg_url, "--format", "json")

    assert run.returncode != 0, run.stderr
    _assert_sentence(run.stderr, "reconciliation check failed", "nothing was published")
    summary = json.loads(run.stdout)
    reconciliation = next(c for c in summary["checks"] if c["name"] == "reconciliation")
    assert not reconciliation["passed"] and reconciliation["blocking"]
    assert summary["published"] is None and not summary["ok"]
    assert _digest(published) == before and _published_events(home) == events_before


def test_a_failed_warning_check_still_publishes(
    tmp_path: Path, store: PostgresEventStore, pg_url: str
) -> None:
    home = tmp_path / "home"
    eventfactory.populate(store, students=2, days=1)
    run = pipeline_run(home, pg_url, QUIZFLOW_RUNAWAY_EVENTS_PER_MINUTE="1")
    assert run.returncode == 0, run.stderr
    assert "WARN runaway_streams" in run.stderr
    assert _published_events(home) > 0


# -- a second run while one is going ---------------------------------------------------------

HOLDER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from quizflow.warehouse.duck import writer_lock
    with writer_lock(Path(sys.argv[1])):
        print("holding", flush=True)
        sys.stdin.readline()
    """
)


@pytest.fixture
def held(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """Another pipeline run, as far as the warehouse's lock knows, until told to stop."""
    warehouse = tmp_path / "home" / "warehouse.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(warehouse)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
    yield holder
    holder.kill()
    holder.wait(timeout=10)


def test_a_second_run_says_at_once_that_another_is_in_progress_then_goes_on(
    tmp_path: Path, store: PostgresEventStore, pg_url: str, held: subprocess.Popen[str]
) -> None:
    eventfactory.populate(store, students=1, days=1)
    run = subprocess.Popen(
        [sys.executable, "-m", "quizflow.cli", "pipeline", "run"],
        env=_env(tmp_path / "home", pg_url),
        stderr=subprocess.PIPE,
        text=True,
    )
    assert run.stderr is not None
    started = time.monotonic()
    line = run.stderr.readline()
    while line and "another pipeline run is in progress" not in line:
        line = run.stderr.readline()
    # Said while the other run still holds the warehouse, naming it.
    assert "another pipeline run is in progress" in line
    assert f"pid {held.pid}" in line and "waiting up to 600s" in line
    assert time.monotonic() - started < 60
    assert run.poll() is None  # waiting

    assert held.stdin is not None
    held.stdin.write("done\n")
    held.stdin.flush()
    rest = run.stderr.read()
    assert run.wait(timeout=120) == 0, rest
    assert "the other pipeline run finished" in rest and "published" in rest


def test_a_second_run_gives_up_after_the_lock_timeout_with_a_sentence(
    tmp_path: Path, pg_url: str, held: subprocess.Popen[str]
) -> None:
    run = pipeline_run(tmp_path / "home", pg_url, QUIZFLOW_LOCK_TIMEOUT_SECONDS="1")
    assert run.returncode != 0
    assert "another pipeline run is in progress" in run.stderr
    _assert_sentence(
        run.stderr, f"pid {held.pid}", "for over 1s", "gave up without changing anything"
    )
    assert not (tmp_path / "home" / "published" / "warehouse.duckdb").exists()
