"""Which warehouse the pipeline writes (``QUIZFLOW_WAREHOUSE``) and, for the lake, where it is.

The lake's settings are all ``QUIZFLOW_LAKE_*``; unset, the lake keeps its catalog in a database
of its own (``quizflow_lake``) on the server Quizflow already uses and its files under
``$QUIZFLOW_HOME/lake``, so ``QUIZFLOW_WAREHOUSE=lake`` alone works on one machine.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from quizflow.settings import Settings

MODES = ("duckdb", "lake")
DEFAULT_CATALOG_DATABASE = "quizflow_lake"
DEFAULT_NAMESPACE = "quizflow"


def warehouse_mode() -> str:
    """``duckdb`` (the default) or ``lake``; ``ValueError`` with a sentence for anything else."""
    mode = (os.environ.get("QUIZFLOW_WAREHOUSE") or "duckdb").strip().lower()
    if mode not in MODES:
        raise ValueError(f"QUIZFLOW_WAREHOUSE must be duckdb or lake, not {mode!r}")
    return mode


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
        env = os.environ.get
        location = env("QUIZFLOW_LAKE_WAREHOUSE") or str(settings.home / "lake")
        if not location.startswith("s3://"):
            location = os.path.abspath(location.removeprefix("file://"))
        return cls(
            catalog_url=env("QUIZFLOW_LAKE_CATALOG_URL") or None,
            location=location.rstrip("/"),
            namespace=env("QUIZFLOW_LAKE_NAMESPACE") or DEFAULT_NAMESPACE,
            s3_endpoint=env("QUIZFLOW_LAKE_S3_ENDPOINT") or None,
            s3_access_key_id=env("QUIZFLOW_LAKE_S3_ACCESS_KEY_ID") or None,
            s3_secret_access_key=env("QUIZFLOW_LAKE_S3_SECRET_ACCESS_KEY") or None,
            s3_region=env("QUIZFLOW_LAKE_S3_REGION") or "us-east-1",
        )
