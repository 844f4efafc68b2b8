"""Data-quality checks, run after every pipeline run and as Dagster asset checks.

Each check returns a ``CheckResult``; ``severity`` "error" means the data cannot be trusted
(the run reports failure), "warn" means someone should look (the run still succeeds).
``blocking`` checks guard correctness (reconciliation with the store, unique keys): when one
fails the run does not publish, so readers keep the last snapshot that passed them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import duckdb
import psycopg

from quizflow.warehouse.check_scope import (
    EVERYTHING,
    CheckScope,
    check_scope,
    record_full_check,
)
from quizflow.warehouse.config import PipelineConfig
from quizflow.warehouse.duck import first_row
from quizflow.warehouse.ingest import read_cursor
from quizflow.warehouse.sqlfiles import sql


@dataclass(frozen=True)
class CheckResult:
    name: str
    asset: str  # the table it is about (the Dagster asset it is attached to)
    passed: bool
    severity: str  # "error" or "warn"
    description: str
    metadata: dict[str, Any] = field(default_factory=dict)
    blocking: bool = False  # a failure keeps the run from publishing

    @property
    def blocks_publishing(self) -> bool:
        return self.blocking and not self.passed

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def run_checks(
    con: duckdb.DuckDBPyConnection,
    url: str,
    config: PipelineConfig,
    scope: CheckScope | None = None,
) -> list[CheckResult]:
    """Every check, the blocking ones first, over ``scope`` (by default: the recent events,
    or every event when a full check is due; see check_scope.py)."""
    if scope is None:
        scope = check_scope(con, config.recent_check_events, config.full_check_seconds)
    return [
        *blocking_checks(con, url, scope),
        quarantine_reviewed(con),
        runaway_streams(con, config.runaway_events_per_minute, scope),
        freshness(con, url, config.max_lag_seconds),
    ]


def reconciliation(
    con: duckdb.DuckDBPyConnection, url: str, scope: CheckScope = EVERYTHING
) -> CheckResult:
    """Per event type up to the ingest cursor, the warehouse and PostgreSQL must hold as many
    events with the same ids (compared by checksum). Events the store no longer has (commits a
    crash erased after the warehouse read them) fail it, as do events that took their place."""
    cursor = read_cursor(con)
    mine = {
        t: (int(n), int(s))
        for t, n, s in con.execute(sql("checks/reconcile"), {"since": scope.since}).fetchall()
    }
    try:
        with psycopg.connect(url, autocommit=True) as pg:
            rows = pg.execute(
                sql("pg/reconcile"),
                {"tx": cursor.tx, "position": cursor.position, "since": scope.since},
            ).fetchall()
    except Exception as error:
        return CheckResult(
            "reconciliation",
            "events",
            False,
            "error",
            f"PostgreSQL unreadable, the warehouse cannot be reconciled: {error}",
            {"cursor": str(cursor), "unreadable": True},
            blocking=True,
        )
    theirs = {t: (int(n), int(s)) for t, n, s in rows}
    differences: dict[str, dict[str, Any]] = {}
    for t in sorted(set(mine) | set(theirs)):
        (w, w_sum), (p, p_sum) = mine.get(t, (0, 0)), theirs.get(t, (0, 0))
        if (w, w_sum) != (p, p_sum):
            differences[t] = {"warehouse": w, "postgres": p, "ids_differ": w_sum != p_sum}
    total = sum(n for n, _ in mine.values())
    if differences:
        gone = sum(max(0, d["warehouse"] - d["postgres"]) for d in differences.values())
        new = sum(max(0, d["postgres"] - d["warehouse"]) for d in differences.values())
        replaced = [t for t, d in differences.items() if d["warehouse"] == d["postgres"]]
        parts = []
        if gone:
            parts.append(f"the warehouse holds {gone:,} events PostgreSQL no longer has")
        if new:
            parts.append(f"PostgreSQL holds {new:,} events the warehouse never ingested")
        if replaced:
            parts.append(f"the event ids differ for {', '.join(replaced)}")
        text = (
            f"the warehouse and PostgreSQL disagree up to {cursor}: {'; '.join(parts)} "
            f"(per type: {differences})"
        )
    else:
        text = f"{total:,} events in {len(mine)} types match PostgreSQL up to {cursor}"
    return CheckResult(
        "reconciliation",
        "events",
        not differences,
        "error",
        text,
        {
            "cursor": str(cursor),
            "events": total,
            "differences": differences,
            "scope": scope.describe(),
        },
        blocking=True,
    )


def blocking_checks(
    con: duckdb.DuckDBPyConnection, url: str, scope: CheckScope = EVERYTHING
) -> list[CheckResult]:
    """The checks that must pass before a snapshot is published. When they looked at every
    event and passed, that is recorded: the next runs may look at the recent events only."""
    results = [
        reconciliation(con, url, scope),
        event_ids_unique(con, scope),
        answer_keys_unique(con, scope),
    ]
    if scope.full and not any(c.blocks_publishing for c in results):
        record_full_check(con)
    return results


def _duplicates(
    con: duckdb.DuckDBPyConnection,
    name: str,
    asset: str,
    query: str,
    what: str,
    scope: CheckScope,
) -> CheckResult:
    rows = con.execute(sql(query), {"since": scope.since}).fetchall()
    examples = {event_id: copies for event_id, copies in rows}
    text = f"{what} duplicated: {examples}" if rows else f"every {what} is unique"
    return CheckResult(
        name, asset, not rows, "error", text, {"duplicates": examples}, blocking=True
    )


def event_ids_unique(con: duckdb.DuckDBPyConnection, scope: CheckScope = EVERYTHING) -> CheckResult:
    return _duplicates(
        con, "event_ids_unique", "events", "checks/duplicate_event_ids", "raw event_id", scope
    )


def answer_keys_unique(
    con: duckdb.DuckDBPyConnection, scope: CheckScope = EVERYTHING
) -> CheckResult:
    return _duplicates(
        con,
        "answer_keys_unique",
        "answers",
        "checks/duplicate_answer_keys",
        "answer event_id",
        scope,
    )


def quarantine_reviewed(con: duckdb.DuckDBPyConnection) -> CheckResult:
    rows = con.execute(sql("checks/quarantine_unreviewed")).fetchall()
    reasons = {reason: {"events": n, "examples": examples} for reason, n, examples in rows}
    count = sum(n for _, n, _ in rows)
    if count:
        listed = "; ".join(f"{n} x {reason} (e.g. {ex[0]})" for reason, n, ex in rows)
        text = f"{count} quarantined events need review: {listed}"
    else:
        text = "no unreviewed events in quarantine"
    return CheckResult(
        "quarantine_reviewed", "quarantine", not count, "error", text, {"reasons": reasons}
    )


def runaway_streams(
    con: duckdb.DuckDBPyConnection, per_minute: int, scope: CheckScope = EVERYTHING
) -> CheckResult:
    rows = con.execute(
        sql("checks/runaway_streams"), {"per_minute": per_minute, "since": scope.since}
    ).fetchall()
    streams = {stream: {"minute": minute, "events": n} for stream, minute, n in rows}
    if rows:
        shown = ", ".join(
            f"{stream} ({n} events in the minute from {minute})" for stream, minute, n in rows[:3]
        )
        more = f" and {len(rows) - 3} more" if len(rows) > 3 else ""
        plural = "s" if len(rows) > 1 else ""
        text = (
            f"{len(rows)} quiz stream{plural} wrote more than {per_minute} events in one minute, "
            f"faster than a student answers: {shown}{more}. Look for a client or script in a loop."
        )
    else:
        text = f"no quiz stream wrote more than {per_minute} events in any minute"
    return CheckResult(
        "runaway_streams",
        "events",
        not rows,
        "warn",
        text,
        {"threshold_per_minute": per_minute, "streams": streams},
    )


def freshness(con: duckdb.DuckDBPyConnection, url: str, max_lag_s: float) -> CheckResult:
    cursor = read_cursor(con)
    try:
        with psycopg.connect(url, autocommit=True) as pg:
            row = pg.execute(
                sql("pg/oldest_pending"), {"tx": cursor.tx, "position": cursor.position}
            ).fetchone()
    except Exception as error:
        return CheckResult("freshness", "events", False, "warn", f"PostgreSQL unreadable: {error}")
    oldest: datetime | None = row[0] if row else None
    lag = (row[1] - oldest).total_seconds() if row and oldest else 0.0
    ok = lag <= max_lag_s
    text = (
        f"the warehouse is {lag:.0f}s behind the store (limit {max_lag_s:.0f}s)"
        if oldest
        else "the warehouse holds every event in the store"
    )
    return CheckResult(
        "freshness", "events", ok, "warn", text, {"lag_seconds": lag, "limit_seconds": max_lag_s}
    )


def review_quarantine(con: duckdb.DuckDBPyConnection, event_ids: list[str], note: str) -> int:
    """Mark quarantined events as reviewed; return how many of them were in quarantine."""
    now = datetime.now(UTC)
    done = 0
    for event_id in event_ids:
        row = first_row(
            con, sql("duck/review_quarantine"), {"now": now, "note": note, "event_id": event_id}
        )
        done += int(row[0]) if row else 0
    return done
