"""The projection runner: SQL files in ``projections/`` become tables, built incrementally.

Each file is one ``select`` over a view named ``projection_input`` (the events it may read), with
a header the runner reads:

    -- partition: stream_id      a column of the raw events and of the table: rows of one
                                 partition depend only on events of that partition
    -- types: a/B, a/C           the event types that feed it (``*``: all)
    -- input: events             optional; ``valid_events`` (the default) leaves quarantined out
    -- context: a/D, a/E         optional; other event types the select reads itself (from
                                 ``valid_events``), whose facts its rows depend on

A run recomputes only the partitions that received new events: delete their rows, insert the
select over all events of those partitions. A new context event touches the partition its own
partition column names (an enrolment, the student's); one that names none (a school's time zone
changed) may change any partition's rows, so the projection is rebuilt. Because the same
select builds the table from all events, a full rebuild gives identical tables. A projection
with no state, or whose SQL changed, is rebuilt from the raw events in the warehouse (new
projections are backfilled; PostgreSQL is not read again). Each projection's rows and its
cursor are committed in one transaction.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from quizflow.eventstore.types import Cursor
from quizflow.settings import PROJECT_ROOT
from quizflow.warehouse import partition_starts
from quizflow.warehouse.duck import first_row, rollback
from quizflow.warehouse.ingest import read_cursor
from quizflow.warehouse.normalise import register as register_functions
from quizflow.warehouse.sqlfiles import sql

PROJECTIONS_DIR = PROJECT_ROOT / "projections"
# Built first: every other projection reads the events it did not quarantine.
QUARANTINE = "quarantine"
# Part of every projection's hash: a runner that keeps new state (partition_starts) rebuilds
# each projection once, so that state is complete.
RUNNER_VERSION = "partition-starts-1"
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
_HEADER = re.compile(r"^--\s*(partition|types|input|context)\s*:\s*(.*)$")
_LISTS = ("types", "context")


@dataclass(frozen=True)
class Projection:
    name: str
    sql: str
    partition: str
    types: tuple[str, ...] | None  # None: every type
    input: str
    depends_on: str = ""  # the SQL text this one's result also depends on (the quarantine's)
    context: tuple[str, ...] = ()  # event types read beside the input (see the module's doc)

    @property
    def sql_hash(self) -> str:
        text = "\0".join((self.sql, self.depends_on, RUNNER_VERSION))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class ProjectionResult:
    name: str
    mode: str  # "rebuild", "incremental" or "unchanged"
    partitions: int
    rows: int
    seconds: float


def parse_projection(path: Path) -> Projection:
    text = path.read_text()
    fields: dict[str, str] = {}
    for line in text.splitlines():
        match = _HEADER.match(line.strip())
        if match:
            key, value = match.groups()
            fields[key] = (fields.get(key, "") + "," + value) if key in _LISTS else value
    name = path.stem
    partition = fields.get("partition", "").strip()
    source = fields.get("input", "valid_events").strip()
    types = tuple(t.strip() for t in fields.get("types", "").split(",") if t.strip())
    context = tuple(t.strip() for t in fields.get("context", "").split(",") if t.strip())
    problems = []
    if not _IDENTIFIER.match(name):
        problems.append(f"file name {name!r} is not a table name")
    if not _IDENTIFIER.match(partition):
        problems.append("header needs '-- partition: <column>'")
    if source not in ("events", "valid_events"):
        problems.append("'-- input:' must be events or valid_events")
    if not types:
        problems.append("header needs '-- types: <event type>, ...' (or '*')")
    if "*" in context or set(context) & set(types):
        problems.append("'-- context:' names event types other than its '-- types:', not '*'")
    if problems:
        raise ValueError(f"{path}: " + "; ".join(problems))
    return Projection(
        name, text, partition, None if types == ("*",) else types, source, context=context
    )


def load_projections(directory: Path = PROJECTIONS_DIR) -> list[Projection]:
    """Every projection file, the quarantine first, then by name."""
    found = {p.name: p for p in map(parse_projection, sorted(directory.glob("*.sql")))}
    if QUARANTINE not in found:
        raise ValueError(f"{directory} has no {QUARANTINE}.sql: the other projections need it")
    quarantine = found.pop(QUARANTINE)
    others = [
        replace(p, depends_on=quarantine.sql) if p.input == "valid_events" else p
        for p in found.values()
    ]
    return [quarantine, *others]


def apply_projections(
    con: duckdb.DuckDBPyConnection, projections: list[Projection], *, rebuild: bool = False
) -> list[ProjectionResult]:
    """Bring every projection up to the ingest cursor (from scratch when ``rebuild``)."""
    register_functions(con)
    upto = read_cursor(con)
    results = []
    for projection in projections:
        results.append(_apply(con, projection, upto, rebuild))
        if projection.name == QUARANTINE:
            con.execute(sql("duck/valid_events"))
    return results


def _apply(
    con: duckdb.DuckDBPyConnection, p: Projection, upto: Cursor, rebuild: bool
) -> ProjectionResult:
    started = time.monotonic()
    state = first_row(con, sql("duck/projection_state"), {"name": p.name})
    full = rebuild or state is None or state[0] != p.sql_hash
    after = None if full or state is None else Cursor(int(state[1]), int(state[2]))
    if after is not None and after >= upto:
        return ProjectionResult(p.name, "unchanged", 0, _count(con, p), 0.0)
    if after is not None and context_changes_all(con, p, after):
        after = None
    table, column = _quoted(p.name), _quoted(p.partition)
    con.execute("begin")
    try:
        _scope_types(con, p)
        partitions = 0
        if after is None:
            _input_view(con, p, touched_only=False)
            con.execute(f"create or replace table {table} as {p.sql}")
            partition_starts.record_all(con, p.name, column, "projection_input")
        else:
            partitions = mark_touched(con, p, column, after)
            if partitions:
                since = partition_starts.touched_bound(con, p.name, column)
                _input_view(con, p, touched_only=True, since=since)
                con.execute(f"delete from {table} where {column} in (select p from qf_touched)")
                con.execute(f"insert into {table} by name {p.sql}")
        con.execute(
            sql("duck/save_projection_state"),
            {
                "name": p.name,
                "sql_hash": p.sql_hash,
                "tx": upto.tx,
                "position": upto.position,
                "now": datetime.now(UTC),
            },
        )
        con.execute("commit")
    except BaseException:
        rollback(con)
        raise
    mode = "rebuild" if after is None else "incremental"
    return ProjectionResult(p.name, mode, partitions, _count(con, p), time.monotonic() - started)


def mark_touched(con: duckdb.DuckDBPyConnection, p: Projection, column: str, after: Cursor) -> int:
    """Record in ``qf_touched`` the partitions with events after ``after`` (with the first new
    position of each); return how many there are.

    Written so that DuckDB skips the row groups before the cursor by their min/max tx (the raw
    events are stored in (tx, position) order): a run costs what is new.
    """
    con.execute(
        f"create or replace temp table qf_touched as"
        f" select {column} as p, min(position) as first_new"
        f" from {p.input} where tx >= $tx and (tx > $tx or position > $position)"
        " and ($all_types or type in (select type from qf_projection_types)"
        "      or list_contains($context, type))"
        f" group by {column}",
        {
            "tx": after.tx,
            "position": after.position,
            "all_types": p.types is None,
            "context": list(p.context),
        },
    )
    return _scalar(con, "select count(*) from qf_touched")


def context_changes_all(con: duckdb.DuckDBPyConnection, p: Projection, after: Cursor) -> bool:
    """Whether an event of ``p``'s context after ``after`` names no partition (a school's time
    zone changed): any partition's rows may change, so ``p`` is rebuilt rather than patched."""
    if not p.context:
        return False
    return (
        first_row(
            con,
            f"select 1 from {p.input} where tx >= $tx and (tx > $tx or position > $position)"
            f" and list_contains($context, type) and {_quoted(p.partition)} is null limit 1",
            {"tx": after.tx, "position": after.position, "context": list(p.context)},
        )
        is not None
    )


def _scope_types(con: duckdb.DuckDBPyConnection, p: Projection) -> None:
    con.execute("create or replace temp table qf_projection_types (type varchar)")
    if p.types:
        con.executemany("insert into qf_projection_types values (?)", [[t] for t in p.types])


def _input_view(
    con: duckdb.DuckDBPyConnection, p: Projection, *, touched_only: bool, since: int | None = None
) -> None:
    # Identifiers come from the projection's own header (checked by parse_projection), so
    # formatting them in is safe; values never are (``since`` is an int).
    filters = []
    if p.types is not None:
        filters.append("type in (select type from qf_projection_types)")
    if touched_only:
        filters.append(f"{_quoted(p.partition)} in (select p from qf_touched)")
    if since is not None:
        filters.append(f"position >= {int(since)}")
    where = (" where " + " and ".join(filters)) if filters else ""
    con.execute(f"create or replace temp view projection_input as select * from {p.input}{where}")


def _quoted(identifier: str) -> str:
    if not _IDENTIFIER.match(identifier):
        raise ValueError(f"not an identifier: {identifier!r}")
    return f'"{identifier}"'


def _scalar(con: duckdb.DuckDBPyConnection, query: str) -> int:
    row = first_row(con, query)
    return int(row[0]) if row else 0


def _count(con: duckdb.DuckDBPyConnection, p: Projection) -> int:
    return _scalar(con, f"select count(*) from {_quoted(p.name)}")
