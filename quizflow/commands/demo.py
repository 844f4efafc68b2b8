"""`quizflow demo`: the whole system on this machine, in one command."""

from __future__ import annotations

from quizflow.commands.output import err


def command() -> None:
    """Start the store, append and read back a few events, and say what happened."""
    from quizflow.database import database_url
    from quizflow.eventstore import ANY, NewEvent
    from quizflow.eventstore.migrate import migrate
    from quizflow.eventstore.postgres import PostgresEventStore

    url = database_url()
    err.print(f"PostgreSQL: {url}")
    applied = migrate(url)
    err.print(f"schema: {'applied ' + ', '.join(applied) if applied else 'up to date'}")
    with PostgresEventStore(url) as store:
        stored = store.append("demo-hello", ANY, [NewEvent("demo/Greeted", {"who": "world"})])
        err.print(
            f"appended {stored[0].type} at version {stored[0].version}, cursor {stored[0].cursor}"
        )
        err.print(f"the stream now holds {len(store.read_stream('demo-hello'))} events")
