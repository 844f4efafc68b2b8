"""Passwords: what is accepted (length and a list of common passwords, no composition rules, as
OWASP ASVS 2.1 asks) and how they are kept (Argon2id, rehashed when the parameters change)."""

from __future__ import annotations

import contextlib
import os
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MAX_LENGTH = 256  # long passphrases are welcome; this only bounds the work one request causes

# argon2-cffi's defaults are RFC 9106's low-memory profile (Argon2id, 64 MiB, 3 passes).
_hasher = PasswordHasher()
# Verified against when the username is unknown, so that such an answer takes as long as a
# wrong password and does not tell which accounts exist.
_DUMMY = _hasher.hash("not a password anyone has: the account does not exist")


class PasswordRejected(ValueError):
    """A new password that the policy refuses; the message says why, for the person choosing."""


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int = 12

    def check(self, password: str, username: str | None = None) -> None:
        if len(password) < self.min_length:
            raise PasswordRejected(
                f"choose a password of at least {self.min_length} characters (a few words "
                "you can remember work well)"
            )
        if len(password) > MAX_LENGTH:
            raise PasswordRejected(f"passwords are limited to {MAX_LENGTH} characters")
        if is_common(password) or (username and password.casefold() == username.casefold()):
            raise PasswordRejected("that password is one attackers try first; choose another")


@cache
def _common() -> frozenset[str]:
    text = (Path(__file__).with_name("common_passwords.txt")).read_text()
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def is_common(password: str) -> bool:
    folded = password.casefold().strip()
    # "Password2024!" is "password" with a suffix attackers also try.
    stem = folded.rstrip("0123456789!?.@#$%&*_-+= ")
    return folded in _common() or (bool(stem) and stem in _common())


# Argon2 is CPU- and memory-bound: more checks at once than cores only makes every one of
# them slower (a crowd signing in at the start of a lesson finished all together, late, some
# after clients gave up). Beyond this many, the rest queue, and the first finish first.
_AT_ONCE = threading.BoundedSemaphore(max(1, os.cpu_count() or 1))


def hash_password(password: str) -> str:
    with _AT_ONCE:
        return _hasher.hash(password)


def verify(stored_hash: str | None, password: str) -> tuple[bool, str | None]:
    """(matches, a new hash to store when the parameters changed since ``stored_hash``)."""
    with _AT_ONCE:
        if stored_hash is None:
            _burn(password)
            return False, None
        try:
            _hasher.verify(stored_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False, None
        if _hasher.check_needs_rehash(stored_hash):
            return True, _hasher.hash(password)
        return True, None


def _burn(password: str) -> None:
    with contextlib.suppress(VerificationError):
        _hasher.verify(_DUMMY, password)
