"""The PostgreSQL store the simulator writes to, tuned for bulk synthetic traffic."""

from __future__ import annotations

from psycopg.conninfo import conninfo_to_dict, make_conninfo

from quizflow.eventstore.postgres import PostgresEventStore


def open_simulation_store(url: str, workers: int) -> PostgresEventStore:
    """A store with a connection per worker, committing without waiting for fsync, connected
    as ``url`` says (the web login: ``login_database_url("web")``, which also migrates).

    synchronous_commit=off on these connections only: a crash can lose the last fraction of a
    second of commits, never corrupt anything, and the events lost are synthetic ones that
    re-running the same seed appends again exactly (measured: about a quarter less time).
    """
    options = conninfo_to_dict(url).get("options") or ""
    tuned = make_conninfo(url, options=f"{options} -c synchronous_commit=off".strip())
    # One connection per worker, plus the roster and catalog reads.
    return PostgresEventStore(tuned, role=None, max_size=workers + 2)
