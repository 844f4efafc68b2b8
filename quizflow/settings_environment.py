"""The variables of the core settings (``quizflow.settings.Settings``) as a pydantic-settings
model. ``load_settings`` imports it when called, so the ``quizflow`` command starts without
pydantic."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field

from quizflow.env_settings import AnyCase, EnvironmentSettings
from quizflow.settings import LOGIN_URL_SETTINGS, POOLED_URL_SETTINGS


class CoreEnvironment(EnvironmentSettings):
    home: Path = Field(Path(".quizflow"), validation_alias="QUIZFLOW_HOME")
    database_url: str | None = Field(None, validation_alias="QUIZFLOW_DATABASE_URL")
    web_database_url: str | None = Field(None, validation_alias=LOGIN_URL_SETTINGS["web"])
    signin_database_url: str | None = Field(None, validation_alias=LOGIN_URL_SETTINGS["signin"])
    pipeline_database_url: str | None = Field(None, validation_alias=LOGIN_URL_SETTINGS["pipeline"])
    db_logins_file: Path | None = Field(None, validation_alias="QUIZFLOW_DB_LOGINS_FILE")
    web_pooled_database_url: str | None = Field(None, validation_alias=POOLED_URL_SETTINGS["web"])
    signin_pooled_database_url: str | None = Field(
        None, validation_alias=POOLED_URL_SETTINGS["signin"]
    )
    dagster_storage: Annotated[Literal["sqlite", "postgres"], AnyCase] = Field(
        "sqlite", validation_alias="QUIZFLOW_DAGSTER_STORAGE", description="sqlite or postgres"
    )
    dagster_database_url: str | None = Field(None, validation_alias="QUIZFLOW_DAGSTER_DATABASE_URL")
