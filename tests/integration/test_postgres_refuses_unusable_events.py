"""The append functions themselves refuse events no reader can use (migrations 0006-0009), whoever
calls them: a type outside quizflow.event_types, and an occurred_at that is not a finite time."""

from __future__ import annotations

import asyncio
import json
import uuid

import psycopg
import pytest

from quizflow.eventstore import ANY, InvalidEventError, NewEvent
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.eventstore.postgres_async import AsyncPostgresEventStore

KNOWN = "chapter-quiz/QuizStarted"
APPEND_EVENT = "select * from quizflow.append_event('s', null, %s, %s, '{}', null, %s)"
APPEND_EVENTS = "select * from quizflow.append_events('s', null, %s::jsonb)"


def _as_writer(pg_url: str) -> psycopg.Connection[tuple[object, ...]]:
    conn = psycopg.connect(pg_url, autocommit=True)
    conn.execute("set role quizflow_writer")
    return conn


def _refused(
    conn: psycopg.Connection[tuple[object, ...]], sql: str, params: tuple[object, ...]
) -> psycopg.Error:
    with pytest.raises(psycopg.Error) as raised:
        conn.execute(sql, params)
    assert raised.value.sqlstate == "QF004", raised.value
    return raised.value


def _stored(pg_url: str) -> int:
    with psycopg.connect(pg_url) as conn:
        row = conn.execute("select count(*) from quizflow.events").fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.parametrize("when", ["infinity", "-infinity"])
def test_both_append_functions_refuse_an_occurred_at_that_is_not_a_finite_time(
    pg_url: str, when: str
) -> None:
    with _as_writer(pg_url) as conn:
        error = _refused(conn, APPEND_EVENT, (uuid.uuid4(), KNOWN, when))
        assert "not a finite time" in str(error.diag.message_primary)
        batch = [
            {"event_id": str(uuid.uuid4()), "type": KNOWN, "data": {}},
            {"event_id": str(uuid.uuid4()), "type": KNOWN, "data": {}, "occurred_at": when},
        ]
        _refused(conn, APPEND_EVENTS, (json.dumps(batch),))
        # Finite times and no time at all (the time of the append) are still fine.
        conn.execute(APPEND_EVENT, (uuid.uuid4(), KNOWN, "2024-03-01T09:30:00Z"))
        conn.execute(APPEND_EVENT, (uuid.uuid4(), KNOWN, None))
    assert _stored(pg_url) == 2


def test_both_append_functions_refuse_a_type_outside_the_vocabulary(pg_url: str) -> None:
    with _as_writer(pg_url) as conn:
        error = _refused(conn, APPEND_EVENT, (uuid.uuid4(), "chapter-quiz/QuizStartd", None))
        assert "unknown event type 'chapter-quiz/QuizStartd'" in str(error.diag.message_primary)
        _refused(conn, APPEND_EVENT, (uuid.uuid4(), None, None))
        batch = [{"event_id": str(uuid.uuid4()), "type": t, "data": {}} for t in (KNOWN, "x/Y")]
        _refused(conn, APPEND_EVENTS, (json.dumps(batch),))
        _refused(conn, APPEND_EVENTS, (json.dumps([{"event_id": str(uuid.uuid4())}]),))
    assert _stored(pg_url) == 0


def test_a_later_migration_adds_a_type_with_an_insert(pg_url: str) -> None:
    with PostgresEventStore(pg_url) as store:
        with pytest.raises(InvalidEventError, match="later/Added"):
            store.append("s", ANY, [NewEvent("later/Added", {})])
        with psycopg.connect(pg_url, autocommit=True) as conn:  # as the migrations run
            conn.execute("insert into quizflow.event_types (type) values ('later/Added')")
        # Read on every append: open connections accept it from the insert's commit on.
        [stored] = store.append("s", ANY, [NewEvent("later/Added", {})])
        assert stored.version == 1


def test_the_async_store_refuses_an_unknown_type_with_the_same_error(pg_url: str) -> None:
    async def main(store: PostgresEventStore) -> None:
        commands = AsyncPostgresEventStore(store, max_size=1)
        await commands.open()
        try:
            for batch in ([NewEvent("x/Y", {})], [NewEvent(KNOWN, {}), NewEvent("x/Y", {})]):
                with pytest.raises(InvalidEventError, match="unknown event type 'x/Y'"):
                    await commands.append("s", ANY, batch)
            assert await commands.stream_version("s") == 0
        finally:
            await commands.close()

    with PostgresEventStore(pg_url) as store:
        asyncio.run(main(store))


def test_the_vocabulary_is_readable_but_not_writable_by_the_writer_and_reader(
    pg_url: str,
) -> None:
    for role in ("quizflow_writer", "quizflow_reader"):
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f"set role {role}")
            row = conn.execute(
                "select count(*) from quizflow.event_types where type = %s", (KNOWN,)
            ).fetchone()
            assert row == (1,)
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("insert into quizflow.event_types (type) values ('x/Y')")
