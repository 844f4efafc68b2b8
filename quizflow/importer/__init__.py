"""Bringing a school's history in: external response logs (CSV) become the quiz's own events.

`read_log` validates the whole file first (polars); `import_responses` publishes a course for
the questions seen and appends per-student streams in bulk with ids derived from the file, so
re-importing appends nothing and a bad file appends nothing at all.
"""

from quizflow.importer.csvlog import (
    SYNTHETIC_EPOCH,
    BadRow,
    ImportColumns,
    InvalidLogError,
    file_sha256,
    read_log,
)
from quizflow.importer.load import ImportSummary, default_course_id, import_responses

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
