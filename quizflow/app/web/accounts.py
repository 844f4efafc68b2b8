"""The web app's side of accounts: the sign-in code's own database connections (the role that
may read credentials, which the event store's connections may not), sessions, throttled
sign-in and the per-student command limit."""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql
from psycopg_pool import AsyncConnectionPool, ConnectionPool

from quizflow.accounts.sessions import SessionStore
from quizflow.accounts.settings import AuthSettings
from quizflow.accounts.signin import Authenticator
from quizflow.app.readmodel import ReadModel
from quizflow.eventstore.connections import (
    check_connection,
    check_connection_async,
    connection_kwargs,
    refuse_session_role,
)

# The group role that owns the credentials tables (the sign-in login is a member of it).
ACCOUNTS_GROUP = "quizflow_accounts"
# How long a sign-in waits for the read model to show a just-created account.
_NEW_ACCOUNT_WAIT_S = 2.0


@dataclass
class CommandLimiter:
    """A token bucket per student: ``rate`` commands a second, bursts up to ``burst``. Per
    process: with N web processes a student gets at most N times the rate, still bounded."""

    rate: float
    burst: int
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)

    def take(self, student_id: str) -> float | None:
        """None when the command may run; else seconds until it may."""
        now = time.monotonic()
        tokens, then = self._buckets.get(student_id, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - then) * self.rate)
        if tokens < 1.0:
            self._buckets[student_id] = (tokens, now)
            return (1.0 - tokens) / self.rate
        self._buckets[student_id] = (tokens - 1.0, now)
        if len(self._buckets) > 100_000:  # students who stopped long ago hold full buckets
            self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 60}
        return None


class WebAccounts:
    """``pooled``: ``url`` reaches the sign-in login through a transaction-mode pooler
    (PgBouncer). Every statement here is an autocommit one, or in an explicit transaction
    (an activation), so none relies on the server connection it ran on."""

    def __init__(
        self,
        url: str,
        settings: AuthSettings,
        model: ReadModel,
        *,
        role: str | None = None,
        pool_size: int = 4,
        session_pool_size: int = 10,
        pooled: bool = False,
    ) -> None:
        self.settings = settings
        self._model = model
        refuse_session_role(role, pooled=pooled)

        def configure(conn: psycopg.Connection[Any]) -> None:
            if role:
                conn.execute(sql.SQL("set role {}").format(sql.Identifier(role)))

        async def configure_async(conn: psycopg.AsyncConnection[Any]) -> None:
            if role:
                await conn.execute(sql.SQL("set role {}").format(sql.Identifier(role)))

        kwargs = connection_kwargs(pooled=pooled)
        # Each connection is checked as it is handed out: after PostgreSQL dropped the pooled
        # connections (a restart), no request pays for a dead one.
        self.pool: ConnectionPool[Any] = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            kwargs=kwargs,
            configure=configure,
            check=check_connection,
            open=False,
            name="quizflow-signin",
        )
        # Every request looks its session up: as many connections as commands get.
        self._async_pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
            url,
            min_size=2,
            max_size=session_pool_size,
            kwargs=kwargs,
            configure=configure_async,
            check=check_connection_async,
            open=False,
            name="quizflow-sessions",
        )
        self.sessions = SessionStore(
            self._async_pool, settings.session_max_age_s, settings.session_idle_s
        )
        self.authenticator = Authenticator(self.pool, settings.password, self.is_active)
        self.limiter = CommandLimiter(settings.commands_per_second, settings.command_burst)
        # Sign-ins waiting for an Argon2 check wait here, on the event loop, not in worker
        # threads: blocked threads would hold the thread pool every view needs to read a
        # student's quizzes (a crowd signing in at the start of a lesson is 100 at once).
        self.checking = asyncio.Semaphore(max(1, os.cpu_count() or 1))

    def is_active(self, account_id: str) -> bool:
        account = self._model.account(account_id)
        if account is None:
            # Created a moment ago: the model may not have folded its events yet.
            self._model.wait_for(self._model.head(), _NEW_ACCOUNT_WAIT_S)
            account = self._model.account(account_id)
        return account is not None and account.active

    async def open(self) -> None:
        self.pool.open()
        await self._async_pool.open()

    async def close(self) -> None:
        await self._async_pool.close()
        self.pool.close()
