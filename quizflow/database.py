"""Which PostgreSQL Quizflow uses: QUIZFLOW_DATABASE_URL, or the embedded one."""

from __future__ import annotations

from quizflow.eventstore import embedded
from quizflow.eventstore.migrate import migrate
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.settings import Settings, load_settings


def database_url(settings: Settings | None = None) -> str:
    settings = settings or load_settings()
    if settings.database_url:
        return settings.database_url
    return embedded.start(settings.pg_data)


def open_store(
    settings: Settings | None = None, *, min_size: int = 1, max_size: int = 8
) -> PostgresEventStore:
    """A migrated PostgreSQL event store acting as the writer role."""
    url = database_url(settings)
    migrate(url)
    return PostgresEventStore(url, min_size=min_size, max_size=max_size)
