"""Usernames, password hashes, activation codes and single sign-on links: the mutable
``quizflow_auth`` tables that only the sign-in code's database role can read.

Functions take a connection in autocommit mode, or inside a transaction the caller holds.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import errors

# Crockford's base 32 without the letters people confuse (I, L, O, U): codes are read off paper.
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CODE_LENGTH = 10  # 50 bits: unguessable in the codes' lifetime under throttling


class UsernameTaken(ValueError):
    def __init__(self, username: str) -> None:
        super().__init__(f"the username {username!r} is taken; choose another")


@dataclass(frozen=True)
class Credential:
    account_id: str
    username: str
    password_hash: str | None
    disabled: bool


def fold(username: str) -> str:
    return username.strip().casefold()


def add(
    conn: psycopg.Connection[Any], account_id: str, username: str, password_hash: str | None = None
) -> None:
    try:
        conn.execute(
            "insert into quizflow_auth.credentials (account_id, username, password_hash)"
            " values (%s, %s, %s)",
            (account_id, fold(username), password_hash),
        )
    except errors.UniqueViolation:
        raise UsernameTaken(username) from None


def find(conn: psycopg.Connection[Any], username: str) -> Credential | None:
    row = conn.execute(
        "select account_id, username, password_hash, disabled from quizflow_auth.credentials"
        " where username = %s",
        (fold(username),),
    ).fetchone()
    return Credential(*row) if row else None


def of_account(conn: psycopg.Connection[Any], account_id: str) -> Credential | None:
    row = conn.execute(
        "select account_id, username, password_hash, disabled from quizflow_auth.credentials"
        " where account_id = %s",
        (account_id,),
    ).fetchone()
    return Credential(*row) if row else None


def usernames(conn: psycopg.Connection[Any], account_ids: list[str]) -> dict[str, str]:
    rows = conn.execute(
        "select account_id, username from quizflow_auth.credentials where account_id = any(%s)",
        (account_ids,),
    ).fetchall()
    return {account_id: username for account_id, username in rows}


def set_password_hash(
    conn: psycopg.Connection[Any], account_id: str, password_hash: str, *, end_sessions: bool = True
) -> None:
    """A new password; every session of the account ends (unless this is a silent rehash)."""
    conn.execute(
        "update quizflow_auth.credentials set password_hash = %s, updated_at = now()"
        " where account_id = %s",
        (password_hash, account_id),
    )
    if end_sessions:
        end_all_sessions(conn, account_id)


def set_disabled(conn: psycopg.Connection[Any], account_id: str, disabled: bool) -> None:
    conn.execute(
        "update quizflow_auth.credentials set disabled = %s, updated_at = now()"
        " where account_id = %s",
        (disabled, account_id),
    )
    if disabled:
        end_all_sessions(conn, account_id)


def end_all_sessions(conn: psycopg.Connection[Any], account_id: str) -> int:
    cursor = conn.execute("delete from quizflow_auth.sessions where account_id = %s", (account_id,))
    return cursor.rowcount


def new_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def _code_hash(code: str) -> bytes:
    # Typed codes may come in lower case, with spaces or without the dash.
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum())
    cleaned = cleaned.translate(str.maketrans("OIL", "011"))
    return hashlib.sha256(cleaned.encode()).digest()


def issue_code(conn: psycopg.Connection[Any], account_id: str, ttl_s: int) -> str:
    """A new one-time activation code; the account's earlier unused codes stop working."""
    code = new_code()
    with conn.transaction():
        conn.execute(
            "delete from quizflow_auth.activation_codes where account_id = %s and used_at is null",
            (account_id,),
        )
        conn.execute(
            "insert into quizflow_auth.activation_codes (code_hash, account_id, expires_at)"
            " values (%s, %s, now() + make_interval(secs => %s))",
            (_code_hash(code), account_id, ttl_s),
        )
    return code


def redeem_code(conn: psycopg.Connection[Any], account_id: str, code: str) -> bool:
    """Use the code up if it is this account's, unused and unexpired."""
    row = conn.execute(
        "update quizflow_auth.activation_codes set used_at = now()"
        " where code_hash = %s and account_id = %s and used_at is null and expires_at > now()"
        " returning 1",
        (_code_hash(code), account_id),
    ).fetchone()
    return row is not None


def link_sso(conn: psycopg.Connection[Any], issuer: str, subject: str, account_id: str) -> None:
    conn.execute(
        "insert into quizflow_auth.sso_links (issuer, subject, account_id) values (%s, %s, %s)"
        " on conflict (issuer, subject) do update set account_id = excluded.account_id,"
        " linked_at = now()",
        (issuer, subject, account_id),
    )


def sso_account(conn: psycopg.Connection[Any], issuer: str, subject: str) -> str | None:
    row = conn.execute(
        "select account_id from quizflow_auth.sso_links where issuer = %s and subject = %s",
        (issuer, subject),
    ).fetchone()
    return str(row[0]) if row else None
