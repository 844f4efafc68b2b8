"""Which events the data-quality checks look at: the recent ones each run, all now and then.

Checking every event on every run costs what the history holds: at millions of events the
reconciliation alone re-counts the whole log in PostgreSQL and in DuckDB. What the blocking
checks guard against happens at the recent end of the log: commits a crash erased just after
the warehouse read them, an ingest chunk stored twice, a partition rewritten twice. So each run
checks the last ``recent_check_events`` positions (covering several runs back, so events a
previous run published are looked at again), and every ``full_check_seconds`` one run checks
all of them; a full check that passes is recorded in ``check_state``. The first run, a
warehouse without that record, and ``quizflow pipeline run --full-checks`` check everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import duckdb

from quizflow.warehouse.duck import first_row
from quizflow.warehouse.ingest import read_cursor

ALL = -1  # a position before every event


@dataclass(frozen=True)
class CheckScope:
    since: int  # the checks look at the events after this position (ALL: every event)

    @property
    def full(self) -> bool:
        return self.since == ALL

    def describe(self) -> str:
        return "every event" if self.full else f"the events after position {self.since:,}"


EVERYTHING = CheckScope(ALL)


def check_scope(
    con: duckdb.DuckDBPyConnection, recent_events: int, full_every_s: float
) -> CheckScope:
    """The scope of this run's checks: everything when a full check is due."""
    row = first_row(con, "select full_checked_at from check_state where id = 1")
    last_full: datetime | None = row[0] if row else None
    if last_full is None or last_full < datetime.now(UTC) - timedelta(seconds=full_every_s):
        return EVERYTHING
    return CheckScope(max(ALL, read_cursor(con).position - recent_events))


def record_full_check(con: duckdb.DuckDBPyConnection) -> None:
    """Every event passed the blocking checks just now."""
    con.execute(
        "insert or replace into check_state (id, full_checked_at) values (1, ?)",
        [datetime.now(UTC)],
    )
