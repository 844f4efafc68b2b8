"""The one way warehouse SQL is loaded: from the .sql files beside this module.

``sql/pg/*.sql`` run on PostgreSQL (the ingest read, check queries); ``sql/schema``, ``sql/duck``
and ``sql/checks/*.sql`` on DuckDB.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

SQL_DIR = Path(__file__).with_name("sql")


@cache
def sql(name: str) -> str:
    """The text of ``sql/{name}.sql`` (``name`` may hold a folder, e.g. ``"pg/read_events"``)."""
    return (SQL_DIR / f"{name}.sql").read_text()


def schema_statements() -> list[str]:
    """The warehouse's own tables and macros, in file-name order (each file is idempotent)."""
    return [path.read_text() for path in sorted((SQL_DIR / "schema").glob("*.sql"))]
