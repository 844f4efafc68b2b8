"""Warehouse assets: raw events -> projections -> published snapshot, their checks, the sensor.

Thin on purpose: each asset calls quizflow.warehouse and returns metadata.

In the lake mode (``QUIZFLOW_WAREHOUSE=lake``) the same assets write the lake's Iceberg tables
and ``published_snapshot`` records a release instead of copying a file (pipelines/lake.py).

Every asset and check here writes or locks the one DuckDB warehouse, so all are in the pool
``quizflow_warehouse`` (limit 1, see quizflow/dagster_instance.py): Dagster runs one of them at
a time across every run, also where no file lock reaches (runs in pods of their own).

The snapshot is published only when the checks that guard correctness (reconciliation with the
store, unique keys) pass: ``published_snapshot`` runs them again under the warehouse's lock, as
it publishes, and fails the run otherwise. The sensor retries a failed run (see ``run_key_for``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import dagster as dg

from pipelines.asset_metadata import (
    BLOCKING,
    CHECK_DESCRIPTIONS,
    KINDS,
    OWNERS,
    check_result,
    projection_description,
    table_schema,
)
from pipelines.k8s import WAREHOUSE_RUN, run_tags
from pipelines.lake import checked_warehouse, lake_events, lake_mode, lake_projections, lake_release
from pipelines.resources import WarehouseResource
from quizflow.dagster_instance import WAREHOUSE_POOL
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.eventstore.types import START, Cursor
from quizflow.warehouse import apply_projections, ingest, load_projections, open_published
from quizflow.warehouse.check_scope import check_scope
from quizflow.warehouse.checks import (
    answer_keys_unique,
    event_ids_unique,
    freshness,
    quarantine_reviewed,
    reconciliation,
    runaway_streams,
)
from quizflow.warehouse.ingest import read_cursor
from quizflow.warehouse.publish import PublishBlockedError, publish_checked

GROUP = "warehouse"
PROJECTIONS = load_projections()


@dg.asset(
    group_name=GROUP,
    description="Raw events pulled incrementally from PostgreSQL, one row per stored event, "
    "students known by pseudonyms only (docs/data-dictionary.md).",
    kinds={"duckdb", "postgres"},
    owners=OWNERS,
    pool=WAREHOUSE_POOL,
)
def events(warehouse: WarehouseResource) -> dg.MaterializeResult:
    url = warehouse.url()
    if lake_mode():
        return lake_events(warehouse, url)
    with warehouse.connect() as con:
        result = ingest(con, url, chunk_rows=warehouse.config().chunk_rows)
        (rows,) = con.execute("select count(*) from events").fetchone() or (0,)
        schema = table_schema(con, "events")
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "dagster/column_schema": schema,
            "events_ingested": result.events,
            "cursor": str(result.cursor),
            "events_per_s": round(result.events_per_s),
            "seconds": round(result.seconds, 3),
        }
    )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            p.name,
            deps=["events"],
            group_name=GROUP,
            description=projection_description(p.name, p.sql),
            kinds=KINDS,
            owners=OWNERS,
        )
        for p in PROJECTIONS
    ],
    pool=WAREHOUSE_POOL,
)
def projections(warehouse: WarehouseResource) -> Iterator[dg.MaterializeResult]:
    if lake_mode():
        yield from lake_projections(warehouse, PROJECTIONS)
        return
    with warehouse.connect() as con:
        results = apply_projections(con, PROJECTIONS)
        schemas = {r.name: table_schema(con, r.name) for r in results}
    for r in results:
        yield dg.MaterializeResult(
            asset_key=r.name,
            metadata={
                "dagster/row_count": r.rows,
                "dagster/column_schema": schemas[r.name],
                "mode": r.mode,
                "partitions_recomputed": r.partitions,
                "seconds": round(r.seconds, 3),
            },
        )


@dg.asset(
    group_name=GROUP,
    deps=[p.name for p in PROJECTIONS],
    kinds={"duckdb", "parquet"},
    owners=OWNERS,
    description="The read-only snapshot readers open: $QUIZFLOW_HOME/published/warehouse.duckdb"
    " (views over Parquet files, docs/publishing.md).",
    pool=WAREHOUSE_POOL,
)
def published_snapshot(warehouse: WarehouseResource) -> dg.MaterializeResult:
    settings, config = warehouse.settings(), warehouse.config()
    if lake_mode():
        return lake_release(warehouse, PROJECTIONS)
    try:
        path = publish_checked(
            settings.warehouse_path,
            settings.published_path,
            warehouse.url(),
            memory_limit=config.memory_limit,
            lock_timeout_s=config.lock_timeout_seconds,
        )
    except PublishBlockedError as error:
        raise dg.Failure(
            description=str(error),
            metadata={"failed_checks": dg.MetadataValue.json([c.to_dict() for c in error.failed])},
        ) from error
    return dg.MaterializeResult(metadata={"path": str(path), "bytes": path.stat().st_size})


def _spec(name: str, asset: str) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        name, asset=asset, description=CHECK_DESCRIPTIONS[name], blocking=name in BLOCKING
    )


# Two groups, by the asset each reads: a blocking check holds back what is downstream of its
# asset, so the checks of the raw events must not wait for the projections built from them.
@dg.multi_asset_check(
    specs=[
        _spec(name, "events")
        for name in ("reconciliation", "event_ids_unique", "runaway_streams", "freshness")
    ],
    pool=WAREHOUSE_POOL,
)
def event_checks(warehouse: WarehouseResource) -> Iterator[dg.AssetCheckResult]:
    url, config = warehouse.url(), warehouse.config()
    with checked_warehouse(warehouse, None) as con:
        scope = check_scope(con, config.recent_check_events, config.full_check_seconds)
        results = [
            reconciliation(con, url, scope),
            event_ids_unique(con, scope),
            runaway_streams(con, config.runaway_events_per_minute, scope),
            freshness(con, url, config.max_lag_seconds),
        ]
    for c in results:
        yield check_result(c)


@dg.multi_asset_check(
    specs=[_spec("answer_keys_unique", "answers"), _spec("quarantine_reviewed", "quarantine")],
    pool=WAREHOUSE_POOL,
)
def projection_checks(warehouse: WarehouseResource) -> Iterator[dg.AssetCheckResult]:
    config = warehouse.config()
    with checked_warehouse(warehouse, PROJECTIONS) as con:
        scope = check_scope(con, config.recent_check_events, config.full_check_seconds)
        results = [answer_keys_unique(con, scope), quarantine_reviewed(con)]
    for c in results:
        yield check_result(c)


warehouse_job = dg.define_asset_job(
    "warehouse_job",
    selection=dg.AssetSelection.groups(GROUP),
    description="Ingest, project, check and publish (what `quizflow pipeline run` does).",
    tags=run_tags(WAREHOUSE_RUN),
)


# The run tag naming the store head a sensor run was asked for (all its attempts share it).
HEAD_TAG = "quizflow/head"
# A failed run is retried on the next tick; after further failures the sensor waits this long,
# doubled for each, up to RETRY_MAX_S (a store that stays down is not hammered every 30 s).
RETRY_BASE_S = 30.0
RETRY_MAX_S = 1800.0
_FAILED = [dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED]


def run_key_for(
    instance: dg.DagsterInstance | None, head: Cursor, now: float | None = None
) -> tuple[str, float]:
    """The run key to ask for, for ``head``, and how many seconds to wait before asking.

    Dagster starts one run per run key, ever, so a run key derived from the head alone would
    never be retried after a failure (every tick skipped "already completed" until a new event
    arrived). Each failed or canceled run for the head adds an attempt number to the key; a run
    still going keeps its key, so it is not started twice.
    """
    base = f"head-{head}"
    if instance is None:
        return base, 0.0
    failed = instance.get_run_records(
        filters=dg.RunsFilter(
            job_name=warehouse_job.name, tags={HEAD_TAG: str(head)}, statuses=_FAILED
        )
    )
    if not failed:
        return base, 0.0
    attempts = len(failed)
    ended = max((r.end_time or r.update_timestamp.timestamp()) for r in failed)
    delay = 0.0 if attempts == 1 else min(RETRY_BASE_S * 2 ** (attempts - 1), RETRY_MAX_S)
    wait = max(0.0, ended + delay - (time.time() if now is None else now))
    return f"{base}-retry-{attempts}", wait


@dg.sensor(
    job=warehouse_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts a run when the store holds events the published snapshot lacks, "
    "and retries a failed one.",
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
    key, wait = run_key_for(_instance(context), head)
    if wait > 0:
        return dg.SkipReason(
            f"the last run for head {head} failed ({key.rsplit('-', 1)[-1]} failures so far); "
            f"retrying in {wait:.0f}s"
        )
    request = dg.RunRequest(run_key=key, tags={HEAD_TAG: str(head)})
    return dg.SensorResult(run_requests=[request], cursor=str(head))


def _instance(context: dg.SensorEvaluationContext) -> dg.DagsterInstance | None:
    """The sensor's instance; None when evaluated without one (``build_sensor_context()``)."""
    try:
        return context.instance
    except dg.DagsterInvariantViolationError:
        return None


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
    asset_checks=[event_checks, projection_checks],
    jobs=[warehouse_job],
    sensors=[new_events_sensor],
)
