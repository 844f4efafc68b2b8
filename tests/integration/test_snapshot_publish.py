"""Publishing without a copy: a run writes only what changed, a publish killed at any step
leaves the previous snapshot whole, and garbage collection never takes a file a snapshot reads."""

from __future__ import annotations

import itertools
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.settings import Settings
from quizflow.warehouse import (
    PipelineConfig,
    RunSummary,
    open_warehouse,
    run_pipeline,
    snapshot_tables,
)
from quizflow.warehouse.projections import apply_projections, load_projections
from quizflow.warehouse.publish import publish_warehouse
from quizflow.warehouse.snapshot import tables_dir
from quizflow.warehouse.snapshot_manifest import Manifest, read_manifest
from tests.integration import eventfactory
from tests.integration.eventfactory import PROJECTION_TABLES, START_AT, table_rows


def _manifest(settings: Settings) -> Manifest:
    manifest = read_manifest(settings.published_path)
    assert manifest is not None
    return manifest


def _paths(manifest: Manifest, table: str) -> set[str]:
    return {f.path for f in manifest.of(table)}


def _on_disk(settings: Settings) -> set[str]:
    return {str(p) for p in tables_dir(settings.published_path).rglob("*.parquet")}


def _rebuilt(settings: Settings, scratch: Path) -> dict[str, list[tuple[object, ...]]]:
    """The projections rebuilt from the warehouse's raw events, in a copy of it. (A second
    warehouse filled from the store could stop short of the first: the store's safe horizon
    waits for every transaction on the server, other tests' too.)"""
    copy = scratch / "rebuilt.duckdb"
    shutil.copyfile(settings.warehouse_path, copy)
    with open_warehouse(copy) as con:
        apply_projections(con, load_projections(), rebuild=True)
    return table_rows(copy, PROJECTION_TABLES)


def _run_until_new_events(settings: Settings, url: str) -> RunSummary:
    """A run that took in new events. The store's safe horizon holds back events while any
    older transaction on the server is open (other tests'); a run that finds none publishes
    no new file, so trying again changes nothing this test looks at."""
    for _ in range(30):
        summary = run_pipeline(settings, url)
        if summary.ingest.events:
            return summary
        time.sleep(1)
    raise AssertionError("the new events never became readable")


def _more_quizzes(store: PostgresEventStore, course: eventfactory.Course, seed: int) -> None:
    rng = random.Random(seed)
    later = START_AT + timedelta(days=5 + seed)
    for chapter in ("ch-1", "ch-2"):
        later = eventfactory.run_quiz(store, course, "s1", chapter, rng, later)


@pytest.fixture
def small_buckets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables spread over several buckets even with a test's few rows."""
    monkeypatch.setattr(snapshot_tables, "BUCKET_ROWS", 4)


def test_a_run_publishes_new_files_for_what_changed_only_and_equals_a_rebuild(
    tmp_path: Path, pg_url: str, small_buckets: None
) -> None:
    settings = Settings(home=tmp_path / "home", database_url=None)
    with PostgresEventStore(pg_url) as store:
        course = eventfactory.populate(store, students=6, days=2)
        run_pipeline(settings, pg_url)
        before = _manifest(settings)
        assert len({f.bucket for f in before.of("answers")}) > 4

        _more_quizzes(store, course, seed=1)  # one student's streams only
        summary = _run_until_new_events(settings, pg_url)
    after = _manifest(settings)

    # The events: the old files as they were, one new file with just the new events.
    new_events = _paths(after, "events") - _paths(before, "events")
    assert _paths(before, "events") <= _paths(after, "events") and len(new_events) == 1
    (added,) = [f for f in after.of("events") if f.path in new_events]
    assert added.rows == summary.ingest.events > 0
    # The answers: the buckets of that student's streams rewritten, the others kept.
    kept = _paths(before, "answers") & _paths(after, "answers")
    assert kept and len(_paths(after, "answers") - kept) < len(_paths(after, "answers"))
    # Every file of the old snapshot is still there (within the grace period).
    assert {f.path for f in before.files} <= _on_disk(settings)

    expected = _rebuilt(settings, tmp_path)
    assert table_rows(settings.published_path, PROJECTION_TABLES) == expected


def test_a_publish_without_new_events_writes_no_event_or_projection_file(
    tmp_path: Path, pg_url: str
) -> None:
    settings = Settings(home=tmp_path / "home", database_url=None)
    with PostgresEventStore(pg_url) as store:
        eventfactory.populate(store, students=2, days=1)
    run_pipeline(settings, pg_url)
    before = _manifest(settings)
    publish_warehouse(settings.warehouse_path, settings.published_path)  # nothing new since
    after = _manifest(settings)
    for table in PROJECTION_TABLES:
        assert _paths(after, table) == _paths(before, table), table
    assert after.snapshot_id != before.snapshot_id


def test_small_event_files_are_merged_as_they_pile_up(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(snapshot_tables, "MERGE_FILES", 3)
    settings = Settings(home=tmp_path / "home", database_url=None)
    with PostgresEventStore(pg_url) as store:
        course = eventfactory.populate(store, students=2, days=1)
        run_pipeline(settings, pg_url, checks=False)
        for seed in range(1, 8):
            _more_quizzes(store, course, seed)
            run_pipeline(settings, pg_url, checks=False)
    files = _manifest(settings).of("events")
    assert len(files) < 7  # one run, one file, but merged
    ranges = sorted((f.lo, f.hi) for f in files)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(ranges))  # no gap
    expected = table_rows(settings.warehouse_path, ["events"])
    assert table_rows(settings.published_path, ["events"]) == expected


def test_collected_garbage_never_includes_a_file_the_published_snapshot_reads(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch, small_buckets: None
) -> None:
    monkeypatch.setenv("QUIZFLOW_SNAPSHOT_GRACE_SECONDS", "0")
    settings = Settings(home=tmp_path / "home", database_url=None)
    with PostgresEventStore(pg_url) as store:
        course = eventfactory.populate(store, students=3, days=1)
        run_pipeline(settings, pg_url, config=PipelineConfig.from_env(), checks=False)
        first = _manifest(settings)
        for seed in range(1, 4):
            _more_quizzes(store, course, seed)
            run_pipeline(settings, pg_url, config=PipelineConfig.from_env(), checks=False)
            manifest = _manifest(settings)
            # Exactly the files the snapshot reads are left: nothing it reads is gone,
            # nothing it does not read is kept (no grace asked for).
            assert _on_disk(settings) == {f.path for f in manifest.files}
    assert {f.path for f in first.files} - _on_disk(settings)  # old ones did go


def test_files_retired_within_the_grace_period_are_kept_for_readers_of_older_snapshots(
    tmp_path: Path, pg_url: str, small_buckets: None
) -> None:
    settings = Settings(home=tmp_path / "home", database_url=None)
    with PostgresEventStore(pg_url) as store:
        course = eventfactory.populate(store, students=3, days=1)
        run_pipeline(settings, pg_url, checks=False)
        old = duckdb.connect(str(settings.published_path), read_only=True)
        seen = old.execute("select count(*), sum(position) from answers").fetchall()
        for seed in range(1, 4):
            _more_quizzes(store, course, seed)
            run_pipeline(settings, pg_url, checks=False)
        # The reader's snapshot still reads the same rows, from files three publishes old.
        assert old.execute("select count(*), sum(position) from answers").fetchall() == seen
        old.close()
    manifest = _manifest(settings)
    assert manifest.retired and all(Path(r.path).exists() for r in manifest.retired)
    new = duckdb.connect(str(settings.published_path), read_only=True)
    assert new.execute("select count(*) from answers").fetchall() != [(seen[0][0],)]
    new.close()


KILLED_RUN = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from quizflow.settings import Settings
    from quizflow.warehouse import run_pipeline
    from quizflow.warehouse import snapshot_tables
    snapshot_tables.BUCKET_ROWS = 4
    settings = Settings(home=Path(sys.argv[1]), database_url=None)
    run_pipeline(settings, sys.argv[2], checks=False, say=lambda m: print(m, flush=True))
    print("finished", flush=True)
    """
)


def _kill_after(home: Path, url: str, wanted: str, nth: int) -> str:
    """Run the pipeline in a child; SIGKILL it right after its ``nth`` line containing
    ``wanted``. Returns that line ("finished" when the run ended first)."""
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_RUN, str(home), url],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ},
    )
    assert child.stdout is not None
    line = ""
    while nth:
        line = child.stdout.readline().strip()
        if not line or line == "finished":
            break
        nth -= wanted in line
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    return line or "finished"


# Each step of a publish, as the run reports it: a table's files, the checked snapshot file,
# the rename, the collection of garbage.
STEPS = [
    ("publish: answers", 1),
    ("publish: events", 1),
    ("publish: student_days", 1),
    ("snapshot file written and checked", 1),
    ("published", 1),
]


@pytest.mark.slow
@pytest.mark.parametrize(("step", "nth"), STEPS, ids=[s for s, _ in STEPS])
def test_a_publish_killed_at_any_step_leaves_a_whole_snapshot_and_the_next_run_equals_a_rebuild(
    tmp_path: Path, pg_url: str, small_buckets: None, step: str, nth: int
) -> None:
    home = tmp_path / "home"
    settings = Settings(home=home, database_url=None)
    with PostgresEventStore(pg_url) as store:
        course = eventfactory.populate(store, students=4, days=1)
        run_pipeline(settings, pg_url, checks=False)
        previous = table_rows(settings.published_path, PROJECTION_TABLES)
        _more_quizzes(store, course, seed=1)
        at = _kill_after(home, pg_url, step, nth)
    assert at != "finished", "the run ended before the step it was to be killed at"

    # Whatever the step, readers find a whole snapshot: the old one or, once renamed, the new.
    now = table_rows(settings.published_path, PROJECTION_TABLES)
    if "published" not in at and "checked" not in at:
        assert now == previous
    else:  # renamed, or about to be: the old snapshot or the killed run's whole one
        assert now == previous or now == table_rows(settings.warehouse_path, PROJECTION_TABLES)

    run_pipeline(settings, pg_url, checks=False)
    assert table_rows(settings.published_path, PROJECTION_TABLES) == _rebuilt(settings, tmp_path)
    manifest = _manifest(settings)
    kept = {f.path for f in manifest.files} | {r.path for r in manifest.retired}
    assert _on_disk(settings) <= kept  # the killed publish's own files are gone
    assert not list(settings.published_dir.glob(".*.tmp"))
