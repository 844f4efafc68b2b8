"""Opening the lake: the Iceberg SQL catalog in PostgreSQL and the object storage beside it.

``open_lake`` checks the storage before anything else (the bucket exists and answers, or the
local folder can be made), then the catalog's database, so bad settings fail with one sentence
before a file or a catalog row is written. Every table the lake creates refuses pyiceberg's
automatic commit retry (``commit.retry.num-retries`` 0): a retried append would be rebased onto
a concurrent writer's commit, and two ingests that read the same cursor would both land. Our
writers retry themselves, reading the cursor again (ingest.py, projections.py).
"""

from __future__ import annotations

import os
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

import duckdb
import psycopg
import pyarrow as pa
from fsspec.implementations.arrow import ArrowFSWrapper
from pyarrow import fs as pafs
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.exceptions import NoSuchTableError
from pyiceberg.table import Table, Transaction

from quizflow.settings import Settings
from quizflow.warehouse.duck import PipelineError
from quizflow.warehouse.lake.settings import DEFAULT_CATALOG_DATABASE, LakeSettings

CATALOG_NAME = "quizflow"
TABLE_PROPERTIES = {"format-version": "2", "commit.retry.num-retries": "0"}
# Seconds before an unreachable endpoint is reported, instead of the SDK's minutes of retries.
S3_TIMEOUT_S = 5.0


class LakeError(PipelineError):
    """The lake could not be reached or used; the message is one sentence."""


class _S3Files(ArrowFSWrapper):
    """pyarrow's S3 filesystem as an fsspec one, so DuckDB (no httpfs here) reads ``s3://``."""

    protocol = "s3"


def _first_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return (lines[0] if lines else type(error).__name__).rstrip(".")


def _redacted(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    _, at, tail = rest.rpartition("@")
    return f"{scheme}{sep}…@{tail}" if at else url


@dataclass
class Lake:
    """An open lake: its catalog, its files, and the table names under its namespace."""

    settings: LakeSettings
    catalog: SqlCatalog
    files: pafs.FileSystem
    _tables: dict[str, Table] = field(default_factory=dict)

    def identifier(self, name: str) -> tuple[str, str]:
        return (self.settings.namespace, name)

    def table(self, name: str) -> Table | None:
        """The table as the catalog has it now; None when it does not exist."""
        try:
            return self.catalog.load_table(self.identifier(name))
        except NoSuchTableError:
            return None

    def create_table(
        self, name: str, schema: pa.Schema, properties: dict[str, str] | None = None
    ) -> Table:
        """Create ``name`` (or return it when a concurrent writer just did)."""
        self.catalog.create_namespace_if_not_exists(self.settings.namespace)
        return self.catalog.create_table_if_not_exists(
            self.identifier(name),
            schema=schema,
            properties={**TABLE_PROPERTIES, **(properties or {})},
        )

    def drop_table(self, name: str) -> None:
        with suppress(NoSuchTableError):
            self.catalog.drop_table(self.identifier(name))

    def register_files(self, con: duckdb.DuckDBPyConnection) -> None:
        """Let ``con`` read the lake's data files by their ``s3://`` paths."""
        if self.settings.on_s3 and not con.filesystem_is_registered("s3"):
            con.register_filesystem(_S3Files(self.files))

    def close(self) -> None:
        self.catalog.engine.dispose()


def open_lake(settings: Settings, lake: LakeSettings | None = None) -> Lake:
    """The lake of ``settings`` (``LakeSettings.from_env`` unless given); ``LakeError`` with a
    sentence when its storage or catalog cannot be used. Callers close it."""
    lake = lake or LakeSettings.from_env(settings)
    files = _storage(lake)
    url = _catalog_url(lake, settings)
    properties: dict[str, Any] = {"uri": url, "warehouse": _warehouse(lake), **_io_properties(lake)}
    try:
        catalog = SqlCatalog(CATALOG_NAME, **properties)
        catalog.create_namespace_if_not_exists(lake.namespace)
    except Exception as error:
        raise LakeError(
            f"cannot open the lake catalog at {_redacted(url)} (QUIZFLOW_LAKE_CATALOG_URL): "
            f"{_first_line(error)}"
        ) from error
    return Lake(lake, catalog, files)


def _warehouse(lake: LakeSettings) -> str:
    return lake.location if lake.on_s3 else "file://" + lake.location


def _io_properties(lake: LakeSettings) -> dict[str, str]:
    if not lake.on_s3:
        return {}
    properties = {
        "s3.region": lake.s3_region,
        "s3.connect-timeout": str(S3_TIMEOUT_S),
        "s3.request-timeout": str(S3_TIMEOUT_S * 6),
    }
    if lake.s3_endpoint:
        properties["s3.endpoint"] = lake.s3_endpoint
    if lake.s3_access_key_id:
        properties["s3.access-key-id"] = lake.s3_access_key_id
    if lake.s3_secret_access_key:
        properties["s3.secret-access-key"] = lake.s3_secret_access_key
    return properties


def _storage(lake: LakeSettings) -> pafs.FileSystem:
    """The lake's filesystem, once it has been seen to work."""
    if not lake.on_s3:
        try:
            os.makedirs(lake.location, exist_ok=True)
        except OSError as error:
            raise LakeError(
                f"cannot use {lake.location} for the lake's files (QUIZFLOW_LAKE_WAREHOUSE): "
                f"{error.strerror or error}"
            ) from error
        return pafs.LocalFileSystem()
    endpoint = lake.s3_endpoint or "AWS S3"
    kwargs: dict[str, Any] = {
        "region": lake.s3_region,
        "connect_timeout": S3_TIMEOUT_S,
        "request_timeout": S3_TIMEOUT_S * 6,
        "retry_strategy": pafs.AwsStandardS3RetryStrategy(max_attempts=1),
    }
    if lake.s3_endpoint:
        scheme, sep, host = lake.s3_endpoint.partition("://")
        kwargs["endpoint_override"] = host if sep else lake.s3_endpoint
        kwargs["scheme"] = scheme if sep else "https"
    if lake.s3_access_key_id:
        kwargs["access_key"] = lake.s3_access_key_id
        kwargs["secret_key"] = lake.s3_secret_access_key
    try:
        files = pafs.S3FileSystem(**kwargs)
        info = files.get_file_info(lake.bucket or "")
    except (OSError, ValueError) as error:
        raise LakeError(
            f"cannot reach the lake's object storage at {endpoint} (QUIZFLOW_LAKE_S3_ENDPOINT): "
            f"{_first_line(error)}"
        ) from error
    if info.type == pafs.FileType.NotFound:
        raise LakeError(
            f"the lake's bucket {lake.bucket!r} does not exist at {endpoint}: create it, or set "
            "QUIZFLOW_LAKE_WAREHOUSE to s3://an-existing-bucket/prefix"
        )
    return files


def _catalog_url(lake: LakeSettings, settings: Settings) -> str:
    """A SQLAlchemy URL on psycopg 3; by default the ``quizflow_lake`` database, made once."""
    url = lake.catalog_url
    if url is None:
        from quizflow.database import database_url
        from quizflow.eventstore.admin import create_database, with_database

        owner = database_url(settings)
        url = with_database(owner, DEFAULT_CATALOG_DATABASE)
        try:
            with psycopg.connect(owner, autocommit=True) as conn:
                known = conn.execute(
                    "select 1 from pg_database where datname = %s", [DEFAULT_CATALOG_DATABASE]
                ).fetchone()
            if known is None:
                create_database(owner, DEFAULT_CATALOG_DATABASE)
        except psycopg.errors.DuplicateDatabase:
            pass  # another process made it just now
        except psycopg.Error as error:
            raise LakeError(
                f"cannot create the lake catalog's database {DEFAULT_CATALOG_DATABASE}: "
                f"{_first_line(error)}"
            ) from error
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain) :]
    return url


def replace_all_rows(table: Table, rows: pa.Table, properties: dict[str, str]) -> Transaction:
    """A transaction on ``table`` whose commit makes ``rows`` its whole content (an append
    while the table has no snapshot yet, an overwrite after); the caller adds to it and
    commits."""
    txn = table.transaction()
    if table.current_snapshot() is None:
        txn.append(rows, snapshot_properties=properties)
    else:
        txn.overwrite(rows, snapshot_properties=properties)
    return txn
