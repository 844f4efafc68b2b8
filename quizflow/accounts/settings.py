"""The sign-in and session settings, read from the environment (every one has a default)."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import Field, model_validator

from quizflow.accounts.passwords import PasswordPolicy
from quizflow.env_settings import EnvironmentSettings, Flag, SettingError, read_environment

DAY_S = 24 * 3600


@dataclass(frozen=True)
class Oidc:
    issuer: str
    client_id: str
    client_secret: str


@dataclass(frozen=True)
class AuthSettings:
    session_max_age_s: int = 12 * 3600  # absolute: a school day, then sign in again
    session_idle_s: int = 30 * 60
    password: PasswordPolicy = field(default_factory=PasswordPolicy)
    activation_code_ttl_s: int = 14 * DAY_S
    public_url: str | None = None
    secure_cookies: bool = False
    commands_per_second: float = 5.0
    command_burst: int = 20
    api_docs: bool = False
    oidc: Oidc | None = None


def _whole(unit: str, minimum: int) -> str:
    return f"a whole number of {unit}, {minimum} or more"


class _Environment(EnvironmentSettings):
    session_max_age: int = Field(
        AuthSettings.session_max_age_s,
        ge=60,
        validation_alias="QUIZFLOW_SESSION_MAX_AGE",
        description=_whole("seconds", 60),
    )
    session_idle_timeout: int = Field(
        AuthSettings.session_idle_s,
        ge=10,
        validation_alias="QUIZFLOW_SESSION_IDLE_TIMEOUT",
        description=_whole("seconds", 10),
    )
    password_min_length: int = Field(
        PasswordPolicy.min_length,
        ge=8,
        validation_alias="QUIZFLOW_PASSWORD_MIN_LENGTH",
        description=_whole("characters", 8),
    )
    activation_code_days: int = Field(
        AuthSettings.activation_code_ttl_s // DAY_S,
        ge=1,
        validation_alias="QUIZFLOW_ACTIVATION_CODE_DAYS",
        description=_whole("days", 1),
    )
    public_url: str | None = Field(None, validation_alias="QUIZFLOW_PUBLIC_URL")
    # Unset: secure exactly when the public URL is https.
    secure_cookies: Flag | None = Field(
        None, validation_alias="QUIZFLOW_SECURE_COOKIES", description="true or false"
    )
    commands_per_second: int = Field(
        int(AuthSettings.commands_per_second),
        ge=1,
        validation_alias="QUIZFLOW_COMMANDS_PER_SECOND",
        description=_whole("commands", 1),
    )
    command_burst: int = Field(
        AuthSettings.command_burst,
        ge=1,
        validation_alias="QUIZFLOW_COMMAND_BURST",
        description=_whole("commands", 1),
    )
    api_docs: Flag = Field(
        AuthSettings.api_docs, validation_alias="QUIZFLOW_API_DOCS", description="true or false"
    )
    oidc_issuer: str | None = Field(None, validation_alias="QUIZFLOW_OIDC_ISSUER")
    oidc_client_id: str | None = Field(None, validation_alias="QUIZFLOW_OIDC_CLIENT_ID")
    oidc_client_secret: str | None = Field(None, validation_alias="QUIZFLOW_OIDC_CLIENT_SECRET")

    @model_validator(mode="after")
    def _oidc_is_complete(self) -> _Environment:
        if self.oidc_issuer and not (self.oidc_client_id and self.oidc_client_secret):
            raise ValueError(
                "QUIZFLOW_OIDC_ISSUER is set: set QUIZFLOW_OIDC_CLIENT_ID and "
                "QUIZFLOW_OIDC_CLIENT_SECRET too"
            )
        return self


def load_auth_settings() -> AuthSettings:
    """The settings in the environment now; ``SettingError`` (one sentence) for a bad value."""
    env = read_environment(_Environment)
    oidc = None
    if env.oidc_issuer and env.oidc_client_id and env.oidc_client_secret:
        oidc = Oidc(env.oidc_issuer.rstrip("/"), env.oidc_client_id, env.oidc_client_secret)
    behind_https = bool(env.public_url and env.public_url.lower().startswith("https://"))
    return AuthSettings(
        session_max_age_s=env.session_max_age,
        session_idle_s=env.session_idle_timeout,
        password=PasswordPolicy(env.password_min_length),
        activation_code_ttl_s=env.activation_code_days * DAY_S,
        public_url=env.public_url,
        secure_cookies=behind_https if env.secure_cookies is None else env.secure_cookies,
        commands_per_second=float(env.commands_per_second),
        command_burst=env.command_burst,
        api_docs=env.api_docs,
        oidc=oidc,
    )


__all__ = ["AuthSettings", "Oidc", "SettingError", "load_auth_settings"]
