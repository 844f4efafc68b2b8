"""The sign-in and session settings, read from the environment (every one has a default)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from quizflow.accounts.passwords import PasswordPolicy


class SettingError(ValueError):
    """A setting whose value cannot be used; the message names the variable."""


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
    activation_code_ttl_s: int = 14 * 24 * 3600
    public_url: str | None = None
    secure_cookies: bool = False
    commands_per_second: float = 5.0
    command_burst: int = 20
    api_docs: bool = False
    oidc: Oidc | None = None


def load_auth_settings(environ: Mapping[str, str] = os.environ) -> AuthSettings:
    public_url = environ.get("QUIZFLOW_PUBLIC_URL") or None
    behind_https = bool(public_url and public_url.lower().startswith("https://"))
    issuer = environ.get("QUIZFLOW_OIDC_ISSUER") or None
    oidc = None
    if issuer:
        client_id = environ.get("QUIZFLOW_OIDC_CLIENT_ID") or ""
        secret = environ.get("QUIZFLOW_OIDC_CLIENT_SECRET") or ""
        if not client_id or not secret:
            raise SettingError(
                "QUIZFLOW_OIDC_ISSUER is set: set QUIZFLOW_OIDC_CLIENT_ID and "
                "QUIZFLOW_OIDC_CLIENT_SECRET too"
            )
        oidc = Oidc(issuer.rstrip("/"), client_id, secret)
    return AuthSettings(
        session_max_age_s=_int(environ, "QUIZFLOW_SESSION_MAX_AGE", 12 * 3600, minimum=60),
        session_idle_s=_int(environ, "QUIZFLOW_SESSION_IDLE_TIMEOUT", 30 * 60, minimum=10),
        password=PasswordPolicy(_int(environ, "QUIZFLOW_PASSWORD_MIN_LENGTH", 12, minimum=8)),
        activation_code_ttl_s=_int(environ, "QUIZFLOW_ACTIVATION_CODE_DAYS", 14, minimum=1)
        * 24
        * 3600,
        public_url=public_url,
        secure_cookies=_bool(environ, "QUIZFLOW_SECURE_COOKIES", behind_https),
        commands_per_second=float(_int(environ, "QUIZFLOW_COMMANDS_PER_SECOND", 5, minimum=1)),
        command_burst=_int(environ, "QUIZFLOW_COMMAND_BURST", 20, minimum=1),
        api_docs=_bool(environ, "QUIZFLOW_API_DOCS", False),
        oidc=oidc,
    )


def _int(environ: Mapping[str, str], name: str, default: int, *, minimum: int) -> int:
    text = environ.get(name)
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise SettingError(f"{name} must be a whole number, got {text!r}") from None
    if value < minimum:
        raise SettingError(f"{name} must be at least {minimum}, got {value}")
    return value


def _bool(environ: Mapping[str, str], name: str, default: bool) -> bool:
    text = (environ.get(name) or "").strip().lower()
    if not text:
        return default
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise SettingError(f"{name} must be true or false, got {text!r}")
