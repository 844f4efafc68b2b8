"""Which PostgreSQL Quizflow uses (QUIZFLOW_DATABASE_URL, or the embedded one), and as whom.

``database_url`` is the owner's URL: migrations and administration only. Processes that do
the work connect as a login role (quizflow/eventstore/logins.py) through
``login_database_url``: the web app and every append as ``quizflow_web``, the sign-in code as
``quizflow_signin``, the pipeline as ``quizflow_pipeline``.
"""

from __future__ import annotations

from quizflow.eventstore import embedded
from quizflow.eventstore.logins import ensure_logins, login_url
from quizflow.eventstore.migrate import migrate
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.settings import Settings, load_settings


def database_url(settings: Settings | None = None) -> str:
    """The owner's URL (starting the embedded server if needed)."""
    settings = settings or load_settings()
    if settings.database_url:
        return settings.database_url
    return embedded.start(settings.pg_data)


def login_database_url(kind: str, settings: Settings | None = None) -> str:
    """The URL to connect as the login of ``kind`` ("web", "signin" or "pipeline").

    The setting QUIZFLOW_{KIND}_DATABASE_URL when set, as given (nothing is migrated or
    created). Otherwise the owner's database, migrated, as the login role, created with its
    password in db-logins.json when missing.
    """
    settings = settings or load_settings()
    given = settings.login_url_override(kind)
    if given:
        return given
    owner = database_url(settings)
    migrate(owner)
    passwords = ensure_logins(owner, settings.home, path=settings.db_logins_path)
    return login_url(owner, kind, passwords)


def open_store(
    settings: Settings | None = None, *, min_size: int = 1, max_size: int = 8
) -> PostgresEventStore:
    """A PostgreSQL event store connected as the web login (``quizflow_web``), migrated."""
    url = login_database_url("web", settings)
    return PostgresEventStore(url, role=None, min_size=min_size, max_size=max_size)
