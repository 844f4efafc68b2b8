"""Creating and dropping databases on a server (tests, benchmarks, `quizflow db`)."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql


def with_database(url: str, dbname: str) -> str:
    """The same server URL pointing at another database."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + dbname))


def create_database(url: str, dbname: str, template: str | None = None) -> str:
    """Create a database on the server of ``url``; return its URL."""
    with psycopg.connect(url, autocommit=True) as conn:
        statement = sql.SQL("create database {}").format(sql.Identifier(dbname))
        if template:
            statement = sql.SQL("{} template {}").format(statement, sql.Identifier(template))
        conn.execute(statement)
    return with_database(url, dbname)


def drop_database(url: str, dbname: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(dbname))
        )
