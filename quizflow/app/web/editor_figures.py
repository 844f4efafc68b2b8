"""The figures the editor pages show beside each question, from the published snapshot.

The same numbers as the hard-questions report (``load_hard_questions``: answers, facility,
Rasch difficulty with its standard error, the top wrong answers with their misconception),
for every question of a course that has answers. The snapshot is replaced whole after each
pipeline run, so figures are kept per snapshot file and course until it changes; without a
snapshot (or with one that cannot be read) there are none, and the pages say so.

In the lake mode (``QUIZFLOW_WAREHOUSE=lake``) there is no snapshot file: the figures come from
the lake's newest release and are kept per release id, which a new release changes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

log = logging.getLogger(__name__)

_ALL = 100_000


@dataclass(frozen=True)
class Figures:
    by_question: dict[str, dict[str, Any]]
    snapshot_at: datetime | None  # when the snapshot's data ends (its checkpoint), if known
    problem: str | None = None  # why there are no figures, in words for the page


_cache: dict[tuple[str, int, int, str], Figures] = {}
_lock = threading.Lock()


def course_figures(snapshot: Path | None, course_id: str) -> Figures:
    """Per question id of the course: its hard-questions item. Blocking (DuckDB and the Rasch
    fit): call it from a worker thread."""
    if _lake_mode():
        release = _newest_release()
        if isinstance(release, Figures):
            return release
        key = ("lake", release, 0, course_id)
        return _cached(key, lambda: _load(None, course_id, release))
    if snapshot is None or not snapshot.exists():
        return Figures({}, None, "no data yet: the pipeline has not published a snapshot")
    stat = snapshot.stat()
    key = (str(snapshot), stat.st_mtime_ns, stat.st_size, course_id)
    return _cached(key, lambda: _load(snapshot, course_id))


def _cached(key: tuple[str, int, int, str], load: Callable[[], Figures]) -> Figures:
    course_id = key[3]
    with _lock:
        known = _cache.get(key)
    if known is not None:
        return known
    figures = load()
    with _lock:
        for old in [k for k in _cache if k[0] == key[0] and k[3] == course_id]:
            del _cache[old]
        _cache[key] = figures
    return figures


def _lake_mode() -> bool:
    from quizflow.warehouse.lake.settings import warehouse_mode

    try:
        return warehouse_mode() == "lake"
    except ValueError:
        return False


def _newest_release() -> int | Figures:
    """The newest release's id, or the Figures saying why there is none (one catalog read)."""
    from quizflow.settings import load_settings
    from quizflow.warehouse.lake.catalog import open_lake
    from quizflow.warehouse.lake.release import latest_release

    try:
        lake = open_lake(load_settings())
        try:
            release = latest_release(lake)
        finally:
            lake.close()
    except Exception as error:  # storage or catalog unreachable: the page says so
        log.warning("editor figures: the lake could not be read: %s", error)
        return Figures({}, None, "no figures: the lake's newest release could not be read")
    if release is None:
        return Figures({}, None, "no data yet: the pipeline has not released anything")
    return release.release_id


def _load(snapshot: Path | None, course_id: str, release: int | None = None) -> Figures:
    from quizflow.reports.hard_questions import load_hard_questions
    from quizflow.warehouse import open_published
    from quizflow.warehouse.lake.reader import open_release

    try:
        if release is not None:
            # The release whose id keys the cache, not whatever is newest by now.
            opened = open_release(release_id=release)
        else:
            assert snapshot is not None
            opened = open_published(snapshot)
        with opened as con:
            items = load_hard_questions(con, limit=_ALL, min_answers=1, course_id=course_id)
            row = con.execute("select max(updated_at) from ingest_checkpoint").fetchall()
    except (duckdb.Error, OSError, LookupError) as error:
        what = f"lake release {release}" if release is not None else f"snapshot {snapshot}"
        log.warning("editor figures: the %s could not be read: %s", what, error)
        where = "lake's release" if release is not None else "published snapshot"
        return Figures({}, None, f"no figures: the {where} could not be read")
    updated = row[0][0] if row and row[0] and row[0][0] is not None else None
    return Figures(
        {str(item["question_id"]): item for item in items},
        updated if isinstance(updated, datetime) else None,
    )
