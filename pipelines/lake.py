"""The warehouse assets in the lake mode (``QUIZFLOW_WAREHOUSE=lake``, docs/lakehouse.md).

The same asset graph as the DuckDB mode, each asset doing its step of ``run_lake_pipeline``:
``events`` ingests into the lake's events table, the projections write their Iceberg tables, the
checks read the tables' current snapshots, and ``published_snapshot`` records a release instead
of copying a file. Each materialisation records the snapshot id it wrote; the release runs the
blocking checks again over exactly the snapshots it names, so a failed check releases nothing
(readers keep the previous release), whatever ran before it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import duckdb

from pipelines.asset_metadata import table_schema
from pipelines.resources import WarehouseResource
from quizflow.warehouse.lake.settings import warehouse_mode
from quizflow.warehouse.projections import Projection
from quizflow.warehouse.publish import PublishBlockedError


def lake_mode() -> bool:
    return warehouse_mode() == "lake"


def lake_events(warehouse: WarehouseResource, url: str) -> dg.MaterializeResult:
    from quizflow.warehouse.lake.catalog import open_lake
    from quizflow.warehouse.lake.ingest import EVENTS, events_of, ingest_lake
    from quizflow.warehouse.lake.steps import workbench

    settings = warehouse.settings()
    lake = open_lake(settings)
    try:
        result = ingest_lake(lake, url)
        table = lake.table(EVENTS)
        snapshot = table.current_snapshot() if table is not None else None
        rows = events_of(table)
    finally:
        lake.close()
    with workbench(settings, warehouse.config()) as bench:
        schema = table_schema(bench.con, "events")
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "dagster/column_schema": schema,
            "events_ingested": result.events,
            "cursor": str(result.cursor),
            "snapshot_id": str(snapshot.snapshot_id) if snapshot else "",
            "events_per_s": round(result.events_per_s),
            "seconds": round(result.seconds, 3),
        }
    )


def lake_projections(
    warehouse: WarehouseResource, projections: list[Projection]
) -> Iterator[dg.MaterializeResult]:
    from quizflow.warehouse.lake.steps import projected

    with projected(warehouse.settings(), warehouse.config(), projections) as (bench, applied):
        schemas = {a.result.name: table_schema(bench.con, a.result.name) for a in applied}
    for a in applied:
        r = a.result
        yield dg.MaterializeResult(
            asset_key=r.name,
            metadata={
                "dagster/row_count": r.rows,
                "dagster/column_schema": schemas[r.name],
                "mode": r.mode,
                "partitions_recomputed": r.partitions,
                "snapshot_id": str(a.snapshot_id) if a.snapshot_id is not None else "",
                "seconds": round(r.seconds, 3),
            },
        )


@contextmanager
def checked_warehouse(
    warehouse: WarehouseResource, projections: list[Projection] | None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """What the checks read: the DuckDB warehouse, or in the lake mode the tables' current
    snapshots (with ``projections``: each of them too, which must cover the events)."""
    if not lake_mode():
        with warehouse.connect() as con:
            yield con
        return
    from quizflow.warehouse.lake.steps import built_tables, workbench

    settings, config = warehouse.settings(), warehouse.config()
    if projections is None:
        with workbench(settings, config) as bench:
            yield bench.con
    else:
        with built_tables(settings, config, projections) as (bench, _applied):
            yield bench.con


def lake_release(
    warehouse: WarehouseResource, projections: list[Projection]
) -> dg.MaterializeResult:
    from quizflow.warehouse.lake.steps import ProjectionsBehindError, release_lake

    try:
        release, _results = release_lake(
            warehouse.settings(), warehouse.url(), warehouse.config(), projections
        )
    except PublishBlockedError as error:
        raise dg.Failure(
            description=str(error),
            metadata={"failed_checks": dg.MetadataValue.json([c.to_dict() for c in error.failed])},
        ) from error
    except ProjectionsBehindError as error:
        raise dg.Failure(description=str(error)) from error
    return dg.MaterializeResult(
        metadata={
            "release": release.release_id,
            "cursor": str(release.cursor),
            "events": release.events,
            "snapshots": dg.MetadataValue.json(
                {name: str(s) if s is not None else None for name, s in release.snapshots.items()}
            ),
        }
    )
