"""Apply the numbered migrations once each, safely from several processes at once."""

from __future__ import annotations

import psycopg

from quizflow.eventstore.sqlfiles import migrations

# Any constant works; it only has to be the same for every Quizflow process.
_MIGRATION_LOCK_KEY = 0x5155495A  # "QUIZ"


def migrate(url: str) -> list[str]:
    """Apply pending migrations; return the names applied now (empty when up to date)."""
    applied_now: list[str] = []
    with psycopg.connect(url, autocommit=True) as conn:
        # The advisory lock makes a second process wait, then find everything applied.
        conn.execute("select pg_advisory_lock(%s)", (_MIGRATION_LOCK_KEY,))
        try:
            conn.execute(
                "create table if not exists public.quizflow_migrations ("
                " number int primary key, name text not null,"
                " applied_at timestamptz not null default now())"
            )
            done = {row[0] for row in conn.execute("select number from public.quizflow_migrations")}
            for number, name, sql in migrations():
                if number in done:
                    continue
                with conn.transaction():
                    conn.execute(sql.encode())
                    conn.execute(
                        "insert into public.quizflow_migrations (number, name) values (%s, %s)",
                        (number, name),
                    )
                applied_now.append(name)
        finally:
            conn.execute("select pg_advisory_unlock(%s)", (_MIGRATION_LOCK_KEY,))
    return applied_now
