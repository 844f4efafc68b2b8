"""Which warehouse the pipeline writes (``QUIZFLOW_WAREHOUSE``) and, for the lake, where it is.

The lake's settings are all ``QUIZFLOW_LAKE_*``; unset, the lake keeps its catalog in a database
of its own (``quizflow_lake``) on the server Quizflow already uses and its files under
``$QUIZFLOW_HOME/lake``, so ``QUIZFLOW_WAREHOUSE=lake`` alone works on one machine.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import Field

from quizflow.env_settings import AnyCase, EnvironmentSettings, read_environment
from quizflow.settings import Settings

MODES = ("duckdb", "lake")
DEFAULT_CATALOG_DATABASE = "quizflow_lake"
DEFAULT_NAMESPACE = "quizflow"
# Rows per Iceberg commit (one data file each). Smaller than the DuckDB mode's chunks: a lake
# chunk is held in memory three times over (DuckDB's rows, their Arrow copy, the Parquet file
# pyiceberg builds), and the next chunk is transformed while the previous one is written.
DEFAULT_CHUNK_ROWS = 100_000


class _Mode(EnvironmentSettings):
    warehouse: Annotated[Literal["duckdb", "lake"], AnyCase] = Field(
        "duckdb", validation_alias="QUIZFLOW_WAREHOUSE", description="duckdb or lake"
    )


class _Lake(EnvironmentSettings):
    catalog_url: str | None = Field(None, validation_alias="QUIZFLOW_LAKE_CATALOG_URL")
    location: str | None = Field(None, validation_alias="QUIZFLOW_LAKE_WAREHOUSE")
    namespace: str = Field(DEFAULT_NAMESPACE, validation_alias="QUIZFLOW_LAKE_NAMESPACE")
    s3_endpoint: str | None = Field(None, validation_alias="QUIZFLOW_LAKE_S3_ENDPOINT")
    s3_access_key_id: str | None = Field(None, validation_alias="QUIZFLOW_LAKE_S3_ACCESS_KEY_ID")
    s3_secret_access_key: str | None = Field(
        None, validation_alias="QUIZFLOW_LAKE_S3_SECRET_ACCESS_KEY"
    )
    s3_region: str = Field("us-east-1", validation_alias="QUIZFLOW_LAKE_S3_REGION")
    chunk_rows: int = Field(
        DEFAULT_CHUNK_ROWS,
        ge=1,
        validation_alias="QUIZFLOW_LAKE_CHUNK_ROWS",
        description="a positive number of rows",
    )
    # Readers open this release instead of the newest (e.g. to reproduce an earlier report).
    release: int | None = Field(
        None, ge=1, validation_alias="QUIZFLOW_LAKE_RELEASE", description="a release id"
    )


def warehouse_mode() -> str:
    """``duckdb`` (the default) or ``lake``; ``SettingError`` with a sentence for anything else."""
    return read_environment(_Mode).warehouse


def lake_chunk_rows() -> int:
    """``QUIZFLOW_LAKE_CHUNK_ROWS`` (default 100,000); ``SettingError`` in a sentence when bad."""
    return read_environment(_Lake).chunk_rows


def configured_location() -> str | None:
    """``QUIZFLOW_LAKE_WAREHOUSE`` as given, if set (``LakeSettings`` resolves the default)."""
    return read_environment(_Lake).location


def pinned_release() -> int | None:
    """The release ``QUIZFLOW_LAKE_RELEASE`` names, if any."""
    return read_environment(_Lake).release


@dataclass(frozen=True)
class LakeSettings:
    # A SQLAlchemy or PostgreSQL URL of the catalog's database; None: ``quizflow_lake`` on the
    # server of QUIZFLOW_DATABASE_URL (or the embedded one), created when missing.
    catalog_url: str | None
    # Where data and metadata files go: ``s3://bucket/prefix`` or a local folder.
    location: str
    namespace: str = DEFAULT_NAMESPACE
    s3_endpoint: str | None = None
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    s3_region: str = "us-east-1"

    @property
    def on_s3(self) -> bool:
        return self.location.startswith("s3://")

    @property
    def bucket(self) -> str | None:
        return self.location[len("s3://") :].split("/", 1)[0] if self.on_s3 else None

    @classmethod
    def from_env(cls, settings: Settings) -> LakeSettings:
        env = read_environment(_Lake)
        location = env.location or str(settings.home / "lake")
        if not location.startswith("s3://"):
            location = os.path.abspath(location.removeprefix("file://"))
        return cls(
            catalog_url=env.catalog_url,
            location=location.rstrip("/"),
            namespace=env.namespace,
            s3_endpoint=env.s3_endpoint,
            s3_access_key_id=env.s3_access_key_id,
            s3_secret_access_key=env.s3_secret_access_key,
            s3_region=env.s3_region,
        )
