"""Imported rows as the quiz's own events (docs/events.md), with ids that make re-imports no-ops.

Each student's answers to one chapter go to that student's chapter-quiz stream, in time order:
a ``QuizStarted`` (attempt 1) when the stream is new, then per answer a ``QuestionAssigned``
and a ``QuestionAnsweredCorrectly``/``Incorrectly``. ``occurred_at`` is the original time;
the assignment is placed ``response_ms`` before the answer when the log records it. Without a
response time no assignment is written: an assignment at the answer's own time would put a
false 0 ms into ``answers.response_ms``, where the contract says null for unknown.

The source system did not run our quiz rules, so no ``QuizStartedOver``/``QuizPassed`` are
invented; ``streak`` counts correct answers in a row within the imported file.

Event ids are uuid5 of (file sha256, course, line, role): importing the same file again produces the
same ids, which the store recognises, so nothing is appended twice.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from quizflow.eventstore import NewEvent
from quizflow.importer.course import FIELD

_NAMESPACE = uuid.UUID("0b8f7c52-3d4e-4b7a-9d61-2f1e8a6c5b90")

STARTED = "chapter-quiz/QuizStarted"
ASSIGNED = "chapter-quiz/QuestionAssigned"
CORRECT = "chapter-quiz/QuestionAnsweredCorrectly"
INCORRECT = "chapter-quiz/QuestionAnsweredIncorrectly"
ATTEMPT = 1


@dataclass(frozen=True)
class ImportSource:
    """What every event's metadata says about where it came from."""

    file: str
    sha256: str
    course_id: str
    synthetic_clock: bool

    @cached_property
    def import_id(self) -> uuid.UUID:
        return uuid.uuid5(_NAMESPACE, f"{self.sha256}:{self.course_id}")

    def event_id(self, line: int, role: str) -> uuid.UUID:
        # The course is part of the key: one file imported into two courses is two histories.
        return uuid.uuid5(_NAMESPACE, f"{self.sha256}:{self.course_id}:{line}:{role}")

    @cached_property
    def _details(self) -> dict[str, Any]:
        details: dict[str, Any] = {"file": self.file, "sha256": self.sha256}
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


@dataclass(frozen=True)
class Row:
    line: int
    question_id: str
    correct: bool
    answer: str | None
    occurred_at: dt.datetime
    response_ms: int | None


def stream_events(
    source: ImportSource,
    ids: Mapping[str, str],
    rows: Iterable[Row],
    *,
    new_stream: bool,
) -> list[NewEvent]:
    """The events of one stream; ``ids``: student_id, course_id, chapter_id; rows in order."""
    base = {**ids, "attempt": ATTEMPT}
    events: list[NewEvent] = []
    streak = 0
    for row in rows:
        if new_stream and not events:
            start = row.occurred_at - dt.timedelta(milliseconds=row.response_ms or 0)
            events.append(_event(source, row.line, "started", STARTED, base, start))
        question = {**base, "question_id": row.question_id}
        if row.response_ms is not None:
            assigned_at = row.occurred_at - dt.timedelta(milliseconds=row.response_ms)
            events.append(_event(source, row.line, "assigned", ASSIGNED, question, assigned_at))
        inputs = {FIELD: row.answer} if row.answer is not None else {}
        if row.correct:
            streak += 1
            data = {**question, "inputs": inputs, "streak": streak}
            events.append(_event(source, row.line, "answered", CORRECT, data, row.occurred_at))
        else:
            streak = 0
            data = {**question, "inputs": inputs}
            events.append(_event(source, row.line, "answered", INCORRECT, data, row.occurred_at))
    return events


def _event(
    source: ImportSource,
    line: int,
    role: str,
    type_: str,
    data: Mapping[str, Any],
    at: dt.datetime,
) -> NewEvent:
    return NewEvent(type_, dict(data), source.metadata(line), source.event_id(line, role), at)
