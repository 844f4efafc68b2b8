"""Reading and validating an external response log (CSV), streaming, before anything is stored.

The file is read once, a row at a time (a 200 MB export never sits in memory), and every row is
checked against everything the event store would refuse or no reader could use: a NUL
character (PostgreSQL's jsonb and text cannot hold one), bytes that are not UTF-8 text (they
arrive as lone surrogates, which cannot be stored either), ids too long for a stream id, times
that are not finite or not plausible, response times that would place the question before
1900. Every problem is collected with its line number, so a school fixes its export once
instead of learning about one bad row per attempt, and an import either has a clean file or
appends nothing at all.

Line numbers are the file's: the header is line 1, and a row's number is the line it starts on
(a quoted value that spans lines moves the next row's number on by the lines it takes).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, NamedTuple

TimeUnit = Literal["ms", "s", "iso"]
# Logs without timestamps (Eedi's) keep their order on a synthetic clock: one row a minute from
# this instant, clearly not a real school day. Their `occurred_at` is then only an order.
SYNTHETIC_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
SYNTHETIC_STEP = dt.timedelta(minutes=1)
# Times outside these are mistakes (a unit off by a factor of 1,000,000, a year typed wrong),
# and beyond year 9999 no Python reader could even load them.
EARLIEST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)
# Ids become part of a stream id, whose index entry PostgreSQL limits to ~2.7 kB; escaped,
# a byte of a non-ASCII character takes three. 100 characters is what the web app allows too.
MAX_ID_CHARS = 100
MAX_ID_BYTES = 200
# One answer is one input field; the web app allows 500 characters. A log's free text may be
# longer, but a cell of megabytes is a broken export, not an answer.
MAX_ANSWER_CHARS = 10_000

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_ONE_US = dt.timedelta(microseconds=1)
EARLIEST_US = (EARLIEST - _EPOCH) // _ONE_US
LATEST_US = (LATEST - _EPOCH) // _ONE_US
SYNTHETIC_EPOCH_US = (SYNTHETIC_EPOCH - _EPOCH) // _ONE_US
SYNTHETIC_STEP_US = SYNTHETIC_STEP // _ONE_US

_FLAGS = {
    **dict.fromkeys(["1", "1.0", "true", "t", "yes", "y", "correct", "right"], True),
    **dict.fromkeys(["0", "0.0", "false", "f", "no", "n", "incorrect", "wrong"], False),
}
_MAX_REPORTED = 50
_MAX_KEPT = 1_000  # bad rows kept for the report; the rest are only counted
# What the store cannot hold: NUL, and surrogates (bytes that were not UTF-8 decode to them).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_SPACE = re.compile(r"\s")


def us_to_datetime(us: int) -> dt.datetime:
    """Microseconds since 1970 (UTC) as an aware datetime."""
    return _EPOCH + dt.timedelta(microseconds=us)


@dataclass(frozen=True)
class ImportColumns:
    """Which CSV column holds what; only student, question and correct are required."""

    student: str
    question: str
    correct: str
    answer: str | None = None
    time: str | None = None
    time_unit: TimeUnit = "iso"
    response_ms: str | None = None

    def used(self) -> list[str]:
        named = [self.student, self.question, self.correct, self.answer, self.time]
        return [c for c in [*named, self.response_ms] if c is not None]


@dataclass(frozen=True)
class BadRow:
    line: int
    problem: str


class LogRow(NamedTuple):
    """One valid row: ids stripped, the time in microseconds since 1970 UTC."""

    line: int
    student_id: str
    question_id: str
    correct: bool
    answer: str | None
    occurred_us: int
    response_ms: int | None


class InvalidLogError(ValueError):
    """The file cannot be imported; ``bad_rows`` names each row at fault (empty: the whole file)."""

    def __init__(self, message: str, bad_rows: list[BadRow] | None = None, more: int = 0) -> None:
        self.bad_rows = bad_rows or []
        shown = "".join(f"\n  line {b.line}: {b.problem}" for b in self.bad_rows[:_MAX_REPORTED])
        more += len(self.bad_rows) - min(len(self.bad_rows), _MAX_REPORTED)
        super().__init__(message + shown + (f"\n  ... and {more} more" if more > 0 else ""))


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def unstorable(value: str) -> str | None:
    """Why ``value`` cannot be stored, or None when it can."""
    found = _UNSTORABLE.search(value)
    if found is None:
        return None
    if found.group() == "\x00":
        return "contains a NUL character (\\x00), which the database cannot store"
    # surrogateescape turned each byte that was not UTF-8 into U+DC80..U+DCFF.
    bad = [c for c in value if "\ud800" <= c <= "\udfff"]
    shown = " ".join(
        f"{ord(c) - 0xDC00:02x}" if ord(c) >= 0xDC80 else f"U+{ord(c):04X}" for c in bad[:8]
    )
    return f"is not UTF-8 text (bytes {shown}), which the database cannot store"


def check_id(value: str, what: str, *, spaces: bool = True) -> str | None:
    """Why ``value`` cannot be an id (of a student, question, course, source), or None."""
    problem = unstorable(value)
    if problem is not None:
        return problem
    if len(value) > MAX_ID_CHARS or len(value.encode()) > MAX_ID_BYTES:
        return (
            f"is {len(value)} characters long: a {what} id may have at most "
            f"{MAX_ID_CHARS} (and {MAX_ID_BYTES} bytes)"
        )
    if not spaces and _SPACE.search(value):
        return f"contains a space: a {what} id is one word"
    return None


class LogReader:
    """Reads a log a row at a time: ``batches`` yields the valid rows, the bad ones are kept
    for ``raise_if_bad``. Raises InvalidLogError at once when the file itself is unusable (not
    readable, no header, a missing column)."""

    def __init__(self, path: Path, columns: ImportColumns) -> None:
        self.path = path
        self.columns = columns
        self.rows = 0  # valid rows read
        self.bad: list[BadRow] = []
        self.bad_lines = 0
        self._bad_beyond_kept = 0

    def batches(self, size: int = 50_000) -> Iterator[list[LogRow]]:
        name = self.path.name
        try:
            # utf-8-sig drops a byte order mark; surrogateescape keeps reading past bytes that
            # are not UTF-8, so that their row is reported with its line, not the whole file.
            f = open(  # noqa: SIM115 (closed by the with below)
                self.path,
                encoding="utf-8-sig",
                errors="surrogateescape",
                newline="",
            )
        except OSError as error:
            raise InvalidLogError(f"{name}: not a readable file: {error}") from None
        with f:
            reader = csv.reader(f)
            try:
                header = next(reader, None)
                if header is None:
                    raise InvalidLogError(f"{name}: the file is empty (no header line)")
                parse = _RowParser(header, self.columns, name)
                batch: list[LogRow] = []
                ended = reader.line_num
                for cells in reader:
                    line, ended = ended + 1, reader.line_num
                    if not cells:
                        continue  # a blank line
                    parsed = parse(line, cells)
                    if isinstance(parsed, LogRow):
                        batch.append(parsed)
                        if len(batch) >= size:
                            self.rows += len(batch)
                            yield batch
                            batch = []
                    else:
                        self._add_bad(line, parsed)
                self.rows += len(batch)
                if batch:
                    yield batch
            except csv.Error as error:
                raise InvalidLogError(
                    f"{name}: line {reader.line_num}: not readable as CSV ({error}); "
                    "nothing was imported"
                ) from None

    def _add_bad(self, line: int, problems: list[str]) -> None:
        self.bad_lines += 1
        for problem in problems:
            if len(self.bad) < _MAX_KEPT:
                self.bad.append(BadRow(line, problem))
            else:
                self._bad_beyond_kept += 1

    def raise_if_bad(self) -> None:
        name = self.path.name
        if self.bad_lines:
            raise InvalidLogError(
                f"{name}: {self.bad_lines} bad row(s); nothing was imported. "
                "Fix them and import again:",
                self.bad,
                self._bad_beyond_kept,
            )
        if self.rows == 0:
            raise InvalidLogError(f"{name}: no rows to import")


def read_log(path: Path, columns: ImportColumns) -> list[LogRow]:
    """Every valid row of a (small) log at once; raises InvalidLogError naming every bad row.
    Imports stream with ``LogReader`` instead."""
    reader = LogReader(path, columns)
    rows = [row for batch in reader.batches() for row in batch]
    reader.raise_if_bad()
    return rows


class _RowParser:
    """Turns one row's cells into a LogRow, or the list of its problems."""

    def __init__(self, header: list[str], columns: ImportColumns, name: str) -> None:
        missing = [c for c in columns.used() if c not in header]
        if missing:
            raise InvalidLogError(
                f"{name}: no column(s) {', '.join(map(repr, missing))}; "
                f"the file has {', '.join(map(repr, header))}"
            )
        index = {column: header.index(column) for column in columns.used()}
        self.columns = columns
        self.width = len(header)
        self.student = index[columns.student]
        self.question = index[columns.question]
        self.correct = index[columns.correct]
        self.answer = index[columns.answer] if columns.answer else None
        self.time = index[columns.time] if columns.time else None
        self.response = index[columns.response_ms] if columns.response_ms else None
        self.scale = {"ms": 1, "s": 1000}.get(columns.time_unit, 0)  # to milliseconds
        self.unit_words = {
            "ms": "milliseconds since 1970",
            "s": "seconds since 1970",
            "iso": "ISO 8601 (for epoch numbers pass --time-unit ms or s)",
        }[columns.time_unit]

    def __call__(self, line: int, cells: list[str]) -> LogRow | list[str]:
        columns = self.columns
        problems: list[str] = []
        if len(cells) > self.width:
            problems.append(f"{len(cells)} values, but the header names {self.width} columns")

        def cell(i: int) -> str:
            return cells[i] if i < len(cells) else ""

        student = cell(self.student).strip()
        if not student:
            problems.append(f"no student ({columns.student} is empty)")
        elif (why := check_id(student, "student")) is not None:
            problems.append(f"{columns.student} {why}")
        question = cell(self.question).strip()
        if not question:
            problems.append(f"no question ({columns.question} is empty)")
        elif (why := check_id(question, "question", spaces=False)) is not None:
            problems.append(f"{columns.question} {why}")
        flag = cell(self.correct)
        correct = _FLAGS.get(flag.strip().lower())
        if correct is None:
            problems.append(
                f"{columns.correct} = {_shown(flag)} is not a correct flag "
                "(1/0, true/false, yes/no)"
            )
        answer: str | None = None
        if self.answer is not None:
            answer = cell(self.answer) or None
            if answer is not None and (why := unstorable(answer)) is not None:
                problems.append(f"{columns.answer} {why}")
            elif answer is not None and len(answer) > MAX_ANSWER_CHARS:
                problems.append(
                    f"{columns.answer} is {len(answer):,} characters long; an "
                    f"answer may have at most {MAX_ANSWER_CHARS:,}"
                )
        occurred_us = self._time(line, None if self.time is None else cell(self.time), problems)
        response_ms = (
            None
            if self.response is None
            else self._response(cell(self.response), occurred_us, problems)
        )
        if problems or occurred_us is None or correct is None:
            return problems
        return LogRow(line, student, question, correct, answer, occurred_us, response_ms)

    def _time(self, line: int, raw: str | None, problems: list[str]) -> int | None:
        if raw is None:
            return SYNTHETIC_EPOCH_US + (line - 2) * SYNTHETIC_STEP_US
        text = raw.strip()
        us: int | None = None
        if self.scale:
            try:
                number = float(text)
            except ValueError:
                number = math.nan
            if math.isfinite(number) and abs(number) < 1e17:
                us = round(number * self.scale) * 1000
        else:
            try:
                stamp = dt.datetime.fromisoformat(text)
            except ValueError:
                stamp = None
            if stamp is not None:
                if stamp.tzinfo is None:  # a time without a zone is UTC
                    stamp = stamp.replace(tzinfo=dt.UTC)
                try:
                    us = (stamp - _EPOCH) // _ONE_US
                except OverflowError:
                    us = None
        if us is None:
            problems.append(
                f"{self.columns.time} = {_shown(raw)} is not a time in {self.unit_words}"
            )
            return None
        if not EARLIEST_US <= us < LATEST_US:
            problems.append(
                f"{self.columns.time} = {_shown(raw)} is not a plausible time "
                f"(expected {EARLIEST.year} to {LATEST.year}, in "
                f"{self.unit_words})"
            )
            return None
        return us

    def _response(self, raw: str, occurred_us: int | None, problems: list[str]) -> int | None:
        text = raw.strip()
        if not text:
            return None
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if math.isfinite(number) and number >= 0:
            ms = round(number)
            if occurred_us is None or occurred_us - ms * 1000 >= EARLIEST_US:
                return ms
        problems.append(
            f"{self.columns.response_ms} = {_shown(raw)} is not a response time "
            "(milliseconds, 0 or more)"
        )
        return None


def _shown(value: str) -> str:
    """A cell as a problem quotes it: short, control characters and bad bytes escaped."""
    shown = value if len(value) <= 60 else value[:57] + "..."
    if shown.isprintable():
        return f"'{shown}'"
    return "'" + shown.encode("unicode_escape").decode("ascii") + "'"
