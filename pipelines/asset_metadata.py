"""What Dagster shows about the warehouse's assets and checks: descriptions taken from the SQL
headers, row counts, column schemas, kinds and owners, and what every check means."""

from __future__ import annotations

import re

import dagster as dg
import duckdb

OWNERS = ["team:data"]
KINDS = {"duckdb", "sql"}

# A projection header's own fields ("-- partition: ...", "-- types: ...", "-- Key: ...") end
# its description.
_FIELD = re.compile(r"^--\s*(partition|types|key)\s*:", re.IGNORECASE)

CHECK_DESCRIPTIONS = {
    "reconciliation": "Per event type, the warehouse holds exactly the events PostgreSQL holds "
    "up to the ingest cursor (counts and a checksum of the ids). Blocks publishing.",
    "event_ids_unique": "No event id appears twice in the warehouse's raw events "
    "(exactly-once ingest). Blocks publishing.",
    "runaway_streams": "No quiz stream wrote more events in one minute than a student can "
    "answer (QUIZFLOW_RUNAWAY_EVENTS_PER_MINUTE): a client or script in a loop. A warning.",
    "freshness": "The oldest event not yet ingested waits no longer than "
    "QUIZFLOW_MAX_LAG_SECONDS. A warning.",
    "answer_keys_unique": "The answers table has one row per answer event. Blocks publishing.",
    "quarantine_reviewed": "Every event quarantined for not matching its schema has been "
    "reviewed (`quizflow pipeline quarantine`).",
}
BLOCKING = frozenset({"reconciliation", "event_ids_unique", "answer_keys_unique"})


def projection_description(name: str, sql: str) -> str:
    """The header's first paragraph, as prose: the comment lines before its fields, without
    the ``--`` and the leading ``name:``."""
    lines: list[str] = []
    for line in sql.splitlines():
        stripped = line.strip()
        if not stripped.startswith("--") or _FIELD.match(stripped):
            break
        lines.append(stripped.removeprefix("--").strip())
    text = " ".join(part for part in lines if part)
    return text.removeprefix(f"{name}:").strip() or f"The {name} projection."


def table_schema(con: duckdb.DuckDBPyConnection, table: str) -> dg.TableSchema:
    rows = con.execute(
        "select column_name, data_type from information_schema.columns"
        " where table_name = ? order by ordinal_position",
        [table],
    ).fetchall()
    return dg.TableSchema(columns=[dg.TableColumn(name, type_) for name, type_ in rows])


def check_result(check: object) -> dg.AssetCheckResult:
    """A quizflow CheckResult as Dagster's."""
    from quizflow.warehouse.checks import CheckResult

    assert isinstance(check, CheckResult)
    return dg.AssetCheckResult(
        asset_key=check.asset,
        check_name=check.name,
        passed=check.passed,
        severity=dg.AssetCheckSeverity.ERROR
        if check.severity == "error"
        else dg.AssetCheckSeverity.WARN,
        description=check.description,
        metadata={"details": dg.MetadataValue.json(check.metadata)},
    )
