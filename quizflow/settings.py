"""Where Quizflow keeps its files and which database it talks to.

Everything Quizflow writes lives under ``QUIZFLOW_HOME`` (default ``./.quizflow``), so a
checkout can be reset by deleting one folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingError(ValueError):
    """A setting whose value cannot be used; the message names the variable and what it
    accepts."""


# The login kinds (see quizflow/eventstore/logins.py) and the settings that override their URLs.
LOGIN_URL_SETTINGS = {
    "web": "QUIZFLOW_WEB_DATABASE_URL",
    "signin": "QUIZFLOW_SIGNIN_DATABASE_URL",
    "pipeline": "QUIZFLOW_PIPELINE_DATABASE_URL",
}
# The same logins through a transaction-mode pooler (PgBouncer), for the web app's short
# statements only: commands, session look-ups and sign-in (docs/database-roles.md).
POOLED_URL_SETTINGS = {
    "web": "QUIZFLOW_WEB_POOLED_DATABASE_URL",
    "signin": "QUIZFLOW_SIGNIN_POOLED_DATABASE_URL",
}


@dataclass(frozen=True)
class Settings:
    home: Path
    # The owner's URL: migrations and administration (None: the embedded server's superuser).
    database_url: str | None
    # Each process connects as a login role instead; set, these are used as given and Quizflow
    # creates no role (None: derived from the owner's URL, the roles created when missing).
    web_database_url: str | None = None
    signin_database_url: str | None = None
    pipeline_database_url: str | None = None
    # Where the login roles' generated passwords are kept (None: db-logins.json in home).
    db_logins_file: Path | None = None
    # The web and sign-in logins through a transaction-mode pooler (None: direct connections).
    web_pooled_database_url: str | None = None
    signin_pooled_database_url: str | None = None
    # Where Dagster keeps run history, event logs and schedules: "sqlite" (files under
    # dagster_home) or "postgres" (dagster_database_url, or database quizflow_dagster on the
    # owner's server). Read from the environment, only these two; given here, checked where it is
    # used (quizflow/dagster_instance.py).
    dagster_storage: str = "sqlite"
    dagster_database_url: str | None = None

    def login_url_override(self, kind: str) -> str | None:
        """The URL set for the login of ``kind`` ("web", "signin", "pipeline"), if any."""
        if kind not in LOGIN_URL_SETTINGS:
            raise KeyError(f"unknown login kind {kind!r}; known: {sorted(LOGIN_URL_SETTINGS)}")
        overrides = {
            "web": self.web_database_url,
            "signin": self.signin_database_url,
            "pipeline": self.pipeline_database_url,
        }
        return overrides[kind]

    def pooled_url(self, kind: str) -> str | None:
        """The URL set for the login of ``kind`` ("web", "signin") through a transaction-mode
        pooler, if any: only connections that keep no session state may use it."""
        if kind not in POOLED_URL_SETTINGS:
            raise KeyError(
                f"no pooled URL for login kind {kind!r}; known: {sorted(POOLED_URL_SETTINGS)}"
            )
        return {"web": self.web_pooled_database_url, "signin": self.signin_pooled_database_url}[
            kind
        ]

    @property
    def db_logins_path(self) -> Path:
        return self.db_logins_file or self.home / "db-logins.json"

    @property
    def pg_data(self) -> Path:
        return self.home / "pg"

    @property
    def warehouse_path(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def published_dir(self) -> Path:
        return self.home / "published"

    @property
    def published_path(self) -> Path:
        return self.published_dir / "warehouse.duckdb"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"


def load_settings() -> Settings:
    """The settings in the environment now; ``SettingError`` (one sentence) for a bad value."""
    # Imported here: pydantic stays out of the `quizflow` command's start (its --help).
    from quizflow.env_settings import read_environment
    from quizflow.settings_environment import CoreEnvironment

    env = read_environment(CoreEnvironment)
    return Settings(
        home=env.home.resolve(),
        database_url=env.database_url,
        web_database_url=env.web_database_url,
        signin_database_url=env.signin_database_url,
        pipeline_database_url=env.pipeline_database_url,
        db_logins_file=env.db_logins_file.resolve() if env.db_logins_file else None,
        web_pooled_database_url=env.web_pooled_database_url,
        signin_pooled_database_url=env.signin_pooled_database_url,
        dagster_storage=env.dagster_storage,
        dagster_database_url=env.dagster_database_url,
    )
