"""The PostgreSQL store the simulator writes to: a connection per worker."""

from __future__ import annotations

from quizflow.eventstore.postgres import PostgresEventStore


def open_simulation_store(url: str, workers: int) -> PostgresEventStore:
    """A store with a connection per worker, connected as ``url`` says (the web login:
    ``login_database_url("web")``, which also migrates).

    Its commits are synchronous like every other writer's. It once set
    ``synchronous_commit=off`` (about a quarter faster), but an asynchronous commit is visible
    to readers before it is durable: the pipeline or the read model can consume an event that a
    PostgreSQL crash then erases, and re-running the seed appends it again as a new fact after
    readers moved on. A log that readers consume incrementally must never lose what they read.
    """
    # One connection per worker, plus the roster and catalog reads.
    return PostgresEventStore(url, role=None, max_size=workers + 2)
