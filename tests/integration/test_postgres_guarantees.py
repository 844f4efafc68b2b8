"""What the PostgreSQL store guarantees beyond the contract: immutability, roles, migrations,
and the one that matters most, that an incremental reader never skips an event."""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from quizflow.eventstore import ANY, START, Cursor, NewEvent
from quizflow.eventstore.migrate import migrate
from quizflow.eventstore.postgres import PostgresEventStore


def test_the_database_refuses_update_delete_and_truncate_even_for_the_owner(pg_url: str) -> None:
    with PostgresEventStore(pg_url) as store:
        store.append("s", ANY, [NewEvent("t/A", {"n": 1})])
    with psycopg.connect(pg_url, autocommit=True) as conn:
        for statement in (
            "update quizflow.events set data = '{}'",
            "delete from quizflow.events",
            "truncate quizflow.events",
        ):
            with pytest.raises(psycopg.Error, match="append-only"):
                conn.execute(statement)
        assert conn.execute("select count(*) from quizflow.events").fetchone() == (1,)


def test_the_writer_role_can_only_append_through_the_function(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("set role quizflow_writer")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(
                "insert into quizflow.events (event_id, stream_id, version, type, data,"
                " occurred_at) values (gen_random_uuid(), 's', 1, 't', '{}', now())"
            )
        events = json.dumps([{"event_id": str(uuid.uuid4()), "type": "t/A", "data": {}}])
        conn.execute("select * from quizflow.append_events('s', 0, %s::jsonb)", (events,))
        conn.execute(
            "select * from quizflow.append_event('s', 1, gen_random_uuid(), 't/A', '{}', null,"
            " null)"
        )
        assert conn.execute("select max(version) from quizflow.events").fetchone() == (2,)


def test_the_reader_role_can_read_but_not_append(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("set role quizflow_reader")
        assert conn.execute("select count(*) from quizflow.events").fetchone() == (0,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select * from quizflow.append_events('s', 0, '[]'::jsonb)")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(
                "select * from quizflow.append_event('s', 0, gen_random_uuid(), 't/A', '{}',"
                " null, null)"
            )


def test_migrations_run_once_even_from_two_processes_at_once(pg_url: str) -> None:
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(migrate, [pg_url, pg_url]))
    assert results == [[], []]  # the template was migrated already: nothing applied twice
    with psycopg.connect(pg_url) as conn:
        numbers = [r[0] for r in conn.execute("select number from quizflow_migrations")]
    assert numbers == sorted(set(numbers))


def test_migrating_a_fresh_database_from_two_threads_applies_each_migration_once(
    server_url: str,
) -> None:
    from quizflow.eventstore.admin import create_database, drop_database

    name = f"quizflow_test_mig_{uuid.uuid4().hex[:8]}"
    url = create_database(server_url, name)
    try:
        with ThreadPoolExecutor(2) as pool:
            first, second = pool.map(migrate, [url, url])
        assert sorted(first + second) == sorted(set(first + second))
        assert first or second
    finally:
        drop_database(server_url, name)


def test_an_incremental_reader_never_skips_or_repeats_under_concurrent_writers(
    pg_url: str,
) -> None:
    """16 writers with random delays inside their transactions and some rollbacks, while a
    reader tails the log with only its cursor: every committed event read exactly once."""
    writers, appends_each = 16, 40
    committed: set[str] = set()
    rolled_back: set[str] = set()
    lock = threading.Lock()
    done = threading.Event()

    def write(worker: int) -> None:
        rng = random.Random(worker)
        with psycopg.connect(pg_url) as conn:
            conn.execute("set role quizflow_writer")
            conn.commit()
            for _ in range(appends_each):
                ids = [str(uuid.uuid4()) for _ in range(rng.randint(1, 3))]
                batch = json.dumps([{"event_id": i, "type": "t/A", "data": {}} for i in ids])
                try:
                    conn.execute(
                        "select * from quizflow.append_events(%s, null, %s::jsonb)",
                        (f"stream-{rng.randint(1, 30)}", batch),
                    )
                except psycopg.errors.UniqueViolation:
                    # Lost a race for the stream's next version: nothing of it was stored.
                    conn.rollback()
                    with lock:
                        rolled_back.update(ids)
                    continue
                time.sleep(rng.random() * 0.01)
                if rng.random() < 0.15:
                    conn.rollback()
                    with lock:
                        rolled_back.update(ids)
                else:
                    conn.commit()
                    with lock:
                        committed.update(ids)

    seen: list[str] = []

    def read() -> None:
        with PostgresEventStore(pg_url, role="quizflow_reader") as store:
            cursor = START
            while True:
                finished = done.is_set()
                page = store.read_all(after=cursor, limit=50)
                seen.extend(str(e.event_id) for e in page)
                if page:
                    cursor = page[-1].cursor
                elif finished:
                    return

    reader = threading.Thread(target=read)
    reader.start()
    with ThreadPoolExecutor(writers) as pool:
        list(pool.map(write, range(writers)))
    done.set()
    reader.join(timeout=60)
    assert len(seen) == len(set(seen)), "an event was read twice"
    assert set(seen) == committed, f"skipped {len(committed - set(seen))} committed events"
    assert not set(seen) & rolled_back
    assert rolled_back, "the test must exercise rollbacks"


def test_a_cursor_never_moves_past_an_open_transaction(pg_url: str) -> None:
    with PostgresEventStore(pg_url) as store, psycopg.connect(pg_url) as slow:
        slow.execute("set role quizflow_writer")
        early = json.dumps([{"event_id": str(uuid.uuid4()), "type": "t/Slow", "data": {}}])
        slow.execute("select * from quizflow.append_events('slow', null, %s::jsonb)", (early,))
        store.append("fast", ANY, [NewEvent("t/Fast", {})])
        assert store.read_all() == []  # the fast event waits behind the open transaction
        assert store.head() == Cursor(0, 0)
        assert store.exists_after(Cursor(0, 0))  # lag, not the end of the log
        slow.commit()
        events = store.read_all()
        assert [e.type for e in events] == ["t/Slow", "t/Fast"]
        assert not store.exists_after(events[-1].cursor)
