"""Where Quizflow keeps its files and which database it talks to.

Everything Quizflow writes lives under ``QUIZFLOW_HOME`` (default ``./.quizflow``), so a
checkout can be reset by deleting one folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str | None

    @property
    def pg_data(self) -> Path:
        return self.home / "pg"

    @property
    def warehouse_path(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def published_dir(self) -> Path:
        return self.home / "published"

    @property
    def published_path(self) -> Path:
        return self.published_dir / "warehouse.duckdb"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"


def load_settings() -> Settings:
    home = Path(os.environ.get("QUIZFLOW_HOME") or ".quizflow").resolve()
    url = os.environ.get("QUIZFLOW_DATABASE_URL") or None
    return Settings(home=home, database_url=url)
