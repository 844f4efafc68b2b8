"""Who is asking: a sign-in against the roster, a signed session, and a CSRF token for forms.

The session is a cookie signed with the server's secret (Starlette's SessionMiddleware), so a
client can read it but not change it; a forged or tampered cookie reads as no session at all.
The acting user is only ever taken from the session, never from a form field or a JSON body.
"""

from __future__ import annotations

import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from quizflow.app.readmodel import ReadModel
from quizflow.eventstore import Cursor

Role = Literal["student", "teacher"]

_USER = "user_id"
_ROLE = "role"
_CSRF = "csrf"
_SEEN = "seen"  # the cursor of this session's last command, for read-your-writes


@dataclass(frozen=True)
class Identity:
    user_id: str
    role: Role
    name: str


def session_secret(home: Path) -> str:
    """QUIZFLOW_SECRET, else a random secret kept in $QUIZFLOW_HOME/secret (sessions survive
    restarts; deleting the file signs everyone out)."""
    configured = os.environ.get("QUIZFLOW_SECRET")
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


def identify(model: ReadModel, user_id: str) -> Identity | None:
    """The roster's student or teacher with this id (students first), or None."""
    student = model.student(user_id)
    if student is not None:
        return Identity(student.student_id, "student", student.name)
    teacher = model.teacher(user_id)
    if teacher is not None:
        return Identity(teacher.teacher_id, "teacher", teacher.name)
    return None


def sign_in(session: dict[str, Any], identity: Identity) -> None:
    # A fresh session on sign-in: nothing from before (a planted CSRF token) carries over.
    session.clear()
    session[_USER] = identity.user_id
    session[_ROLE] = identity.role
    session[_CSRF] = secrets.token_urlsafe(16)


def sign_out(session: dict[str, Any]) -> None:
    session.clear()


def current_identity(session: dict[str, Any], model: ReadModel) -> Identity | None:
    """The signed-in user, if the session names one the roster (still) knows in that role."""
    user_id, role = session.get(_USER), session.get(_ROLE)
    if not isinstance(user_id, str):
        return None
    identity = identify(model, user_id)
    if identity is None or identity.role != role:
        return None
    return identity


def csrf_token(session: dict[str, Any]) -> str:
    token = session.get(_CSRF)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(16)
        session[_CSRF] = token
    return token


def csrf_ok(session: dict[str, Any], submitted: object) -> bool:
    token = session.get(_CSRF)
    return (isinstance(token, str) and isinstance(submitted, str)
            and hmac.compare_digest(token.encode(), submitted.encode()))


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
