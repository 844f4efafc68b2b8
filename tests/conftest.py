"""Shared fixtures: a real PostgreSQL (QUIZFLOW_DATABASE_URL or the embedded one) per session."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from quizflow.eventstore import EventStore
from quizflow.eventstore.admin import create_database, drop_database
from quizflow.eventstore.migrate import migrate

REPO = Path(__file__).resolve().parent.parent
REALDATA = REPO.parent / "shared" / "realdata"

# The login roles are cluster-wide, their passwords kept in a file per QUIZFLOW_HOME. Tests that
# give a process a home of its own on the shared server would each set new passwords for them,
# under the feet of every other process (and test session) using them: all share one file, the
# default home's, as every test subprocess inherits this.
if not os.environ.get("QUIZFLOW_DB_LOGINS_FILE"):
    from quizflow.settings import load_settings

    os.environ["QUIZFLOW_DB_LOGINS_FILE"] = str(load_settings().db_logins_path)


@pytest.fixture(scope="session")
def server_url() -> str:
    """A URL of the server to test against (its maintenance database)."""
    from quizflow.database import database_url
    from quizflow.settings import load_settings

    return database_url(load_settings())


# Event types that tests append besides the vocabulary (docs/events.md): the store refuses
# unknown types, so the test databases know these too, added as a later migration adds a type.
# Some stand for "a type this version of a reader does not know" (quarantine, read model).
TEST_EVENT_TYPES = (
    "test/Happened",
    "a/One",
    "b/Two",
    "t/A",
    "t/B",
    "t/Fast",
    "t/Slow",
    "mystery/Happened",
    "someone-else/Happened",
)


@pytest.fixture(scope="session")
def event_vocabulary() -> frozenset[str]:
    """Every type a test database accepts: the quiz's vocabulary and the test types."""
    from quizflow.quiz import EVENT_TYPES

    return frozenset(EVENT_TYPES) | frozenset(TEST_EVENT_TYPES)


@pytest.fixture(scope="session")
def template_db(server_url: str) -> Iterator[str]:
    """A migrated database that per-test databases are copied from; dropped at the end."""
    name = f"quizflow_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    url = create_database(server_url, name)
    migrate(url)
    with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cursor:
        cursor.executemany(
            "insert into quizflow.event_types (type) values (%s)",
            [(type_,) for type_ in TEST_EVENT_TYPES],
        )
    yield name
    drop_database(server_url, name)


@pytest.fixture
def pg_url(server_url: str, template_db: str) -> Iterator[str]:
    """A fresh, migrated database for one test; dropped after it."""
    name = f"{template_db}_{uuid.uuid4().hex[:8]}"
    url = create_database(server_url, name, template=template_db)
    yield url
    drop_database(server_url, name)


@pytest.fixture(params=["memory", "postgres"])
def any_store(request: pytest.FixtureRequest) -> Iterator[EventStore]:
    """Each test twice: on the in-memory store and on a fresh PostgreSQL database."""
    from quizflow.eventstore import InMemoryEventStore
    from quizflow.eventstore.postgres import PostgresEventStore

    opened: EventStore = (
        InMemoryEventStore(event_types=request.getfixturevalue("event_vocabulary"))
        if request.param == "memory"
        else PostgresEventStore(request.getfixturevalue("pg_url"))
    )
    yield opened
    opened.close()
