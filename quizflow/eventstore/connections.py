"""Where the PostgreSQL store gets its connections: a psycopg pool, or one shared connection.

A store with at most one connection gets no pool: a pool of one is one connection behind a
lock, and psycopg already serialises the threads that share a connection. The pool's check-out
and check-in are a few dozen Python calls, run with cold caches between round trips, a cost
a single-threaded writer process pays on every append (bench/README.md has the figures).
"""

from __future__ import annotations

import select
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import psycopg
from psycopg.rows import tuple_row
from psycopg_pool import AsyncConnectionPool, ConnectionPool

Configure = Callable[[psycopg.Connection[Any]], None]


def connection_kwargs(*, pooled: bool = False) -> dict[str, Any]:
    """Autocommit connections returning tuples. ``pooled``: through a transaction-mode pooler
    (PgBouncer), where consecutive statements may run on different server connections, so
    psycopg must not prepare statements server-side (it does after 5 runs of one query, and the
    next server connection knows no such statement)."""
    kwargs: dict[str, Any] = {"autocommit": True, "row_factory": tuple_row}
    if pooled:
        kwargs["prepare_threshold"] = None
    return kwargs


def refuse_session_role(role: str | None, *, pooled: bool) -> None:
    """A role SET when a connection is made would stay with one server connection of the
    pooler and leak to whoever gets it next: a pooled URL must name the login itself."""
    if pooled and role:
        raise ValueError(
            f"cannot SET ROLE {role} on a pooled connection (a transaction-mode pooler shares "
            "server connections); give the pooled URL of the login role itself"
        )


class Connections(Protocol):
    def getconn(self) -> psycopg.Connection[Any]: ...

    def putconn(self, conn: psycopg.Connection[Any]) -> None: ...

    def connection(self) -> Any: ...

    def close(self) -> None: ...


def open_connections(url: str, configure: Configure, min_size: int, max_size: int) -> Connections:
    """Autocommit connections returning tuples, each configured once when made.

    The pool checks each connection as it hands it out (``check_connection``): after PostgreSQL
    restarts, or ends the backends, every pooled connection is dead, and without the check each
    would fail one caller before the pool noticed. A dead one is dropped and the next (or a new)
    connection handed out instead.
    """
    if max_size <= 1:
        return SharedConnection(url, configure)
    return ConnectionPool(
        url,
        min_size=min_size,
        max_size=max_size,
        kwargs={"autocommit": True, "row_factory": tuple_row},
        configure=configure,
        check=check_connection,
        open=True,
        name="quizflow-eventstore",
    )


def _has_news(fileno: int) -> bool:
    """Whether an idle connection's socket has something to read: an idle connection in
    autocommit is owed nothing, so it is the server's goodbye (PostgreSQL ended the backend or
    went down) or, rarely, a message worth a real check anyway."""
    try:
        return bool(select.select([fileno], [], [], 0)[0])
    except (OSError, ValueError):
        return True


def check_connection(conn: psycopg.Connection[Any]) -> None:
    """psycopg_pool's ``check_connection`` (an empty query), paid only when it can find
    something: a connection whose socket is quiet is handed out as it is. The empty query is a
    round trip on every check-out, a large share of a short statement's; looking at the socket
    is a system call (bench/README.md has the figures). What the look cannot see (a peer gone
    without a word, as in a network partition) fails its statement, and a command is retried
    once on another connection (quizflow.app.handler)."""
    if conn.closed or conn.broken or _has_news(conn.fileno()):
        ConnectionPool.check_connection(conn)


async def check_connection_async(conn: psycopg.AsyncConnection[Any]) -> None:
    """``check_connection`` for the asyncio pools."""
    if conn.closed or conn.broken or _has_news(conn.fileno()):
        await AsyncConnectionPool.check_connection(conn)


class SharedConnection:
    """One connection for every thread of the store, made on first use and made again when
    the server has dropped it."""

    def __init__(self, url: str, configure: Configure) -> None:
        self._url = url
        self._configure = configure
        self._conn: psycopg.Connection[Any] | None = None
        self._lock = threading.Lock()
        self._closed = False

    def getconn(self) -> psycopg.Connection[Any]:
        conn = self._conn
        if conn is not None and not conn.broken and not conn.closed:
            return conn
        with self._lock:
            if self._closed:
                raise psycopg.OperationalError("the event store is closed")
            if self._conn is None or self._conn.broken or self._conn.closed:
                fresh = psycopg.connect(self._url, autocommit=True, row_factory=tuple_row)
                self._configure(fresh)
                self._conn = fresh
            return self._conn

    def putconn(self, conn: psycopg.Connection[Any]) -> None:
        """Nothing to give back: the connection stays shared."""

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        yield self.getconn()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._conn is not None:
                self._conn.close()
                self._conn = None
