"""Who is asking: the session cookie, the account it names, and a CSRF token for forms.

The cookie is signed with the server's secret (Starlette's SessionMiddleware), so a client can
read it but not change it; a forged or tampered cookie reads as no session at all. It carries a
random session token whose hash the server keeps (``quizflow.accounts.sessions``): signing out
deletes that row, so a copy of the cookie is refused as well. The acting user is only ever
taken from the session, never from a form field or a JSON body.
"""

from __future__ import annotations

import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field

from quizflow.app.readmodel import ReadModel
from quizflow.env_settings import EnvironmentSettings, read_environment
from quizflow.eventstore import Cursor

_TOKEN = "sid"
_CSRF = "csrf"
_SEEN = "seen"  # the cursor of this session's last command, for read-your-writes
# The page a person with several roles lands on first.
_HOME_ORDER = ("student", "teacher", "admin", "editor")


@dataclass(frozen=True)
class Identity:
    user_id: str
    name: str
    roles: frozenset[str]
    school_id: str = ""

    @property
    def role(self) -> str:
        """The main role (the first of student, teacher, admin, editor it holds)."""
        return next((r for r in _HOME_ORDER if r in self.roles), "")

    def has(self, role: str) -> bool:
        return role in self.roles


class _SecretEnvironment(EnvironmentSettings):
    secret: str | None = Field(None, validation_alias="QUIZFLOW_SECRET")


def session_secret(home: Path) -> str:
    """QUIZFLOW_SECRET, else a random secret kept in $QUIZFLOW_HOME/secret (sessions survive
    restarts; deleting the file signs everyone out)."""
    configured = read_environment(_SecretEnvironment).secret
    if configured:
        return configured
    path = home / "secret"
    try:
        return path.read_text().strip() or _write_secret(path)
    except FileNotFoundError:
        return _write_secret(path)


def _write_secret(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(32)
    # Created 0600 in one step: the secret is never readable by others, not even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(secret + "\n")
    return secret


def identity_of(model: ReadModel, account_id: str) -> Identity | None:
    """The active account's identity, or None (unknown, or deactivated)."""
    account = model.account(account_id)
    if account is None or not account.active:
        return None
    name = account.name
    if "student" in account.roles:
        student = model.student(account_id)
        name = student.name if student else name
    return Identity(account.account_id, name, account.roles, account.school_id)


def sign_in(session: dict[str, Any], token: str) -> None:
    # A fresh session on sign-in: nothing from before (a planted CSRF token) carries over.
    session.clear()
    session[_TOKEN] = token
    session[_CSRF] = secrets.token_urlsafe(16)


def session_token(session: dict[str, Any]) -> str | None:
    token = session.get(_TOKEN)
    return token if isinstance(token, str) else None


def sign_out(session: dict[str, Any]) -> None:
    session.clear()


def csrf_token(session: dict[str, Any]) -> str:
    token = session.get(_CSRF)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(16)
        session[_CSRF] = token
    return token


def csrf_ok(session: dict[str, Any], submitted: object) -> bool:
    token = session.get(_CSRF)
    return (
        isinstance(token, str)
        and isinstance(submitted, str)
        and hmac.compare_digest(token.encode(), submitted.encode())
    )


def remember_cursor(session: dict[str, Any], cursor: Cursor | None) -> None:
    if cursor is None:
        return
    seen = seen_cursor(session)
    if seen is None or cursor > seen:
        session[_SEEN] = str(cursor)


def seen_cursor(session: dict[str, Any]) -> Cursor | None:
    text = session.get(_SEEN)
    if not isinstance(text, str):
        return None
    try:
        return Cursor.parse(text)
    except ValueError:
        return None
