"""Fast bulk loading of events with COPY, for benchmarks (never the application's write path).

COPY bypasses ``append_events`` (no expected-version check, no NOTIFY), so it needs the table
owner's connection; the events table's triggers refuse only UPDATE, DELETE and TRUNCATE. Each
``rows_per_transaction`` rows are one transaction, so the loaded log has many transaction ids
like a real one. ``synthetic_quiz_rows`` makes realistic quiz streams (docs/events.md).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

import psycopg

COLUMNS = "event_id, stream_id, version, type, data, metadata, occurred_at"
_COPY = f"copy quizflow.events ({COLUMNS}) from stdin"
_BUFFER_BYTES = 1 << 20

# A row is one line of COPY text: tab-separated, no tabs, newlines or backslashes inside values.
Row = str


def copy_rows(url: str, rows: Iterable[Row], rows_per_transaction: int = 20_000) -> int:
    """COPY pre-formatted rows into quizflow.events; return how many were loaded."""
    loaded = 0
    pending: list[str] = []
    with psycopg.connect(url) as conn:

        def flush() -> None:
            if not pending:
                return
            with conn.transaction(), conn.cursor() as cur, cur.copy(_COPY) as copy:
                buffer: list[str] = []
                size = 0
                for line in pending:
                    buffer.append(line)
                    size += len(line)
                    if size >= _BUFFER_BYTES:
                        copy.write("".join(buffer))
                        buffer, size = [], 0
                copy.write("".join(buffer))
            pending.clear()

        for row in rows:
            pending.append(row)
            loaded += 1
            if len(pending) >= rows_per_transaction:
                flush()
        flush()
    return loaded


def synthetic_quiz_rows(
    events: int,
    seed: int = 0,
    start: datetime = datetime(2025, 1, 6, 8, 0, tzinfo=UTC),
    student_prefix: str = "s",
) -> Iterator[Row]:
    """``events`` rows of chapter quizzes by many students (about 350 bytes of JSON each).

    Students are named ``{student_prefix}{n}``: another prefix adds new streams to a log that
    holds a history already (an increment on top of it)."""
    rng = random.Random(seed)
    made = 0
    base = start.timestamp()
    stream_no = 0
    while made < events:
        # Each stream is one student's quiz at one chapter: eight chapters per student.
        student, chapter = f"{student_prefix}{stream_no // 8}", f"ch-{stream_no % 8 + 1}"
        stream_no += 1
        # quiz_stream_id of docs/events.md (these ids need no escaping).
        stream = f"chapter-quiz/{student}/math-1/{chapter}"
        ids = f'"student_id": "{student}", "course_id": "math-1", "chapter_id": "{chapter}"'
        correlation = f"{seed:08x}-0000-4000-8000-{stream_no:012x}"
        meta = f'"user_id": "{student}", "correlation_id": "{correlation}"'
        clock = base + rng.uniform(0, 180 * 86400)
        streak = 0
        for version, (type_, extra) in enumerate(_one_attempt(rng), start=1):
            if made >= events:
                return
            made += 1
            clock += rng.uniform(1, 60)
            if type_ == "chapter-quiz/QuestionAnsweredCorrectly":
                streak += 1
                extra = f'{extra}, "streak": {streak}'
            elif type_ == "chapter-quiz/QuizStartedOver":
                streak = 0
            event_id = f"{seed:08x}-0001-4000-8000-{made:012x}"
            occurred = datetime.fromtimestamp(clock, UTC).isoformat()
            data = f'{{{ids}, "attempt": 1{extra}}}'
            metadata = f'{{{meta}, "command_id": "{event_id}"}}'
            yield f"{event_id}\t{stream}\t{version}\t{type_}\t{data}\t{metadata}\t{occurred}\n"


def _one_attempt(rng: random.Random) -> Iterator[tuple[str, str]]:
    yield "chapter-quiz/QuizStarted", ""
    streak = 0
    for _ in range(rng.randint(3, 40)):
        question = f'"question_id": "q-{rng.randrange(300)}"'
        yield "chapter-quiz/QuestionAssigned", f", {question}"
        value = rng.choice(["0.5", " .5", "3/4", "7", "paris", "x = 2"])
        answer = f'{question}, "inputs": {{"_INPUT_1_": "{value}"}}'
        if rng.random() < 0.7:
            yield "chapter-quiz/QuestionAnsweredCorrectly", f", {answer}"
            streak += 1
            if streak == 3:
                yield "chapter-quiz/QuizPassed", ""
                return
        else:
            yield "chapter-quiz/QuestionAnsweredIncorrectly", f", {answer}"
            yield "chapter-quiz/QuizStartedOver", ""
            streak = 0


def bulk_load(url: str, events: int, seed: int = 0) -> int:
    """Load ``events`` synthetic quiz events; return how many were loaded."""
    return copy_rows(url, synthetic_quiz_rows(events, seed))


__all__ = ["bulk_load", "copy_rows", "synthetic_quiz_rows"]
