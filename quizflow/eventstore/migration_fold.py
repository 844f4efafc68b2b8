"""The migrations before the fold, and how a database migrated with them is brought in line.

Until there were deployments, the migrations redefined the append functions several times;
they were then folded into one migration per database object. The folded set builds exactly
the database the old set left (tests/integration/test_migration_fold.py compares the two), so a
developer's database that went through all of the old set is up to date: its records are moved
aside and the folded set's are written in their place, applying nothing.
"""

from __future__ import annotations

import psycopg

PRE_FOLD_NAMES = (
    "0001_schema",
    "0002_events_table",
    "0003_events_global_order_index",
    "0004_events_immutable_trigger",
    "0005_append_function",
    "0006_roles",
    "0007_append_function_fast_path",
    "0008_append_function_sql",
    "0009_append_event_function",
    "0010_events_key_tx_position",
    "0011_accounts_schema",
    "0012_append_refuses_unusable_events",
    "0013_privacy_keys",
    "0014_pseudonyms",
    "0015_email_address_event",
    "0016_unreadable_answer_event",
    "0017_events_but_quiz_events_index",
    "0018_school_time_zone_event",
)

FOLDED_NAMES = (
    "0001_roles",
    "0002_schema",
    "0003_events_table",
    "0004_events_but_quiz_events_index",
    "0005_events_immutable_trigger",
    "0006_event_types_table",
    "0007_refuse_unusable_event_function",
    "0008_append_events_function",
    "0009_append_event_function",
    "0010_event_store_privileges",
    "0011_accounts_schema",
    "0012_privacy_keys",
    "0013_pseudonym_pads",
    "0014_privacy_privileges",
)


class PartlyMigratedBeforeFoldError(RuntimeError):
    """The database went through only part of the old migrations, which the folded set cannot
    complete (it builds the end state, not the steps)."""


def adopt_pre_fold_history(conn: psycopg.Connection) -> bool:
    """Within the caller's transaction: when the database's migrations 1..18 are the old set,
    keep their records in ``quizflow_migrations_before_fold`` and record the folded set in
    their place. True when it did."""
    recorded: dict[int, str] = dict(
        conn.execute(
            "select number, name from public.quizflow_migrations where number <= %s",
            (len(PRE_FOLD_NAMES),),
        ).fetchall()
    )
    # Every database the old set touched has its first migration; the folded set's first has
    # another name.
    if recorded.get(1) != PRE_FOLD_NAMES[0]:
        return False
    expected = {number: name for number, name in enumerate(PRE_FOLD_NAMES, start=1)}
    if recorded != expected:
        missing = [name for number, name in expected.items() if recorded.get(number) != name]
        raise PartlyMigratedBeforeFoldError(
            "this database was migrated by an older Quizflow, before the migrations were folded,"
            f" and misses {', '.join(missing)}: migrate it with a checkout from before the fold"
            " first, or start from an empty database (docs/migrations.md)"
        )
    conn.execute(
        "create table public.quizflow_migrations_before_fold ("
        " number int primary key, name text not null, applied_at timestamptz not null,"
        " folded_at timestamptz not null default now())"
    )
    conn.execute(
        "insert into public.quizflow_migrations_before_fold (number, name, applied_at)"
        " select number, name, applied_at from public.quizflow_migrations where number <= %s",
        (len(PRE_FOLD_NAMES),),
    )
    # The folded set reached its end state when the old set did.
    (reached,) = conn.execute(
        "select max(applied_at) from public.quizflow_migrations where number <= %s",
        (len(PRE_FOLD_NAMES),),
    ).fetchone() or (None,)
    conn.execute(
        "delete from public.quizflow_migrations where number <= %s", (len(PRE_FOLD_NAMES),)
    )
    with conn.cursor() as cursor:
        cursor.executemany(
            "insert into public.quizflow_migrations (number, name, applied_at) values (%s, %s, %s)",
            [(number, name, reached) for number, name in enumerate(FOLDED_NAMES, start=1)],
        )
    return True
