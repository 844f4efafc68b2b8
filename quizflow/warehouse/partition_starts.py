"""Where a partition's events start, so a run recomputing a few partitions reads few events.

A projection's touched partitions are recomputed from all their events (projections.py). With
no index on the raw events, finding those events meant scanning a column of the whole history
on every run. Quiz streams are short-lived, so the events of the partitions a run touches are
nearly all recent: the run reads the raw events from the lowest position any of them holds,
which lets DuckDB skip every older row group by its min/max (the raw events are stored in
(tx, position) order, positions nearly ascending).

``partition_starts`` keeps, per projection and partition, the lowest position of its events
ingested so far. A later event can carry a lower position than one ingested before it (the
store orders by (tx, position)), so each run lowers the start to its new events' lowest. A
partition column named ``event_id`` holds one event per partition, which is always new: it
needs no record. A null partition value has none either, and turns the bound off.
"""

from __future__ import annotations

import duckdb

from quizflow.warehouse.duck import first_row

ONE_EVENT_PARTITION = "event_id"


def record_all(con: duckdb.DuckDBPyConnection, name: str, partition: str, source: str) -> None:
    """Replace the starts of projection ``name`` with those of every event in ``source`` (a
    view of the projection's input, its partition column ``partition``, quoted)."""
    con.execute("delete from partition_starts where projection = ?", [name])
    if partition == f'"{ONE_EVENT_PARTITION}"':
        return
    con.execute(
        f"insert into partition_starts select ?, {partition}::varchar, min(position)"
        f" from {source} where {partition} is not null group by {partition}",
        [name],
    )


def touched_bound(con: duckdb.DuckDBPyConnection, name: str, partition: str) -> int | None:
    """The lowest position an event of a touched partition (temp table ``qf_touched``: ``p``,
    ``first_new``) may hold, the starts updated with the new events; None: no bound known."""
    if partition == f'"{ONE_EVENT_PARTITION}"':
        row = first_row(con, "select min(first_new) from qf_touched")
        return int(row[0]) if row and row[0] is not None else None
    if first_row(con, "select 1 from qf_touched where p is null limit 1"):
        return None
    con.execute(
        "update partition_starts as s set first_position = least(s.first_position, t.first_new)"
        " from qf_touched as t where s.projection = ? and s.partition = t.p::varchar",
        [name],
    )
    con.execute(
        "insert into partition_starts select ?, t.p::varchar, t.first_new from qf_touched as t"
        " where not exists (select 1 from partition_starts as s"
        "                    where s.projection = ? and s.partition = t.p::varchar)",
        [name, name],
    )
    row = first_row(
        con,
        "select min(s.first_position) from partition_starts as s"
        " where s.projection = ? and s.partition in (select p::varchar from qf_touched)",
        [name],
    )
    return int(row[0]) if row and row[0] is not None else None
