"""A store of at most one connection shares it (no pool): between threads, and across the
server dropping it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from quizflow.eventstore import ANY, NO_STREAM, NewEvent
from quizflow.eventstore.postgres import PostgresEventStore


def test_threads_share_the_one_connection_and_every_append_lands(pg_url: str) -> None:
    with PostgresEventStore(pg_url, max_size=1) as store:

        def append_ten(thread: int) -> None:
            for n in range(10):
                store.append(f"s-{thread}", n or NO_STREAM, [NewEvent("t/A", {"n": n})])

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(append_ten, range(8)))
        assert [store.stream_version(f"s-{t}") for t in range(8)] == [10] * 8
        with psycopg.connect(pg_url) as admin:
            backends = admin.execute(
                "select count(*) from pg_stat_activity"
                " where datname = current_database() and pid <> pg_backend_pid()"
            ).fetchone()
        assert backends == (2,)  # the one the threads share, and the notifier's


def test_the_store_connects_again_after_the_server_drops_its_connection(pg_url: str) -> None:
    with PostgresEventStore(pg_url, max_size=1) as store:
        store.append("s", NO_STREAM, [NewEvent("t/A", {"n": 1})])
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute(
                "select pg_terminate_backend(pid) from pg_stat_activity"
                " where datname = current_database() and pid <> pg_backend_pid()"
            )
        with pytest.raises(psycopg.OperationalError):
            store.append("s", 1, [NewEvent("t/A", {"n": 2})])
        store.append("s", 1, [NewEvent("t/A", {"n": 2})])
        assert [e.data["n"] for e in store.read_stream("s")] == [1, 2]
        store.append("s", ANY, [NewEvent("t/A", {"n": 3})])
    with pytest.raises(psycopg.OperationalError, match="closed"):
        store.append("s", ANY, [NewEvent("t/A", {"n": 4})])
