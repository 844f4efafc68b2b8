"""Warehouse assets: raw events -> projections -> published snapshot, their checks, the sensor.

Thin on purpose: each asset calls quizflow.warehouse and returns metadata.
"""

from __future__ import annotations

from collections.abc import Iterator

import dagster as dg

from pipelines.resources import WarehouseResource
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.eventstore.types import START, Cursor
from quizflow.warehouse import apply_projections, ingest, load_projections, open_published
from quizflow.warehouse.checks import run_checks
from quizflow.warehouse.ingest import read_cursor
from quizflow.warehouse.publish import publish

GROUP = "warehouse"
PROJECTIONS = load_projections()


@dg.asset(group_name=GROUP, description="Raw events pulled incrementally from PostgreSQL.")
def events(warehouse: WarehouseResource) -> dg.MaterializeResult:
    url = warehouse.url()
    with warehouse.connect() as con:
        result = ingest(con, url, chunk_rows=warehouse.config().chunk_rows)
    return dg.MaterializeResult(
        metadata={
            "events_ingested": result.events,
            "cursor": str(result.cursor),
            "events_per_s": round(result.events_per_s),
            "seconds": round(result.seconds, 3),
        }
    )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(p.name, deps=["events"], group_name=GROUP, description=p.sql.split("\n")[0])
        for p in PROJECTIONS
    ]
)
def projections(warehouse: WarehouseResource) -> Iterator[dg.MaterializeResult]:
    with warehouse.connect() as con:
        results = apply_projections(con, PROJECTIONS)
    for r in results:
        yield dg.MaterializeResult(
            asset_key=r.name,
            metadata={"mode": r.mode, "rows": r.rows, "partitions": r.partitions},
        )


@dg.asset(
    group_name=GROUP,
    deps=[p.name for p in PROJECTIONS],
    description="The read-only copy readers open: $QUIZFLOW_HOME/published/warehouse.duckdb.",
)
def published_snapshot(warehouse: WarehouseResource) -> dg.MaterializeResult:
    settings = warehouse.settings()
    path = publish(settings.warehouse_path, settings.published_path)
    return dg.MaterializeResult(metadata={"path": str(path), "bytes": path.stat().st_size})


_CHECKS = {
    "reconciliation": "events",
    "event_ids_unique": "events",
    "runaway_streams": "events",
    "freshness": "events",
    "answer_keys_unique": "answers",
    "quarantine_reviewed": "quarantine",
}


@dg.multi_asset_check(
    specs=[dg.AssetCheckSpec(name, asset=asset) for name, asset in _CHECKS.items()]
)
def warehouse_checks(warehouse: WarehouseResource) -> Iterator[dg.AssetCheckResult]:
    url = warehouse.url()
    with warehouse.connect() as con:
        results = run_checks(con, url, warehouse.config())
    for c in results:
        yield dg.AssetCheckResult(
            asset_key=c.asset,
            check_name=c.name,
            passed=c.passed,
            severity=dg.AssetCheckSeverity.ERROR
            if c.severity == "error"
            else dg.AssetCheckSeverity.WARN,
            description=c.description,
            metadata={"details": dg.MetadataValue.json(c.metadata)},
        )


warehouse_job = dg.define_asset_job(
    "warehouse_job",
    selection=dg.AssetSelection.groups(GROUP),
    description="Ingest, project, check and publish (what `quizflow pipeline run` does).",
)


@dg.sensor(
    job=warehouse_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts a run when the store holds events the published snapshot lacks.",
)
def new_events_sensor(
    context: dg.SensorEvaluationContext, warehouse: WarehouseResource
) -> dg.SensorResult | dg.SkipReason:
    # Compares the store's head with the published snapshot's cursor: both readable without
    # the warehouse's lock. The sensor's own cursor only says when to run; the data checkpoint
    # is the warehouse's, committed with the rows.
    with PostgresEventStore(warehouse.url(), role=None, min_size=1, max_size=1) as store:
        head = store.head()
    published = _published_cursor(warehouse)
    if head <= published:
        return dg.SkipReason(f"up to date at {published}")
    return dg.SensorResult(run_requests=[dg.RunRequest(run_key=f"head-{head}")], cursor=str(head))


def _published_cursor(warehouse: WarehouseResource) -> Cursor:
    try:
        con = open_published(warehouse.settings().published_path)
    except FileNotFoundError:
        return START
    try:
        return read_cursor(con)
    finally:
        con.close()


defs = dg.Definitions(
    assets=[events, projections, published_snapshot],
    asset_checks=[warehouse_checks],
    jobs=[warehouse_job],
    sensors=[new_events_sensor],
)
