"""Every group of QUIZFLOW_* settings: read when asked for, blank means the default, and a bad
value is one sentence naming the variable and what it accepts, from the API and from the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from quizflow.accounts.settings import load_auth_settings
from quizflow.app.web.api import health_max_lag_s
from quizflow.dagster_instance import max_concurrent_runs
from quizflow.env_settings import SettingError
from quizflow.privacy.retention import retention_days
from quizflow.reports.teacher_mail import MailSettings
from quizflow.settings import load_settings
from quizflow.warehouse import PipelineConfig
from quizflow.warehouse.lake.settings import (
    LakeSettings,
    lake_chunk_rows,
    pinned_release,
    warehouse_mode,
)

BAD: list[tuple[str, str, Callable[[], Any], str]] = [
    (
        "QUIZFLOW_DAGSTER_STORAGE",
        "mysql",
        load_settings,
        "QUIZFLOW_DAGSTER_STORAGE must be sqlite or postgres, got 'mysql'",
    ),
    (
        "QUIZFLOW_INGEST_CHUNK_ROWS",
        "abc",
        PipelineConfig.from_env,
        "QUIZFLOW_INGEST_CHUNK_ROWS must be a whole number of 1 or more, got 'abc'",
    ),
    (
        "QUIZFLOW_LOCK_TIMEOUT_SECONDS",
        "-1",
        PipelineConfig.from_env,
        "QUIZFLOW_LOCK_TIMEOUT_SECONDS must be a number of seconds, 0 or more, got '-1'",
    ),
    (
        "QUIZFLOW_WAREHOUSE",
        "sqlite",
        warehouse_mode,
        "QUIZFLOW_WAREHOUSE must be duckdb or lake, got 'sqlite'",
    ),
    (
        "QUIZFLOW_LAKE_RELEASE",
        "newest",
        pinned_release,
        "QUIZFLOW_LAKE_RELEASE must be a release id, got 'newest'",
    ),
    (
        "QUIZFLOW_DAGSTER_MAX_RUNS",
        "0",
        max_concurrent_runs,
        "QUIZFLOW_DAGSTER_MAX_RUNS must be a whole number of 1 or more, got '0'",
    ),
    (
        "QUIZFLOW_COMMAND_BURST",
        "lots",
        load_auth_settings,
        "QUIZFLOW_COMMAND_BURST must be a whole number of commands, 1 or more, got 'lots'",
    ),
    (
        "QUIZFLOW_HEALTH_MAX_LAG_SECONDS",
        "0",
        health_max_lag_s,
        "QUIZFLOW_HEALTH_MAX_LAG_SECONDS must be a number of seconds above 0, got '0'",
    ),
    (
        "QUIZFLOW_RETENTION_DAYS",
        "a year",
        retention_days,
        "QUIZFLOW_RETENTION_DAYS must be a whole number of days, 1 or more, got 'a year'",
    ),
]


@pytest.mark.parametrize(("name", "value", "load", "sentence"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_value_is_one_sentence_naming_the_variable_and_what_it_accepts(
    name: str,
    value: str,
    load: Callable[[], Any],
    sentence: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingError) as failed:
        load()
    assert str(failed.value) == sentence


def test_two_bad_values_are_named_both(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUIZFLOW_SECURE_COOKIES", "maybe")
    monkeypatch.setenv("QUIZFLOW_COMMAND_BURST", "lots")
    with pytest.raises(SettingError) as failed:
        load_auth_settings()
    assert str(failed.value) == (
        "QUIZFLOW_SECURE_COOKIES must be true or false, got 'maybe'; "
        "QUIZFLOW_COMMAND_BURST must be a whole number of commands, 1 or more, got 'lots'"
    )


def test_settings_are_read_when_asked_for_and_blank_means_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QUIZFLOW_HOME", "")
    monkeypatch.setenv("QUIZFLOW_DATABASE_URL", "  ")
    monkeypatch.setenv("QUIZFLOW_DAGSTER_STORAGE", " Postgres ")
    monkeypatch.setenv("QUIZFLOW_DB_LOGINS_FILE", "secrets/logins.json")
    settings = load_settings()
    assert settings.home == tmp_path / ".quizflow"
    assert settings.database_url is None
    assert settings.dagster_storage == "postgres"
    assert settings.db_logins_path == tmp_path / "secrets" / "logins.json"
    monkeypatch.setenv("QUIZFLOW_HOME", "elsewhere")
    monkeypatch.setenv("QUIZFLOW_DATABASE_URL", "postgresql://db.example/quizflow")
    settings = load_settings()
    assert (settings.home, settings.database_url) == (
        tmp_path / "elsewhere",
        "postgresql://db.example/quizflow",
    )
    assert settings.warehouse_path == tmp_path / "elsewhere" / "warehouse.duckdb"


def test_the_pipeline_knobs_keep_their_defaults_unless_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for knob in (
        "INGEST_CHUNK_ROWS",
        "DUCKDB_MEMORY_LIMIT",
        "RUNAWAY_EVENTS_PER_MINUTE",
        "LOCK_TIMEOUT_SECONDS",
        "SNAPSHOT_GRACE_SECONDS",
        "RECENT_CHECK_EVENTS",
        "FULL_CHECK_SECONDS",
    ):
        monkeypatch.delenv(f"QUIZFLOW_{knob}", raising=False)
    monkeypatch.setenv("QUIZFLOW_MAX_LAG_SECONDS", "2.5")
    assert PipelineConfig.from_env() == PipelineConfig(max_lag_seconds=2.5)


def test_the_lake_settings_and_the_mode_in_any_case(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUIZFLOW_WAREHOUSE", "Lake")
    monkeypatch.setenv("QUIZFLOW_LAKE_WAREHOUSE", "s3://school-lake/quizflow/")
    monkeypatch.setenv("QUIZFLOW_LAKE_S3_SECRET_ACCESS_KEY", "kept as given ")
    monkeypatch.setenv("QUIZFLOW_LAKE_CHUNK_ROWS", "5000")
    monkeypatch.setenv("QUIZFLOW_LAKE_RELEASE", "3")
    for name in ("QUIZFLOW_LAKE_NAMESPACE", "QUIZFLOW_LAKE_S3_REGION"):
        monkeypatch.delenv(name, raising=False)
    lake = LakeSettings.from_env(load_settings())
    assert warehouse_mode() == "lake"
    assert (lake.location, lake.bucket, lake.namespace, lake.s3_region) == (
        "s3://school-lake/quizflow",
        "school-lake",
        "quizflow",
        "us-east-1",
    )
    assert lake.s3_secret_access_key == "kept as given "
    assert (lake_chunk_rows(), pinned_release()) == (5000, 3)


def test_mail_is_off_until_a_host_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("QUIZFLOW_SMTP_HOST", "QUIZFLOW_SMTP_PORT"):
        monkeypatch.delenv(name, raising=False)
    assert MailSettings.from_env() is None
    monkeypatch.setenv("QUIZFLOW_SMTP_HOST", " mail.school.example ")
    monkeypatch.setenv("QUIZFLOW_SMTP_STARTTLS", "ALWAYS")
    mail = MailSettings.from_env()
    assert mail is not None and (mail.host, mail.starttls) == ("mail.school.example", "always")


@pytest.mark.parametrize(
    ("setting", "argv", "sentence"),
    [
        (
            "QUIZFLOW_WAREHOUSE=sqlite",
            ["query", "class_progress"],
            "QUIZFLOW_WAREHOUSE must be duckdb or lake, got 'sqlite'",
        ),
        (
            "QUIZFLOW_INGEST_CHUNK_ROWS=abc",
            ["pipeline", "run"],
            "QUIZFLOW_INGEST_CHUNK_ROWS must be a whole number of 1 or more, got 'abc'",
        ),
        (
            "QUIZFLOW_SESSION_IDLE_TIMEOUT=soon",
            ["serve", "--port", "0"],
            "QUIZFLOW_SESSION_IDLE_TIMEOUT must be a whole number of seconds, 10 or more, "
            "got 'soon'",
        ),
    ],
)
def test_the_cli_refuses_a_bad_setting_in_one_sentence_and_writes_nothing(
    setting: str, argv: list[str], sentence: str, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    name, value = setting.split("=", 1)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QUIZFLOW_", "DAGSTER_"))}
    env |= {
        "QUIZFLOW_HOME": str(home),
        # Never contacted: the setting is refused first.
        "QUIZFLOW_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
        name: value,
        "COLUMNS": "300",
    }
    done = subprocess.run(
        [sys.executable, "-m", "quizflow.cli", *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert sentence in done.stderr
    assert "Traceback" not in done.stderr and "validation error" not in done.stderr
    assert not home.exists()
