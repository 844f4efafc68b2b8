"""The one way Quizflow's event store SQL is loaded: from the .sql files beside this module."""

from __future__ import annotations

from functools import cache
from pathlib import Path

SQL_DIR = Path(__file__).with_name("sql")
MIGRATIONS_DIR = SQL_DIR / "migrations"


@cache
def query(name: str) -> str:
    """The text of ``sql/queries/{name}.sql``."""
    return (SQL_DIR / "queries" / f"{name}.sql").read_text()


def migrations(directory: Path = MIGRATIONS_DIR) -> list[tuple[int, str, str]]:
    """(number, name, sql) of every migration in ``directory``, in order."""
    found = []
    for path in sorted(directory.glob("*.sql")):
        number, _, _ = path.stem.partition("_")
        found.append((int(number), path.stem, path.read_text()))
    numbers = [number for number, _, _ in found]
    if len(set(numbers)) != len(numbers):
        raise RuntimeError(f"two migrations share a number in {directory}")
    return found
