"""A local S3 server for the lake tests (moto's, on 127.0.0.1 at a port the OS chooses) and the
environment that points the lake mode at it with a catalog database of the test's own.

Used as fixtures (tests/integration/conftest.py is not shared, so tests import these):
``s3_server`` once per session, ``lake_env`` per test.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import boto3
import pytest
from moto.server import ThreadedMotoServer

from quizflow.eventstore.admin import create_database, drop_database

KEY, SECRET, REGION = "quizflow-test", "quizflow-test-secret", "us-east-1"


@dataclass(frozen=True)
class S3Server:
    endpoint: str

    def client(self):  # type: ignore[no-untyped-def]
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=KEY,
            aws_secret_access_key=SECRET,
            region_name=REGION,
        )


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    # Moto logs every request through werkzeug: thousands of lines per test otherwise.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield S3Server(f"http://{host}:{port}")
    finally:
        server.stop()


@dataclass(frozen=True)
class LakeEnv:
    bucket: str
    catalog_url: str
    s3: S3Server


@pytest.fixture
def lake_env(
    s3_server: S3Server, server_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LakeEnv]:
    """QUIZFLOW_WAREHOUSE=lake on a fresh bucket and a fresh catalog database (dropped after)."""
    bucket = f"lake-{uuid.uuid4().hex[:10]}"
    s3_server.client().create_bucket(Bucket=bucket)
    name = f"quizflow_lake_test_{uuid.uuid4().hex[:10]}"
    catalog_url = create_database(server_url, name)
    monkeypatch.setenv("QUIZFLOW_WAREHOUSE", "lake")
    monkeypatch.setenv("QUIZFLOW_LAKE_CATALOG_URL", catalog_url)
    monkeypatch.setenv("QUIZFLOW_LAKE_WAREHOUSE", f"s3://{bucket}/warehouse")
    monkeypatch.setenv("QUIZFLOW_LAKE_S3_ENDPOINT", s3_server.endpoint)
    monkeypatch.setenv("QUIZFLOW_LAKE_S3_ACCESS_KEY_ID", KEY)
    monkeypatch.setenv("QUIZFLOW_LAKE_S3_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("QUIZFLOW_LAKE_S3_REGION", REGION)
    try:
        yield LakeEnv(bucket, catalog_url, s3_server)
    finally:
        drop_database(server_url, name)
