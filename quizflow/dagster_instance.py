"""Dagster's instance for Quizflow: DAGSTER_HOME and the dagster.yaml written in it.

Where Dagster keeps run history, event logs and schedules (QUIZFLOW_DAGSTER_STORAGE):

- ``sqlite`` (the default): Dagster's own files under ``$QUIZFLOW_HOME/dagster``. Nothing to set
  up, and one machine is all it serves.
- ``postgres``: dagster-postgres run, event-log and schedule storage in a database of its own
  (``quizflow_dagster``, created on the owner's server when missing, or
  QUIZFLOW_DAGSTER_DATABASE_URL as given), so several machines, pods or daemons share one
  history and one set of concurrency slots.

Both get the same concurrency section. Runs are queued and at most QUIZFLOW_DAGSTER_MAX_RUNS
run at once; every pool's limit defaults to 1, and the steps that write the DuckDB warehouse
are in the pool ``quizflow_warehouse``, so Dagster itself runs one of them at a time across
every run, process and pod. Steps outside a pool (teacher reports of different weeks, which
read the published snapshot only) run side by side. The warehouse's file lock stays as the
guard for writers outside Dagster (``quizflow pipeline run``) on the same machine.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import psycopg
import yaml
from pydantic import Field

from quizflow.env_settings import EnvironmentSettings, SettingError, read_environment
from quizflow.settings import Settings

STORAGES = ("sqlite", "postgres")
DAGSTER_DATABASE = "quizflow_dagster"
WAREHOUSE_POOL = "quizflow_warehouse"
DEFAULT_MAX_RUNS = 4
# A dagster.yaml that starts with this line is Quizflow's to rewrite; any other is the user's.
MARKER = "# Written by Quizflow"
_HEADER = f"""\
{MARKER} (quizflow/dagster_instance.py) for `quizflow pipeline run` and `dev`: edits here
# are replaced. Change QUIZFLOW_DAGSTER_STORAGE, QUIZFLOW_DAGSTER_DATABASE_URL or
# QUIZFLOW_DAGSTER_MAX_RUNS instead, or delete this header to keep a file of your own.
"""


class DagsterSettingError(SettingError):
    """A QUIZFLOW_DAGSTER_* setting Quizflow cannot use (nothing was written)."""


def storage_kind(settings: Settings) -> str:
    if settings.dagster_storage not in STORAGES:
        raise DagsterSettingError(
            f"QUIZFLOW_DAGSTER_STORAGE must be {' or '.join(STORAGES)}, "
            f"got {settings.dagster_storage!r}"
        )
    return settings.dagster_storage


class _Runs(EnvironmentSettings):
    max_runs: int = Field(
        DEFAULT_MAX_RUNS,
        ge=1,
        validation_alias="QUIZFLOW_DAGSTER_MAX_RUNS",
        description="a whole number of 1 or more",
    )


def max_concurrent_runs() -> int:
    try:
        return read_environment(_Runs).max_runs
    except SettingError as error:
        raise DagsterSettingError(str(error)) from None


def sqlalchemy_url(url: str) -> str:
    """``url`` with the psycopg2 driver named, unless it names one already.

    dagster-postgres hands the URL to SQLAlchemy, whose 2.1 picks psycopg 3 for a bare
    ``postgresql://``; psycopg 3 binds parameters on the server, where dagster-postgres's
    ``NOTIFY run_events, %(notify_id)s`` is a syntax error, so every event write would fail.
    """
    for bare in ("postgresql://", "postgres://"):
        if url.startswith(bare):
            return "postgresql+psycopg2://" + url[len(bare) :]
    return url


def instance_config(storage_url: str | None, max_runs: int) -> dict[str, Any]:
    """dagster.yaml as a dict: PostgreSQL storage when ``storage_url`` is given (else Dagster's
    SQLite default), and the concurrency limits."""
    config: dict[str, Any] = {}
    if storage_url is not None:
        config["storage"] = {"postgres": {"postgres_url": sqlalchemy_url(storage_url)}}
    config["concurrency"] = {
        "runs": {"max_concurrent_runs": max_runs},
        # "op": a run starts at once and only its pool steps wait for a slot, so the reports
        # of a run that also publishes still go ahead beside another run's ingest.
        "pools": {"default_limit": 1, "granularity": "op"},
    }
    return config


def dagster_database_url(settings: Settings) -> str:
    """QUIZFLOW_DAGSTER_DATABASE_URL as given, or database quizflow_dagster on the owner's
    server (created when missing: Dagster creates its own tables in it)."""
    if settings.dagster_database_url:
        return settings.dagster_database_url
    from quizflow.database import database_url
    from quizflow.eventstore.admin import create_database, with_database

    owner = database_url(settings)
    with psycopg.connect(owner, autocommit=True) as conn:
        row = conn.execute(
            "select 1 from pg_database where datname = %s", (DAGSTER_DATABASE,)
        ).fetchone()
    if row is None:
        try:
            return create_database(owner, DAGSTER_DATABASE)
        except psycopg.errors.DuplicateDatabase:  # another process created it just now
            pass
    return with_database(owner, DAGSTER_DATABASE)


def render(config: dict[str, Any]) -> str:
    return _HEADER + yaml.safe_dump(config, sort_keys=False)


def prepare_dagster_home(settings: Settings, home: Path | None = None) -> tuple[Path, bool]:
    """Create DAGSTER_HOME (``home``, else ``settings.dagster_home``) and write its dagster.yaml
    for the settings; returns the home and whether the file was written. A dagster.yaml of the
    user's own (not starting with Quizflow's header, and not empty) is kept as it is.

    The settings are checked before anything is written; the file is replaced atomically and
    readable by its owner only (a database URL may hold a password)."""
    storage = storage_kind(settings)
    max_runs = max_concurrent_runs()
    home = home or settings.dagster_home
    path = home / "dagster.yaml"
    if path.exists():
        existing = path.read_text(encoding="utf-8")
        if existing.strip() and not existing.startswith(MARKER):
            return home, False
    url = dagster_database_url(settings) if storage == "postgres" else None
    text = render(instance_config(url, max_runs))
    home.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return home, False
    descriptor, temporary = tempfile.mkstemp(dir=home, prefix=".dagster.yaml.")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return home, True
