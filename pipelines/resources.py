"""The one resource the warehouse assets need: where the warehouse is and which store to read.

Written here instead of dagster-duckdb's: that one opens read-write only, leaks the file lock
on errors and (with dagster-duckdb-polars) does not work with DuckDB 2. This one always closes
the connection and takes the warehouse's writer lock, so runs queue instead of failing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from quizflow.settings import Settings, load_settings
from quizflow.warehouse import PipelineConfig, open_warehouse


class WarehouseResource(dg.ConfigurableResource):
    """Empty fields mean: from the environment (QUIZFLOW_HOME, QUIZFLOW_DATABASE_URL). The
    store is read as the read-only login (QUIZFLOW_PIPELINE_DATABASE_URL, or quizflow_pipeline
    on the server of the owner's URL)."""

    home: str | None = None
    database_url: str | None = None

    def settings(self) -> Settings:
        loaded = load_settings()
        return dataclasses.replace(
            loaded,
            home=Path(self.home).resolve() if self.home else loaded.home,
            database_url=self.database_url or loaded.database_url,
        )

    def url(self) -> str:
        """The pipeline login's URL (migrating the store and creating the login if needed)."""
        from quizflow.database import login_database_url

        return login_database_url("pipeline", self.settings())

    def config(self) -> PipelineConfig:
        return PipelineConfig.from_env()

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        config = self.config()
        with open_warehouse(
            self.settings().warehouse_path, config.memory_limit, config.lock_timeout_seconds
        ) as con:
            yield con
