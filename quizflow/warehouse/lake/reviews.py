"""Quarantine reviews on the lake: the quarantined events a person has looked at.

As in the DuckDB warehouse they are kept apart from the quarantine projection (which a rebuild
recreates), in a small table of their own, ``quarantine_reviews``, rewritten whole by each
review (``quizflow pipeline review-quarantine``) and read into every run's workbench, where the
quarantine check reads them.
"""

from __future__ import annotations

import duckdb
from pyiceberg.exceptions import CommitFailedException

from quizflow.warehouse.checks import review_quarantine
from quizflow.warehouse.lake.catalog import Lake, replace_all_rows
from quizflow.warehouse.lake.columns import COLUMNS_PROPERTY, columns_of, encode, stored_select
from quizflow.warehouse.lake.read import snapshot_select
from quizflow.warehouse.sqlfiles import schema_statements

REVIEWS = "quarantine_reviews"
QUARANTINE = "quarantine"
MAX_CONFLICTS = 20


def load_reviews(lake: Lake, con: duckdb.DuckDBPyConnection) -> None:
    """Fill ``con``'s ``quarantine_reviews`` table from the lake's."""
    table = lake.table(REVIEWS)
    snapshot = table.current_snapshot() if table is not None else None
    if table is not None and snapshot is not None:
        rows = snapshot_select(lake, con, table, snapshot.snapshot_id)
        con.execute(f"insert or replace into quarantine_reviews by name {rows}")


def review_quarantine_lake(lake: Lake, event_ids: list[str], note: str) -> int:
    """Mark these quarantined events (of the current quarantine table) reviewed; return how
    many of them were in quarantine."""
    for _ in range(MAX_CONFLICTS + 1):
        con = duckdb.connect()
        try:
            con.execute("set TimeZone = 'UTC'")
            for statement in schema_statements():
                con.execute(statement)
            quarantine = lake.table(QUARANTINE)
            snapshot = quarantine.current_snapshot() if quarantine is not None else None
            if quarantine is None or snapshot is None:
                return 0
            select = snapshot_select(lake, con, quarantine, snapshot.snapshot_id)
            con.execute(f"create or replace temp table quarantine as {select}")
            load_reviews(lake, con)
            done = review_quarantine(con, event_ids, note)
            if not done:
                return 0
            query = "select * from quarantine_reviews order by event_id"
            columns = columns_of(con, query)
            rows = con.sql(stored_select(query, columns)).to_arrow_table()
            table = lake.table(REVIEWS) or lake.create_table(REVIEWS, rows.schema)
            written = {COLUMNS_PROPERTY: encode(columns)}
            txn = replace_all_rows(table, rows, written)
            txn.set_properties(written)
            try:
                txn.commit_transaction()
            except CommitFailedException:
                continue  # another review landed first: review again on top of it
            return done
        finally:
            con.close()
    raise CommitFailedException(f"could not record the reviews after {MAX_CONFLICTS} conflicts")
