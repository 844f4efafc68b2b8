"""Apply the numbered migrations once each, safely from several processes at once."""

from __future__ import annotations

from pathlib import Path

import psycopg

from quizflow.eventstore.migration_fold import adopt_pre_fold_history
from quizflow.eventstore.sqlfiles import MIGRATIONS_DIR, migrations

# Any constant works; it only has to be the same for every Quizflow process.
_MIGRATION_LOCK_KEY = 0x5155495A  # "QUIZ"


def migrate(url: str, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply pending migrations (those of ``directory``, Quizflow's own unless a test says
    otherwise); return the names applied now (empty when up to date)."""
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
            with conn.transaction():
                adopt_pre_fold_history(conn)
            done = {row[0] for row in conn.execute("select number from public.quizflow_migrations")}
            for number, name, sql in migrations(directory):
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
