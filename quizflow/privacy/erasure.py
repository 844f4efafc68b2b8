"""Erasing a person (GDPR article 17) from an append-only log, by crypto-shredding.

The log is never changed. The person's key is destroyed, so every sealed name of theirs, in
every copy of the log, can no longer be opened; an ``accounts/PersonErased`` event (without
the name) tells every reader to show "erased student" from then on. Their credentials go, and
reports already written are redacted. Answers, timings and statistics stay.

The order matters: the name is read before its key goes (to redact the reports), and the
event is appended before the key is destroyed (a crash in between leaves a person marked
erased whose key still exists, and running the erasure again finishes it).
"""

from __future__ import annotations

import contextlib
import html
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from quizflow.accounts.admin import append, events_of_types
from quizflow.eventstore import EventStore
from quizflow.privacy.keys import names_of
from quizflow.privacy.sealing import ERASED
from quizflow.quiz import PayloadError, PersonErased, from_payload

# Tables whose dead rows could still hold a destroyed key or a username: rewritten after an
# erasure so that nothing of them lingers in the database's files. The key table by the
# names role (or the owner), the credentials by the sign-in role, whose group owns them.
_KEY_TABLES = ("quizflow_privacy.subject_keys",)
_CREDENTIAL_TABLES = (
    "quizflow_auth.credentials",
    "quizflow_auth.activation_codes",
    "quizflow_auth.sessions",
    "quizflow_auth.sso_links",
)
_PERSON_TYPES = (
    "accounts/AccountCreated",
    "roster/StudentEnrolled",
    "roster/StudentRenamed",
    "roster/ClassRegistered",
    "accounts/PersonErased",
)


class ErasureError(ValueError):
    """An erasure that cannot be done as asked; the message says why."""


@dataclass
class Erasure:
    person_id: str
    already_erased: bool = False
    event_appended: bool = False
    key_destroyed: bool = False
    credentials_deleted: int = 0
    reports_redacted: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "student": self.person_id,
            "already_erased": self.already_erased,
            "event_appended": self.event_appended,
            "key_destroyed": self.key_destroyed,
            "credentials_deleted": self.credentials_deleted,
            "reports_redacted": self.reports_redacted,
        }


def known_names(store: EventStore, person_id: str) -> tuple[bool, bool, set[str]]:
    """(the person exists, they are erased already, every name of theirs the key opens)."""
    names = names_of(store)
    exists = erased = False
    found: set[str] = set()
    for recorded in events_of_types(store, _PERSON_TYPES):
        data = recorded.data
        subject = data.get("account_id") or data.get("student_id")
        is_teacher = data.get("teacher_id") == person_id
        if subject != person_id and not is_teacher:
            continue
        try:
            event = from_payload(recorded.type, data)
        except PayloadError:
            continue
        if isinstance(event, PersonErased):
            erased = True
            continue
        exists = True
        value = getattr(event, "teacher_name" if is_teacher else "name", None)
        opened = names.reveal(value, person_id) if value is not None else None
        if opened and opened != ERASED:
            found.add(opened)
    return exists, erased, found


def erase(
    store: EventStore,
    keys_url: str,
    signin_url: str,
    person_id: str,
    reports_dir: Path,
    actor: str = "admin",
) -> Erasure:
    """Erase a student (or any person with an account) for good. ``keys_url`` connects as a
    role that may delete keys and rewrite the key table: the owner, or on PostgreSQL 17 and
    later the web login (the names role holds MAINTAIN there)."""
    exists, erased, names = known_names(store, person_id)
    if not exists:
        raise ErasureError(f"there is no student or account {person_id!r}")
    result = Erasure(person_id, already_erased=erased)
    if not erased:
        append(store, [PersonErased(person_id)], actor)
        result.event_appended = True
    with psycopg.connect(signin_url, autocommit=True) as conn:
        result.credentials_deleted = conn.execute(
            "delete from quizflow_auth.credentials where account_id = %s", (person_id,)
        ).rowcount
        _rewrite(conn, _CREDENTIAL_TABLES)
    with psycopg.connect(keys_url, autocommit=True) as conn:
        result.key_destroyed = (
            conn.execute(
                "delete from quizflow_privacy.subject_keys where subject_id = %s", (person_id,)
            ).rowcount
            > 0
        )
        _rewrite(conn, _KEY_TABLES)
    keys = names_of(store).keys
    if keys is not None:
        keys.forget(person_id)
    result.reports_redacted = [str(p) for p in redact_reports(reports_dir, names)]
    return result


def _rewrite(conn: psycopg.Connection[Any], tables: tuple[str, ...]) -> None:
    # A deleted row stays in its page until vacuumed, and plain VACUUM leaves its bytes in the
    # page; VACUUM FULL writes the table anew and drops the old file.
    for table in tables:
        conn.execute(f"vacuum full {table}")
    # So that recovery never needs the old files again; without the privilege, the next
    # scheduled checkpoint does it.
    with contextlib.suppress(psycopg.errors.InsufficientPrivilege):
        conn.execute("checkpoint")


def _spellings(name: str) -> list[str]:
    """How a name can stand in an HTML report: as is, HTML-escaped, and JSON-escaped."""
    quoted = json.dumps(name)[1:-1]
    return sorted(
        {name, html.escape(name), html.escape(name, quote=False), quoted, html.escape(quoted)},
        key=len,
        reverse=True,
    )


def redact_reports(reports_dir: Path, names: set[str]) -> Iterator[Path]:
    """Replace the names in every report file under ``reports_dir``; yields those changed."""
    if not names or not reports_dir.is_dir():
        return
    spellings = [s for name in names for s in _spellings(name)]
    for path in sorted(reports_dir.rglob("*")):
        if not path.is_file() or path.suffix not in (".html", ".json", ".csv", ".txt"):
            continue
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        redacted = text
        for spelling in spellings:
            redacted = redacted.replace(spelling, ERASED)
        if redacted != text:
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            tmp.write_text(redacted, encoding="utf-8", errors="surrogateescape")
            os.replace(tmp, path)
            yield path
