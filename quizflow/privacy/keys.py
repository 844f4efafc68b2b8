"""The key store: one AES-256 key per person in ``quizflow_privacy.subject_keys``.

Keys are made on first use and cached in memory (a destroyed key is dropped from the cache by
``destroy``; other processes learn of an erasure from its event, after which they no longer
ask for the key).
"""

from __future__ import annotations

import dataclasses
import os
import threading
import uuid
import weakref
from typing import Any

import psycopg
from psycopg.rows import tuple_row

from quizflow.privacy.sealing import reveal, seal
from quizflow.quiz import (
    AccountCreated,
    ClassRegistered,
    EmailAddressChanged,
    Event,
    PersonalText,
    Sealed,
    StudentEnrolled,
    StudentRenamed,
)


class KeyStore:
    """Keys over a connection URL (a role in quizflow_names); safe to share between threads."""

    def __init__(self, url: str, role: str | None = None) -> None:
        self._url = url
        self._role = role
        self._conn: psycopg.Connection[Any] | None = None
        self._lock = threading.Lock()
        self._by_id: dict[str, bytes] = {}
        self._by_subject: dict[str, tuple[str, bytes]] = {}

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._conn = psycopg.connect(self._url, autocommit=True, row_factory=tuple_row)
            if self._role:
                self._conn.execute(
                    psycopg.sql.SQL("set role {}").format(psycopg.sql.Identifier(self._role))
                )
        return self._conn

    def key_for(self, subject_id: str) -> tuple[str, bytes]:
        """The subject's (key id, key), made now if the subject has none."""
        with self._lock:
            found = self._by_subject.get(subject_id)
            if found is not None:
                return found
            conn = self._connection()
            row = conn.execute(
                "insert into quizflow_privacy.subject_keys (subject_id, key_id, key)"
                " values (%s, %s, %s) on conflict (subject_id) do nothing returning key_id, key",
                (subject_id, uuid.uuid4(), os.urandom(32)),
            ).fetchone()
            if row is None:
                row = conn.execute(
                    "select key_id, key from quizflow_privacy.subject_keys where subject_id = %s",
                    (subject_id,),
                ).fetchone()
            if row is None:
                raise KeyError(f"no key for {subject_id!r}")
            found = (str(row[0]), bytes(row[1]))
            self._by_subject[subject_id] = found
            self._by_id[found[0]] = found[1]
            return found

    def lookup(self, key_id: str) -> bytes | None:
        with self._lock:
            if key_id in self._by_id:
                return self._by_id[key_id]
            try:
                key_uuid = uuid.UUID(key_id)
            except ValueError:
                return None
            row = (
                self._connection()
                .execute(
                    "select key from quizflow_privacy.subject_keys where key_id = %s", (key_uuid,)
                )
                .fetchone()
            )
            if row is None:
                return None
            self._by_id[key_id] = bytes(row[0])
            return self._by_id[key_id]

    def seal(self, text: str, subject_id: str) -> Sealed:
        key_id, key = self.key_for(subject_id)
        return seal(text, subject_id, key_id, key)

    def secret(self, name: str) -> bytes:
        """One of the privacy code's own random secrets (made by the migration)."""
        with self._lock:
            row = (
                self._connection()
                .execute("select value from quizflow_privacy.secrets where name = %s", (name,))
                .fetchone()
            )
        if row is None:
            raise KeyError(f"no secret {name!r}")
        return bytes(row[0])

    def forget(self, subject_id: str) -> None:
        """Drop a subject's key from this process's cache (after an erasure)."""
        with self._lock:
            found = self._by_subject.pop(subject_id, None)
            if found is not None:
                self._by_id.pop(found[0], None)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


class Names:
    """Sealing and opening the personal text of one store's events. Over PostgreSQL it uses
    the store's own connection settings (the writer role may read and make keys); over the
    in-memory store (unit tests) names stay plain text."""

    def __init__(self, keys: KeyStore | None) -> None:
        self.keys = keys

    def seal(self, text: str, subject_id: str) -> PersonalText:
        return text if self.keys is None else self.keys.seal(text, subject_id)

    def secret(self, name: str) -> bytes:
        return b"" if self.keys is None else self.keys.secret(name)

    def seal_fact(self, fact: Event) -> Event:
        """The event with its personal text sealed (text sealed already stays as it is)."""
        match fact:
            case StudentEnrolled() | StudentRenamed() if isinstance(fact.name, str):
                return dataclasses.replace(fact, name=self.seal(fact.name, fact.student_id))
            case AccountCreated() if isinstance(fact.name, str):
                return dataclasses.replace(fact, name=self.seal(fact.name, fact.account_id))
            case EmailAddressChanged() if isinstance(fact.email, str):
                return dataclasses.replace(fact, email=self.seal(fact.email, fact.account_id))
            case ClassRegistered() if fact.teacher_id and isinstance(fact.teacher_name, str):
                return dataclasses.replace(
                    fact, teacher_name=self.seal(fact.teacher_name, fact.teacher_id)
                )
        return fact

    def reveal(self, value: PersonalText, subject_id: str) -> str | None:
        if isinstance(value, str) or self.keys is None:
            return value if isinstance(value, str) else None
        return reveal(value, subject_id, self.keys.lookup)


_NAMES: weakref.WeakKeyDictionary[Any, Names] = weakref.WeakKeyDictionary()
_NAMES_LOCK = threading.Lock()


def names_of(store: Any) -> Names:
    """The ``Names`` of an event store (one per store, made on first use)."""
    with _NAMES_LOCK:
        found = _NAMES.get(store)
        if found is None:
            url = getattr(store, "url", None)
            found = Names(KeyStore(url, getattr(store, "role", None)) if url else None)
            _NAMES[store] = found
        return found
