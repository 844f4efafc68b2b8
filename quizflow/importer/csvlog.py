"""Reading and validating an external response log (CSV) with polars, before anything is stored.

Every row is checked first and every problem is collected with its line number, so a school
fixes its export once instead of learning about one bad row per attempt; and an import either
has a clean file or appends nothing at all.

Line numbers are the file's: the header is line 1, the first row line 2 (a quoted value that
spans lines would shift them; response exports do not do that).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import polars as pl

TimeUnit = Literal["ms", "s", "iso"]
# Logs without timestamps (Eedi's) keep their order on a synthetic clock: one row a minute from
# this instant, clearly not a real school day. Their `occurred_at` is then only an order.
SYNTHETIC_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
SYNTHETIC_STEP = dt.timedelta(minutes=1)

_TRUE = ["1", "1.0", "true", "t", "yes", "y", "correct", "right"]
_FALSE = ["0", "0.0", "false", "f", "no", "n", "incorrect", "wrong"]
_MAX_REPORTED = 50
_LINE = "__quizflow_line__"  # not "line": a log may well have a column of that name


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


class InvalidLogError(ValueError):
    """The file cannot be imported; ``bad_rows`` names each row at fault (empty: the whole file)."""

    def __init__(self, message: str, bad_rows: list[BadRow] | None = None) -> None:
        self.bad_rows = bad_rows or []
        shown = "".join(f"\n  line {b.line}: {b.problem}" for b in self.bad_rows[:_MAX_REPORTED])
        more = len(self.bad_rows) - _MAX_REPORTED
        super().__init__(message + shown + (f"\n  ... and {more} more" if more > 0 else ""))


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_log(path: Path, columns: ImportColumns) -> pl.DataFrame:
    """The log as typed rows: line, student_id, question_id, correct, answer, occurred_at (UTC),
    response_ms, sorted by file order. Raises InvalidLogError naming every bad row."""
    try:
        raw = pl.read_csv(path, infer_schema=False, row_index_name=_LINE, row_index_offset=2)
    except (pl.exceptions.PolarsError, OSError) as error:
        raise InvalidLogError(f"{path.name}: not a readable CSV file: {error}") from None
    header = [c for c in raw.columns if c != _LINE]
    missing = [c for c in columns.used() if c not in header]
    if missing:
        raise InvalidLogError(
            f"{path.name}: no column(s) {', '.join(map(repr, missing))}; "
            f"the file has {', '.join(map(repr, header))}"
        )
    typed = raw.select(
        pl.col(_LINE).cast(pl.Int64).alias("line"),
        _text(columns.student).alias("student_id"),
        _text(columns.question).alias("question_id"),
        _flag(columns.correct).alias("correct"),
        pl.col(columns.correct).alias("_correct_raw"),
        (pl.col(columns.answer) if columns.answer else pl.lit(None, pl.String)).alias("answer"),
        *_time(columns, raw),
        *_response_ms(columns),
    )
    _raise_on_bad_rows(path, typed, columns)
    return typed.select(
        "line", "student_id", "question_id", "correct", "answer", "occurred_at", "response_ms"
    )


def _text(column: str) -> pl.Expr:
    stripped = pl.col(column).str.strip_chars()
    return pl.when(stripped == "").then(None).otherwise(stripped)


def _flag(column: str) -> pl.Expr:
    lowered = pl.col(column).str.strip_chars().str.to_lowercase()
    return (
        pl.when(lowered.is_in(_TRUE))
        .then(True)
        .when(lowered.is_in(_FALSE))
        .then(False)
        .otherwise(None)
    )


def _time(columns: ImportColumns, raw: pl.DataFrame) -> list[pl.Expr]:
    if columns.time is None:
        offset = (pl.col(_LINE) - 2).cast(pl.Int64) * int(SYNTHETIC_STEP.total_seconds() * 1000)
        start = pl.lit(SYNTHETIC_EPOCH).dt.convert_time_zone("UTC")
        return [
            (start + pl.duration(milliseconds=offset)).alias("occurred_at"),
            pl.lit(None, pl.String).alias("_time_raw"),
        ]
    text = pl.col(columns.time).str.strip_chars()
    if columns.time_unit == "iso":
        parsed = _iso_times(raw[columns.time])
        stamp = pl.lit(parsed)
    else:
        scale = 1 if columns.time_unit == "ms" else 1000
        number = text.cast(pl.Float64, strict=False) * scale
        stamp = pl.when(number.is_finite()).then(
            pl.from_epoch(number.round().cast(pl.Int64), time_unit="ms").dt.replace_time_zone("UTC")
        )
    return [stamp.alias("occurred_at"), text.alias("_time_raw")]


def _iso_times(values: pl.Series) -> pl.Series:
    """ISO 8601 times (a time without a zone is UTC); unreadable ones are null."""
    parsed: dict[str, dt.datetime | None] = {}
    for value in values.unique().to_list():
        if value is None:
            continue
        try:
            stamp = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            parsed[value] = None
            continue
        parsed[value] = (stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
    return pl.Series(
        "occurred_at",
        [parsed.get(v) if v is not None else None for v in values.to_list()],
        dtype=pl.Datetime("us", "UTC"),
    )


def _response_ms(columns: ImportColumns) -> list[pl.Expr]:
    if columns.response_ms is None:
        return [pl.lit(None, pl.Int64).alias("response_ms"), pl.lit(None, pl.String).alias("_rt")]
    text = pl.col(columns.response_ms).str.strip_chars()
    number = text.cast(pl.Float64, strict=False)
    valid = number.is_finite() & (number >= 0)
    return [
        pl.when(valid).then(number.round().cast(pl.Int64)).alias("response_ms"),
        text.alias("_rt"),
    ]


def _raise_on_bad_rows(path: Path, typed: pl.DataFrame, columns: ImportColumns) -> None:
    checks = [
        (pl.col("student_id").is_null(), pl.lit(f"no student ({columns.student} is empty)")),
        (pl.col("question_id").is_null(), pl.lit(f"no question ({columns.question} is empty)")),
        (
            pl.col("correct").is_null(),
            pl.format(
                "{} = '{}' is not a correct flag (1/0, true/false, yes/no)",
                pl.lit(columns.correct),
                pl.col("_correct_raw").fill_null(""),
            ),
        ),
        (
            pl.col("occurred_at").is_null(),
            pl.format(
                "{} = '{}' is not a time in {}",
                pl.lit(columns.time or ""),
                pl.col("_time_raw").fill_null(""),
                pl.lit(_unit_words(columns)),
            ),
        ),
        (
            pl.col("_rt").is_not_null() & (pl.col("_rt") != "") & pl.col("response_ms").is_null(),
            pl.format(
                "{} = '{}' is not a response time (milliseconds, 0 or more)",
                pl.lit(columns.response_ms or ""),
                pl.col("_rt"),
            ),
        ),
    ]
    problems = pl.concat(
        [
            typed.filter(condition).select("line", message.alias("problem"))
            for condition, message in checks
        ]
    ).sort("line", maintain_order=True)
    if problems.height:
        bad = [BadRow(line, problem) for line, problem in problems.iter_rows()]
        lines = problems["line"].n_unique()
        raise InvalidLogError(
            f"{path.name}: {lines} bad row(s); nothing was imported. Fix them and import again:",
            bad,
        )
    if typed.height == 0:
        raise InvalidLogError(f"{path.name}: no rows to import")


def _unit_words(columns: ImportColumns) -> str:
    return {
        "ms": "milliseconds since 1970",
        "s": "seconds since 1970",
        "iso": "ISO 8601 (for epoch numbers pass --time-unit ms or s)",
    }[columns.time_unit]
