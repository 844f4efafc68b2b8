"""Bringing a school's history in: external response logs (CSV) become the quiz's own events.

`read_log` validates the whole file first, streaming it; `import_responses` publishes a course
for the questions seen and appends per-student streams of imported history in bulk, with event
ids derived from each row's content, so re-importing a file (or a corrected or extended copy of
it) appends only the rows not stored yet, and a bad file appends nothing at all.

The names are loaded on first use: the web app's read model imports ``quizflow.importer.events``
(to tell imported streams apart) without paying for polars and DuckDB.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from quizflow.importer.csvlog import (
        SYNTHETIC_EPOCH,
        BadRow,
        ImportColumns,
        InvalidLogError,
        file_sha256,
        read_log,
    )
    from quizflow.importer.load import ImportSummary, default_course_id, import_responses

_WHERE = {
    "SYNTHETIC_EPOCH": "csvlog",
    "BadRow": "csvlog",
    "ImportColumns": "csvlog",
    "InvalidLogError": "csvlog",
    "file_sha256": "csvlog",
    "read_log": "csvlog",
    "ImportSummary": "load",
    "default_course_id": "load",
    "import_responses": "load",
}

__all__ = [
    "SYNTHETIC_EPOCH",
    "BadRow",
    "ImportColumns",
    "ImportSummary",
    "InvalidLogError",
    "default_course_id",
    "file_sha256",
    "import_responses",
    "read_log",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"quizflow.importer.{module}"), name)
