"""Importing a response log: validate it all, publish the course, append each stream in bulk.

Order matters for "nothing half-imported": the whole file is read and validated and the course
is built (and checked) before the first append. Appends go per stream, many events each (one
round trip per chunk instead of per answer: the difference between minutes and seconds for
100k answers), with the expected version, so a live quiz writing to the same stream at the
same moment makes the import fail loudly rather than interleave. If the process dies midway,
running the same import again appends exactly the missing events: ids are derived from the
file, and events already stored are skipped.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from quizflow.eventstore import Cursor, EventStore, NewEvent
from quizflow.importer.course import IMPORTED_CHAPTER, chapter_of_questions, imported_course
from quizflow.importer.csvlog import ImportColumns, InvalidLogError, file_sha256, read_log
from quizflow.importer.events import ImportSource, Row, stream_events
from quizflow.quiz import CourseError, course_stream_id, quiz_stream_id

# Events per append: ~2 MB of JSON, well inside one PostgreSQL statement, few round trips.
CHUNK_EVENTS = 5_000
# Concurrent stream appends; the store's connection pool must allow at least this many.
APPEND_WORKERS = 4

Progress = Callable[[int, int], None]  # (answers done, answers in all)


@dataclass(frozen=True)
class ImportSummary:
    file: str
    sha256: str
    course_id: str
    rows: int
    students: int
    questions: int
    streams: int
    events_appended: int
    events_already_stored: int
    course_published: bool
    synthetic_clock: bool
    seconds: float
    # Where the last appended event stands in the global order (None: nothing appended); the
    # pipeline has caught up with the import once its cursor reaches this.
    last_cursor: Cursor | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.__dict__,
            "last_cursor": None if self.last_cursor is None else str(self.last_cursor),
            "seconds": round(self.seconds, 3),
            "answers_per_second": round(self.rows / self.seconds) if self.seconds else None,
        }


def default_course_id(path: Path) -> str:
    """The file's name without extension, as an id (no spaces)."""
    return re.sub(r"\s+", "-", path.stem.strip()) or "imported"


def import_responses(
    store: EventStore,
    path: Path,
    columns: ImportColumns,
    *,
    course_id: str | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import ``path`` into ``store``; raises InvalidLogError (nothing appended) on bad rows."""
    started = time.monotonic()
    course_id = course_id or default_course_id(path)
    log = read_log(path, columns)
    source = ImportSource(
        path.name, file_sha256(path), course_id, synthetic_clock=columns.time is None
    )

    course_stream = course_stream_id(course_id)
    existing, course_version = _latest_course(store, course_stream)
    try:
        course = imported_course(existing, course_id, f"Imported from {path.name}", _seen(log))
    except CourseError as error:
        message = f"cannot add the log's questions to course {course_id}: {error}"
        raise InvalidLogError(message) from None
    chapters = chapter_of_questions(course or existing)

    log = log.with_columns(
        pl.col("question_id")
        .replace_strict(chapters, default=IMPORTED_CHAPTER, return_dtype=pl.String)
        .alias("chapter_id")
    ).sort("student_id", "chapter_id", "occurred_at", "line")

    appended = already = 0
    last: Cursor | None = None
    if course is not None:
        # Expected version: a course published meanwhile is merged on the next try, not lost.
        (published,) = store.append(course_stream, course_version, [_course_event(source, course)])
        appended, last = 1, published.cursor
    groups = log.group_by("student_id", "chapter_id", maintain_order=True)
    done = streams = 0
    # Streams are independent, so several appends run at once: while PostgreSQL inserts one
    # stream's events, Python builds and encodes the next.
    with ThreadPoolExecutor(max_workers=APPEND_WORKERS) as pool:
        futures = {
            pool.submit(
                _append_stream,
                store,
                quiz_stream_id(str(student_id), course_id, str(chapter_id)),
                source,
                course_id,
                group,
            ): group.height
            for (student_id, chapter_id), group in groups
        }
        try:
            for future in as_completed(futures):
                new, stored, stream_last = future.result()
                appended += new
                already += stored
                last = _later(last, stream_last)
                streams += 1
                done += futures[future]
                if progress:
                    progress(done, log.height)
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return ImportSummary(
        file=path.name,
        sha256=source.sha256,
        course_id=course_id,
        rows=log.height,
        students=log["student_id"].n_unique(),
        questions=log["question_id"].n_unique(),
        streams=streams,
        events_appended=appended,
        events_already_stored=already,
        course_published=course is not None,
        synthetic_clock=source.synthetic_clock,
        seconds=time.monotonic() - started,
        last_cursor=last,
    )


def _append_stream(
    store: EventStore, stream: str, source: ImportSource, course_id: str, group: pl.DataFrame
) -> tuple[int, int, Cursor | None]:
    """Append one stream's events not stored yet: (appended, already stored, last cursor)."""
    version = store.stream_version(stream)
    first = group.row(0, named=True)
    ids = {
        "student_id": first["student_id"],
        "course_id": course_id,
        "chapter_id": first["chapter_id"],
    }
    rows = (
        Row(
            r["line"],
            r["question_id"],
            r["correct"],
            r["answer"],
            r["occurred_at"],
            r["response_ms"],
        )
        for r in group.iter_rows(named=True)
    )
    events = stream_events(source, ids, rows, new_stream=version == 0)
    if version:
        stored = {e.event_id for e in store.read_stream(stream)}
        fresh = [e for e in events if e.event_id not in stored]
    else:
        fresh = events
    last: Cursor | None = None
    for start in range(0, len(fresh), CHUNK_EVENTS):
        chunk = fresh[start : start + CHUNK_EVENTS]
        stored_chunk = store.append(stream, version, chunk)
        version += len(chunk)
        last = _later(last, max(e.cursor for e in stored_chunk))
    return len(fresh), len(events) - len(fresh), last


def _later(a: Cursor | None, b: Cursor | None) -> Cursor | None:
    if a is None or b is None:
        return a or b
    return max(a, b)


def _seen(log: pl.DataFrame) -> dict[str, list[str]]:
    """Every question in the log with its correct answers' texts, most frequent first."""
    correct = (
        log.filter(pl.col("correct") & pl.col("answer").is_not_null())
        .group_by("question_id", "answer")
        .len()
        .sort(["question_id", "len", "answer"], descending=[False, True, False])
        .group_by("question_id", maintain_order=True)
        .agg(pl.col("answer"))
    )
    answers = dict(zip(correct["question_id"].to_list(), correct["answer"].to_list(), strict=True))
    order = log["question_id"].unique(maintain_order=True).to_list()
    return {q: [a.strip() for a in answers.get(q, [])] for q in order}


def _latest_course(store: EventStore, stream: str) -> tuple[dict[str, Any] | None, int]:
    """The latest published course data (None: not published) and the stream's version."""
    version = store.stream_version(stream)
    if version == 0:
        return None, 0
    # A course stream holds one whole course per version (megabytes for a big bank), and
    # only CoursePublished events (docs/events.md): the last one is the latest.
    for from_version in (version, 1):
        for event in reversed(store.read_stream(stream, from_version=from_version)):
            if event.type == "course/CoursePublished":
                return event.data, version
    return None, version


def _course_event(source: ImportSource, data: dict[str, Any]) -> NewEvent:
    # Same file, same course content: same id, so a repeated publication is recognised.
    event_id = source.event_id(0, f"course:{data['course_id']}:{data['version']}")
    return NewEvent("course/CoursePublished", data, source.metadata(None), event_id)
