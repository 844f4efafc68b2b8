"""Importing a response log: validate it all, publish the course, append each stream in bulk.

Order matters for "nothing half-imported": the whole file is read and every row validated
(streaming it into a staging area on disk) and the course is built and checked before the first
append. A file with a single bad row appends nothing.

A valid file is then appended resumably rather than in one transaction: the events go stream by
stream, in chunks (one round trip per ~5,000 events instead of per answer), each chunk committed
on its own. One transaction would hide the whole import until its end, but it would also hold
back every reader of the log for as long as it ran (readers only read transactions older than
the oldest one running: see README, "Why the cursor is"), minutes for a big file, during which
no student's view would update. Instead, when an import stops midway (PostgreSQL goes away, the
process is killed), what it appended is complete events of whole rows, and running the same
import again appends exactly the rest: every event's id is derived from its row's content, and
ids already stored are skipped (quizflow/importer/events.py). ``ImportInterrupted`` says so.
"""

from __future__ import annotations

import re
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from quizflow.eventstore import (
    ConcurrencyError,
    Cursor,
    DuplicateEventError,
    EventStore,
    EventStoreError,
    NewEvent,
)
from quizflow.importer.course import (
    IMPORTED_CHAPTER,
    MAX_ACCEPTED,
    chapter_of_questions,
    imported_course,
)
from quizflow.importer.csvlog import (
    ImportColumns,
    InvalidLogError,
    LogReader,
    check_id,
    file_sha256,
)
from quizflow.importer.events import ImportSource, Row, StreamEvents
from quizflow.importer.staging import Staging
from quizflow.quiz import CourseError, course_stream_id

# Events per append: ~2 MB of JSON, well inside one PostgreSQL statement, few round trips.
CHUNK_EVENTS = 5_000
# Rows per part of a stream handed to an append worker (at most two events each).
PART_ROWS = CHUNK_EVENTS // 2
# Concurrent stream appends; the store's connection pool must allow at least this many.
APPEND_WORKERS = 4
# Parts built but not appended yet: bounds the memory of a big import.
IN_FLIGHT = 2 * APPEND_WORKERS

Progress = Callable[[int, int], None]  # (answers done, answers in all)


@dataclass(frozen=True)
class ImportSummary:
    file: str
    sha256: str
    course_id: str
    source: str
    rows: int
    students: int
    questions: int
    streams: int
    events_appended: int
    events_already_stored: int
    # Rows stored before whose correct flag differs now: kept as first imported (the store
    # never changes an event), and counted so that a corrected flag does not pass unnoticed.
    rows_changed_since_stored: int
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


class ImportInterrupted(RuntimeError):
    """The import stopped after its validation, while appending: what was appended stays
    (whole rows), and the same import run again appends exactly the rest."""

    def __init__(self, cause: str, appended: int) -> None:
        self.cause, self.appended = cause, appended
        super().__init__(
            f"the import stopped after appending {appended:,} events: {cause}. Nothing is "
            "lost or doubled: run the same import again to append the rest"
        )


def default_course_id(path: Path) -> str:
    """The file's name without extension, as an id (no spaces)."""
    return re.sub(r"\s+", "-", path.stem.strip()) or "imported"


def import_responses(
    store: EventStore,
    path: Path,
    columns: ImportColumns,
    *,
    course_id: str | None = None,
    source: str | None = None,
    progress: Progress | None = None,
    work_dir: Path | None = None,
) -> ImportSummary:
    """Import ``path`` into ``store``. Raises InvalidLogError (nothing appended) on bad rows,
    ImportInterrupted when appending stopped midway (run it again to finish).

    ``source`` names the system the log comes from (default: the course): part of each row's
    identity. ``work_dir`` holds the staging area while the import runs (default: the system's
    temporary directory).
    """
    started = time.monotonic()
    course_id = course_id or default_course_id(path)
    source = source or course_id
    for what, value in (("course", course_id), ("source", source)):
        problem = check_id(value, what, spaces=False)
        if problem is not None:
            raise InvalidLogError(f"the {what} id {value[:100]!r} {problem}")
    if work_dir is not None:
        work_dir.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="quizflow-import-", dir=work_dir) as tmp,
        Staging(Path(tmp), synthetic_clock=columns.time is None) as staging,
    ):
        reader = LogReader(path, columns)
        for batch in reader.batches():
            staging.add(batch)
        reader.raise_if_bad()
        rows, students, questions = staging.counts()
        imported = ImportSource(
            path.name, file_sha256(path), course_id, source, synthetic_clock=columns.time is None
        )

        course_stream = course_stream_id(course_id)
        existing, course_version = _latest_course(store, course_stream)
        try:
            course = imported_course(
                existing, course_id, f"Imported from {path.name}", staging.seen(MAX_ACCEPTED)
            )
        except CourseError as error:
            message = f"cannot add the log's questions to course {course_id}: {error}"
            raise InvalidLogError(message) from None
        chapters = chapter_of_questions(course or existing)

        appender = _Appender(store, imported, rows, progress)
        try:
            if course is not None:
                appender.publish(course_stream, course_version, course)
            appender.append_streams(staging.streams(chapters, IMPORTED_CHAPTER))
        except (psycopg.Error, EventStoreError, OSError) as error:
            raise ImportInterrupted(_cause(error), appender.appended) from error
    return ImportSummary(
        file=path.name,
        sha256=imported.sha256,
        course_id=course_id,
        source=source,
        rows=rows,
        students=students,
        questions=questions,
        streams=appender.streams,
        events_appended=appender.appended,
        events_already_stored=appender.already,
        rows_changed_since_stored=appender.changed,
        course_published=appender.course_published,
        synthetic_clock=imported.synthetic_clock,
        seconds=time.monotonic() - started,
        last_cursor=appender.last,
    )


def _cause(error: BaseException) -> str:
    if isinstance(error, ConcurrencyError):
        return (
            "another import wrote to the same history meanwhile "
            f"({error.stream_id} was at version {error.actual})"
        )
    if isinstance(error, DuplicateEventError):
        return (
            "rows of this file were imported before into another chapter's history (their "
            f"question has moved to another chapter since): {error}"
        )
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return (lines[0] if lines else type(error).__name__).rstrip(".")


@dataclass
class _StreamState:
    """Where a stream stands between two of its parts."""

    version: int
    stored: dict[str, str]  # event id -> type of the events stored before this import


class _Appender:
    """Appends the parts of the streams on a few threads, each stream's parts in order."""

    def __init__(
        self, store: EventStore, source: ImportSource, rows: int, progress: Progress | None
    ) -> None:
        self.store, self.source, self.rows, self.progress = store, source, rows, progress
        self.appended = self.already = self.changed = self.streams = self.done_rows = 0
        self.course_published = False
        self.last: Cursor | None = None
        self._lock = threading.Lock()
        self._slots = threading.Semaphore(IN_FLIGHT)
        self._failure: BaseException | None = None

    def publish(self, stream: str, expected: int, data: dict[str, Any]) -> None:
        # Expected version: a course published meanwhile is merged on the next try, not lost.
        event = NewEvent(
            "course/CoursePublished",
            data,
            self.source.metadata(None),
            self.source.course_event_id(data),
        )
        (published,) = self.store.append(stream, expected, [event])
        self.course_published = True
        self._count(1, 0, 0, published.cursor, 0)

    def append_streams(self, rows: Any) -> None:
        with ThreadPoolExecutor(
            max_workers=APPEND_WORKERS, thread_name_prefix="quizflow-import"
        ) as pool:
            try:
                self._feed(pool, rows)
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)
                raise
        if self._failure is not None:
            raise self._failure

    def _feed(self, pool: ThreadPoolExecutor, rows: Any) -> None:
        key: tuple[str, str] | None = None
        builder: StreamEvents | None = None
        part: list[Row] = []
        previous: Future[_StreamState] | None = None
        for student, chapter, row in rows:
            if (student, chapter) != key or len(part) >= PART_ROWS:
                if part and builder is not None:
                    previous = self._submit(pool, builder, part, previous)
                    if self._failure is not None:
                        return
                if (student, chapter) != key:
                    key, previous = (student, chapter), None
                    builder = StreamEvents(self.source, student, chapter)
                    self.streams += 1
                part = []
            part.append(row)
        if part and builder is not None:
            self._submit(pool, builder, part, previous)

    def _submit(
        self,
        pool: ThreadPoolExecutor,
        builder: StreamEvents,
        part: list[Row],
        previous: Future[_StreamState] | None,
    ) -> Future[_StreamState]:
        events = builder.events(part)  # here, in order: the streak runs through the parts
        self._slots.acquire()
        future = pool.submit(self._append_part, builder.stream_id, events, len(part), previous)
        future.add_done_callback(self._finished)
        return future

    def _finished(self, future: Future[_StreamState]) -> None:
        self._slots.release()
        error = None if future.cancelled() else future.exception()
        if error is not None:
            with self._lock:
                self._failure = self._failure or error

    def _append_part(
        self, stream: str, events: list[NewEvent], rows: int, previous: Future[_StreamState] | None
    ) -> _StreamState:
        if previous is None:
            version = self.store.stream_version(stream)
            stored = (
                {str(e.event_id): e.type for e in self.store.read_stream(stream)} if version else {}
            )
            state = _StreamState(version, stored)
        else:
            state = previous.result()  # raises when the stream's part before failed
        fresh = [e for e in events if str(e.event_id) not in state.stored]
        changed = sum(1 for e in events if state.stored.get(str(e.event_id), e.type) != e.type)
        last: Cursor | None = None
        for start in range(0, len(fresh), CHUNK_EVENTS):
            chunk = fresh[start : start + CHUNK_EVENTS]
            recorded = self.store.append(stream, state.version, chunk)
            state.version += len(chunk)
            last = recorded[-1].cursor
            self._count(len(chunk), 0, 0, last, 0)
        self._count(0, len(events) - len(fresh), changed, None, rows)
        return state

    def _count(
        self, appended: int, already: int, changed: int, last: Cursor | None, rows: int
    ) -> None:
        with self._lock:
            self.appended += appended
            self.already += already
            self.changed += changed
            if last is not None and (self.last is None or last > self.last):
                self.last = last
            self.done_rows += rows
            done = self.done_rows
        if rows and self.progress is not None:
            self.progress(done, self.rows)


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
