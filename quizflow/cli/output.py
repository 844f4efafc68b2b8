"""Printing results: tables for people, one JSON document or CSV for programs."""

from __future__ import annotations

import csv
import json
import logging
import re
import sys
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

from rich.console import Console
from rich.table import Table

from quizflow.rounding import readable_number

# Progress and messages go to stderr so stdout holds only the result (JSON stays parseable).
err = Console(stderr=True)


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def quiet_connection_pool() -> None:
    """Keep psycopg's pool (a warning per failed reconnection) and the command handler (a
    note per command retried on a new connection) from printing on stderr: a command that
    loses its database says so once, in its own sentence."""
    logging.getLogger("psycopg.pool").setLevel(logging.CRITICAL)
    logging.getLogger("quizflow.app.handler").setLevel(logging.ERROR)


def first_line(error: BaseException) -> str:
    """An error's message as one line: drivers add hints on further lines ("Is the server
    running on that host...?") that turn one sentence into a paragraph."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return (lines[0] if lines else type(error).__name__).rstrip(".")


def print_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, indent=2, default=str) + "\n")


def print_rows(rows: Sequence[Mapping[str, Any]], fmt: Format, title: str | None = None) -> None:
    if fmt is Format.json:
        print_json(list(rows))
        return
    columns = list(rows[0].keys()) if rows else []
    if fmt is Format.csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: csv_cell(v) for k, v in row.items()})
        return
    table = Table(title=title)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(_table_cell(row[c]) for c in columns))
    table_console().print(table)


# A list in a table cell (a student's every wrong answer) would make each line as long as the
# whole list: a table shows its first items, json and csv every one.
TABLE_LIST_CHARS = 120


def _table_cell(value: Any) -> str:
    if not isinstance(value, list):
        return _cell(value)
    shown: list[str] = []
    for item in value:
        text = _cell(item)
        if shown and len(", ".join([*shown, text])) > TABLE_LIST_CHARS:
            break
        shown.append(text)
    rest = len(value) - len(shown)
    return "[" + ", ".join(shown) + (f", … {rest} more (--format json)]" if rest else "]")


def table_console() -> Console:
    """A console for tables on stdout. On a terminal rich fits the table to the window; piped
    (into a file, ``less`` or ``grep``) it would fit it to 80 columns and cut ids short, so
    there the table keeps its natural width."""
    if sys.stdout.isatty():
        return Console()
    return Console(width=100_000, soft_wrap=False)


# A spreadsheet treats a cell starting with one of these as a formula (or, tab and carriage
# return, strips them and then looks again): a student's answer `=HYPERLINK(...)` would run
# in the teacher's Excel. OWASP's "CSV injection" advice: prefix such a cell with a quote.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A plain signed number ("-3", "+0.5") is not a formula, and its quote would turn the
# negative-numbers chapter's answers into text: those stay as they are.
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def csv_cell(value: Any) -> str:
    """A value as a CSV cell that no spreadsheet runs as a formula; a float keeps every digit
    (a CSV is data to compute with, not a figure to read)."""
    text = repr(value) if isinstance(value, float) else _cell(value)
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return readable_number(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, default=str)
    return str(value)
