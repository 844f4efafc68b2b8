"""Imported rows as the quiz's own events (docs/events.md), in streams of their own, with ids
derived from each row's content.

**Streams of their own.** Each student's imported answers to one chapter go to the stream
``imported-`` + that quiz's stream id, never to the live quiz stream the command handler
decides in. Imported history did not follow Quizflow's quiz rules (no start over after a
mistake, no pass after three in a row), so appended to a live stream it broke them: answers
after a pass reopened a passed quiz, and the student's next command met a state the rules
never produce. Refusing courses that students are taking would have made importing last
year's history of this year's course impossible, which is what schools import. The
warehouse reads answers by event type from every stream (projections/answers.sql,
attempts.sql, quarantine.sql name types, not streams), so imported answers count in every
analysis as before; the live read model (quizflow/app/readmodel.py) skips these streams.

Per stream, in time order: a ``QuizStarted`` (attempt 1) once, then per answer a
``QuestionAssigned`` and a ``QuestionAnsweredCorrectly``/``Incorrectly``. ``occurred_at`` is
the original time; the assignment is placed ``response_ms`` before the answer when the log
records it. Without a response time no assignment is written: an assignment at the answer's own
time would put a false 0 ms into ``answers.response_ms``, where the contract says null for
unknown. The source system did not run our quiz rules, so no ``QuizStartedOver``/``QuizPassed``
are invented; ``streak`` counts correct answers in a row in the file's order of the stream.

**Ids from content.** A row is who answered which question when, and what: (source, course,
student, question, time, answer), plus how many identical rows came before it in the file (a
log may hold the same row twice, and both count). Its events' ids are uuid5 of that, never of
the file's name, hash or line: importing the same file again, a corrected copy (a bad row
fixed) or an extended one (next month's export) appends only the rows not stored yet. Without a
time column the time is the row's place in the file, so there the identity is (source, course,
student, question, answer, occurrence) instead: rows added elsewhere in the file do not change
it. A stream's ``QuizStarted`` has an id of the stream's own, so it is written once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, NamedTuple

from quizflow.eventstore import NewEvent
from quizflow.importer.course import FIELD
from quizflow.quiz import quiz_stream_id

_NAMESPACE = uuid.UUID("0b8f7c52-3d4e-4b7a-9d61-2f1e8a6c5b90")

STARTED = "chapter-quiz/QuizStarted"
ASSIGNED = "chapter-quiz/QuestionAssigned"
CORRECT = "chapter-quiz/QuestionAnsweredCorrectly"
INCORRECT = "chapter-quiz/QuestionAnsweredIncorrectly"
ATTEMPT = 1
IMPORTED_STREAM_PREFIX = "imported-"


def imported_stream_id(student_id: str, course_id: str, chapter_id: str) -> str:
    """Where a student's imported history of one chapter goes: beside the live quiz's stream,
    never in it."""
    return IMPORTED_STREAM_PREFIX + quiz_stream_id(student_id, course_id, chapter_id)


def is_imported_stream(stream_id: str) -> bool:
    return stream_id.startswith(IMPORTED_STREAM_PREFIX)


def _uuid(*parts: object) -> uuid.UUID:
    # NUL separates the parts: no validated value can contain one, so no two lists of parts
    # give the same name.
    return uuid.uuid5(_NAMESPACE, "\x00".join(map(str, parts)))


@dataclass(frozen=True)
class ImportSource:
    """The import: where the rows come from (``source``: the system, by default the course),
    into which course, and what every event's metadata says about the file."""

    file: str
    sha256: str
    course_id: str
    source: str
    synthetic_clock: bool

    @cached_property
    def import_id(self) -> uuid.UUID:
        """This file's import into this course: the correlation id of its events."""
        return uuid.uuid5(_NAMESPACE, f"{self.sha256}:{self.course_id}")

    def row_id(self, row: Row, student_id: str, role: str) -> uuid.UUID:
        time = "" if self.synthetic_clock else row.occurred_us
        return _uuid(
            "row",
            self.source,
            self.course_id,
            student_id,
            row.question_id,
            time,
            "" if row.answer is None else row.answer,
            row.occurrence,
            role,
        )

    def started_id(self, student_id: str, chapter_id: str) -> uuid.UUID:
        # The stream's own: whichever file or source starts it, it is started once.
        return _uuid("started", self.course_id, student_id, chapter_id)

    def course_event_id(self, data: Mapping[str, Any]) -> uuid.UUID:
        # The same course content at the same version: the same publication.
        content = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
        return _uuid("course", data["course_id"], data["version"], content)

    @cached_property
    def _details(self) -> dict[str, Any]:
        details: dict[str, Any] = {"file": self.file, "sha256": self.sha256, "source": self.source}
        if self.synthetic_clock:
            details["clock"] = "synthetic: the log has no times, one row a minute in file order"
        return details

    def metadata(self, line: int | None) -> dict[str, Any]:
        details = self._details if line is None else {**self._details, "line": line}
        return {
            "user_id": "import",
            "correlation_id": self._import_text,
            "causation_id": self._import_text,
            "import": details,
        }

    @cached_property
    def _import_text(self) -> str:
        return str(self.import_id)


class Row(NamedTuple):
    """One row of a stream, as the staging area gives it back in the stream's order."""

    line: int
    question_id: str
    correct: bool
    answer: str | None
    occurred_us: int
    response_ms: int | None
    occurrence: int  # identical rows (same identity) before this one in the file


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class StreamEvents:
    """Builds one stream's events from its rows, given in order and in any number of parts."""

    def __init__(self, source: ImportSource, student_id: str, chapter_id: str) -> None:
        self.source = source
        self.student_id = student_id
        self.stream_id = imported_stream_id(student_id, source.course_id, chapter_id)
        self._base = {
            "student_id": student_id,
            "course_id": source.course_id,
            "chapter_id": chapter_id,
            "attempt": ATTEMPT,
        }
        self._chapter_id = chapter_id
        self._started = False
        self._streak = 0

    def events(self, rows: Iterable[Row]) -> list[NewEvent]:
        source, student, base = self.source, self.student_id, self._base
        events: list[NewEvent] = []
        for row in rows:
            at = _EPOCH + dt.timedelta(microseconds=row.occurred_us)
            metadata = source.metadata(row.line)
            asked_at = at - dt.timedelta(milliseconds=row.response_ms or 0)
            if not self._started:
                self._started = True
                events.append(
                    NewEvent(
                        STARTED,
                        dict(base),
                        metadata,
                        source.started_id(student, self._chapter_id),
                        asked_at,
                    )
                )
            question = {**base, "question_id": row.question_id}
            if row.response_ms is not None:
                events.append(
                    NewEvent(
                        ASSIGNED,
                        question,
                        metadata,
                        source.row_id(row, student, "assigned"),
                        asked_at,
                    )
                )
            inputs = {FIELD: row.answer} if row.answer is not None else {}
            if row.correct:
                self._streak += 1
                data = {**question, "inputs": inputs, "streak": self._streak}
                type_ = CORRECT
            else:
                self._streak = 0
                data = {**question, "inputs": inputs}
                type_ = INCORRECT
            events.append(
                NewEvent(type_, data, metadata, source.row_id(row, student, "answered"), at)
            )
        return events
