"""Server-side sessions: the cookie carries a random token, the database its hash.

Signing out deletes the row, so a copy of the cookie made before is refused too. A session
ends after an absolute lifetime and after an idle time; the last-seen time is written at most
once a minute (or a quarter of the idle time), so a busy student costs one read per request,
not a write.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from psycopg_pool import AsyncConnectionPool

_TOUCH_EVERY = timedelta(seconds=60)


def _hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


class SessionStore:
    def __init__(self, pool: AsyncConnectionPool[Any], max_age_s: int, idle_s: int) -> None:
        self._pool = pool
        self.max_age = timedelta(seconds=max_age_s)
        self.idle = timedelta(seconds=idle_s)
        self._touch_every = min(_TOUCH_EVERY, self.idle / 4)

    async def create(self, account_id: str, method: str) -> str:
        token = secrets.token_urlsafe(32)
        async with self._pool.connection() as conn:
            await conn.execute(
                "insert into quizflow_auth.sessions (token_hash, account_id, method)"
                " values (%s, %s, %s)",
                (_hash(token), account_id, method),
            )
        return token

    async def lookup(self, token: object) -> str | None:
        """The account a live session token belongs to; None when unknown, ended or expired."""
        if not isinstance(token, str) or not 20 <= len(token) <= 100:
            return None
        key = _hash(token)
        async with self._pool.connection() as conn:
            cursor = await conn.execute(
                "select account_id, now() - created_at, now() - last_seen_at"
                "  from quizflow_auth.sessions where token_hash = %s",
                (key,),
            )
            row = await cursor.fetchone()
            if row is None:
                return None
            account_id, age, idle = row
            if age > self.max_age or idle > self.idle:
                await conn.execute(
                    "delete from quizflow_auth.sessions where token_hash = %s", (key,)
                )
                return None
            if idle > self._touch_every:
                await conn.execute(
                    "update quizflow_auth.sessions set last_seen_at = now() where token_hash = %s",
                    (key,),
                )
            return str(account_id)

    async def end(self, token: object) -> None:
        if isinstance(token, str):
            async with self._pool.connection() as conn:
                await conn.execute(
                    "delete from quizflow_auth.sessions where token_hash = %s", (_hash(token),)
                )

    async def end_all(self, account_id: str) -> None:
        async with self._pool.connection() as conn:
            await conn.execute(
                "delete from quizflow_auth.sessions where account_id = %s", (account_id,)
            )
