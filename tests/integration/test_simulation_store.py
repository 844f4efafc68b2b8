"""The simulator's store commits durably, like every writer: readers consume what it appends."""

from __future__ import annotations

import psycopg

from quizflow.simulate.store import open_simulation_store


def test_the_simulation_store_commits_synchronously(pg_url: str) -> None:
    store = open_simulation_store(pg_url, workers=2)
    try:
        # The store's connections are made from its URL: an option there would apply to all.
        with psycopg.connect(store.url) as conn:
            row = conn.execute("show synchronous_commit").fetchone()
        assert row == ("on",)
    finally:
        store.close()
