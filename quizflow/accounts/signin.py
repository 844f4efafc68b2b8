"""Signing in with a password or an activation code: the checks, in an order that leaks
nothing (throttled before the password is looked at; unknown usernames cost the same hash).

Blocking (Argon2 is deliberately slow): the web app runs these in its thread pool.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from quizflow.accounts import credentials, passwords, throttle
from quizflow.accounts.passwords import PasswordPolicy

# Whether an account may sign in now (exists in the roster's events and is active).
IsActive = Callable[[str], bool]


@dataclass(frozen=True)
class SignInResult:
    account_id: str | None = None
    retry_after: int | None = None  # set when throttled
    problem: str | None = None  # a sentence for the person signing in

    @property
    def ok(self) -> bool:
        return self.account_id is not None


WRONG = "wrong username or password"
WRONG_CODE = "wrong username or activation code, or the code has expired or was used"


class Authenticator:
    def __init__(
        self, pool: ConnectionPool[Any], policy: PasswordPolicy, is_active: IsActive
    ) -> None:
        self._pool = pool
        self.policy = policy
        self._is_active = is_active

    def sign_in(self, username: str, password: str, address: str) -> SignInResult:
        keys = _keys(username, address)
        with self._pool.connection() as conn:
            if (throttled := _throttled(conn, keys)) is not None:
                return throttled
            found = credentials.find(conn, username)
        # The check is slow on purpose: no connection is held meanwhile (the pool is small,
        # and sign-ins waiting for a connection behind others' checks timed out under load).
        usable = found is not None and not found.disabled
        matches, rehash = passwords.verify(
            found.password_hash if usable and found else None, password
        )
        with self._pool.connection() as conn:
            if not matches or found is None:
                throttle.record_failure(conn, keys)
                return SignInResult(problem=WRONG)
            throttle.forget(conn, throttle.account_key(username))
            if rehash:
                credentials.set_password_hash(conn, found.account_id, rehash, end_sessions=False)
        if not self._is_active(found.account_id):
            return SignInResult(problem="this account is not active; ask your school")
        return SignInResult(account_id=found.account_id)

    def activate(self, username: str, code: str, new_password: str, address: str) -> SignInResult:
        """Sign in once with an activation code and choose a password (raises
        ``PasswordRejected`` before the code is used up if the password is refused)."""
        keys = _keys(username, address)
        with self._pool.connection() as conn:
            if (throttled := _throttled(conn, keys)) is not None:
                return throttled
            self.policy.check(new_password, username)
            found = credentials.find(conn, username)
        # Hashed before the transaction, with no connection held; a wrong code costs the same.
        new_hash = passwords.hash_password(new_password)
        with self._pool.connection() as conn:
            with conn.transaction():
                redeemed = (
                    found is not None
                    and not found.disabled
                    and credentials.redeem_code(conn, found.account_id, code)
                )
                if redeemed and found is not None:
                    credentials.set_password_hash(conn, found.account_id, new_hash)
            if not redeemed or found is None:
                throttle.record_failure(conn, keys)
                return SignInResult(problem=WRONG_CODE)
            throttle.forget(conn, throttle.account_key(username))
        if not self._is_active(found.account_id):
            return SignInResult(problem="this account is not active; ask your school")
        return SignInResult(account_id=found.account_id)

    def sso_account(self, issuer: str, subject: str) -> str | None:
        with self._pool.connection() as conn:
            account_id = credentials.sso_account(conn, issuer, subject)
            if account_id is None:
                return None
            found = credentials.of_account(conn, account_id)
        if found is None or found.disabled or not self._is_active(account_id):
            return None
        return account_id


def _keys(username: str, address: str) -> dict[str, throttle.Rule]:
    return {
        throttle.account_key(username): throttle.ACCOUNT,
        throttle.address_key(address): throttle.ADDRESS,
    }


def _throttled(
    conn: psycopg.Connection[Any], keys: dict[str, throttle.Rule]
) -> SignInResult | None:
    """The refusal while any key is blocked (checked before any password or code)."""
    wait = throttle.retry_after(conn, list(keys))
    if wait is None:
        return None
    return SignInResult(retry_after=wait, problem="too many attempts; try again later")
