"""Sign-in throttling, per account and per client address, kept in PostgreSQL so that every
web process sees the same counts.

Failures inside a window are counted; past a free allowance each failure blocks the key for a
delay that doubles, and many failures lock it out for a while. A blocked key is refused before
its password is checked, so guessing stays slow however fast the guesses come. The account key
is a hash of the username as typed (case-folded), whether or not such an account exists: the
answers never tell which accounts exist.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Any

import psycopg

WINDOW_S = 15 * 60  # failures older than this are forgotten


@dataclass(frozen=True)
class Rule:
    free: int  # failures allowed before delays start
    lockout_at: int  # failures that lock the key out
    lockout_s: int
    max_delay_s: int

    def block_s(self, failures: int) -> int:
        if failures >= self.lockout_at:
            return self.lockout_s
        if failures <= self.free:
            return 0
        return min(2 ** (failures - self.free - 1), self.max_delay_s)


ACCOUNT = Rule(free=4, lockout_at=10, lockout_s=15 * 60, max_delay_s=60)
# A class behind one school address mistypes too, so an address gets more room than an
# account; it still stops one client from guessing across many accounts.
ADDRESS = Rule(free=15, lockout_at=50, lockout_s=15 * 60, max_delay_s=60)


def account_key(username: str) -> str:
    digest = hashlib.sha256(username.strip().casefold().encode()).hexdigest()[:32]
    return f"account:{digest}"


def address_key(address: str) -> str:
    return f"address:{address}"


def retry_after(conn: psycopg.Connection[Any], keys: list[str]) -> int | None:
    """Seconds until every key may try again; None when none is blocked now."""
    row = conn.execute(
        "select extract(epoch from max(blocked_until) - now())"
        "  from quizflow_auth.throttle where key = any(%s) and blocked_until > now()",
        (keys,),
    ).fetchone()
    if row is None or row[0] is None:
        return None
    return max(1, math.ceil(float(row[0])))


def record_failure(conn: psycopg.Connection[Any], rules: dict[str, Rule]) -> None:
    for key, rule in rules.items():
        row = conn.execute(
            "insert into quizflow_auth.throttle as t (key, failures, last_failure_at)"
            " values (%s, 1, now())"
            " on conflict (key) do update set"
            "   failures = case when t.last_failure_at < now() - make_interval(secs => %s)"
            "                   then 1 else t.failures + 1 end,"
            "   last_failure_at = now()"
            " returning failures",
            (key, WINDOW_S),
        ).fetchone()
        failures = int(row[0]) if row else 1
        delay = rule.block_s(failures)
        if delay:
            conn.execute(
                "update quizflow_auth.throttle"
                "   set blocked_until = now() + make_interval(secs => %s) where key = %s",
                (delay, key),
            )


def forget(conn: psycopg.Connection[Any], key: str) -> None:
    conn.execute("delete from quizflow_auth.throttle where key = %s", (key,))
