"""The figures the editor pages show beside each question, from the published snapshot.

The same numbers as the hard-questions report (``load_hard_questions``: answers, facility,
Rasch difficulty with its standard error, the top wrong answers with their misconception),
for every question of a course that has answers. The snapshot is replaced whole after each
pipeline run, so figures are kept per snapshot file and course until it changes; without a
snapshot (or with one that cannot be read) there are none, and the pages say so.
"""

from __future__ import annotations

import logging
import threading
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
    if snapshot is None or not snapshot.exists():
        return Figures({}, None, "no data yet: the pipeline has not published a snapshot")
    stat = snapshot.stat()
    key = (str(snapshot), stat.st_mtime_ns, stat.st_size, course_id)
    with _lock:
        known = _cache.get(key)
    if known is not None:
        return known
    figures = _load(snapshot, course_id)
    with _lock:
        for old in [k for k in _cache if k[0] == key[0] and k[3] == course_id]:
            del _cache[old]
        _cache[key] = figures
    return figures


def _load(snapshot: Path, course_id: str) -> Figures:
    from quizflow.reports.hard_questions import load_hard_questions
    from quizflow.warehouse import open_published

    try:
        with open_published(snapshot) as con:
            items = load_hard_questions(con, limit=_ALL, min_answers=1, course_id=course_id)
            row = con.execute("select max(updated_at) from ingest_checkpoint").fetchall()
    except (duckdb.Error, OSError) as error:
        log.warning("editor figures: the snapshot %s could not be read: %s", snapshot, error)
        return Figures({}, None, "no figures: the published snapshot could not be read")
    updated = row[0][0] if row and row[0] and row[0][0] is not None else None
    return Figures(
        {str(item["question_id"]): item for item in items},
        updated if isinstance(updated, datetime) else None,
    )
