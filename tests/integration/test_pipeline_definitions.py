"""The Dagster code location loads, its job materialises the warehouse, its sensor wakes up."""

from __future__ import annotations

import time
from pathlib import Path

import dagster as dg

from pipelines import warehouse
from pipelines.asset_metadata import CHECK_DESCRIPTIONS
from pipelines.definitions import defs
from pipelines.resources import WarehouseResource
from quizflow.eventstore import Cursor
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.warehouse import open_published
from tests.integration import eventfactory


def test_the_definitions_load_with_assets_checks_job_and_a_running_sensor() -> None:
    dg.Definitions.validate_loadable(defs)
    keys = {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {"events", "quarantine", "answers", "attempts", "published_snapshot"} <= keys
    sensor = defs.resolve_sensor_def("new_events_sensor")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert defs.resolve_job_def("warehouse_job") is not None


def test_the_assets_build_check_and_publish_the_warehouse(tmp_path: Path, pg_url: str) -> None:
    with PostgresEventStore(pg_url) as store:
        eventfactory.populate(store, students=2, days=1)
    resource = WarehouseResource(home=str(tmp_path / "home"), database_url=pg_url)
    result = dg.materialize(
        [
            warehouse.events,
            warehouse.projections,
            warehouse.published_snapshot,
            warehouse.event_checks,
            warehouse.projection_checks,
        ],
        resources={"warehouse": resource},
    )
    assert result.success
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {name: True for name in CHECK_DESCRIPTIONS}
    (answers,) = [
        m
        for m in result.get_asset_materialization_events()
        if m.asset_key == dg.AssetKey("answers")
    ]
    metadata = answers.materialization.metadata
    assert metadata["dagster/row_count"].value > 0
    columns = [c.name for c in metadata["dagster/column_schema"].value.columns]
    assert {"event_id", "student_id", "question_id", "correct", "answer"} <= set(columns)
    with open_published(resource.settings().published_path) as con:
        assert con.execute("select count(*) > 0 from answers").fetchone() == (True,)


def test_every_asset_says_what_it_is_and_every_check_what_it_checks() -> None:
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.description and "-- " not in node.description, key
        assert node.description[-1] in ".)", (key, node.description)  # not cut mid-sentence
        assert node.kinds and node.owners == ["team:data"], key
    answers = graph.get(dg.AssetKey("answers"))
    assert answers.kinds >= {"duckdb", "sql"} and answers.owners == ["team:data"]
    specs = {key.name: graph.get_check_spec(key) for key in graph.asset_check_keys}
    assert set(CHECK_DESCRIPTIONS) <= set(specs)
    assert all(spec.description for spec in specs.values())
    assert {n for n, spec in specs.items() if spec.blocking} == {
        "reconciliation",
        "event_ids_unique",
        "answer_keys_unique",
    }


def test_the_sensor_asks_for_a_run_only_when_the_store_has_unpublished_events(
    tmp_path: Path, pg_url: str
) -> None:
    resource = WarehouseResource(home=str(tmp_path / "home"), database_url=pg_url)

    def tick() -> dg.SensorResult | dg.SkipReason:
        context = dg.build_sensor_context(resources={"warehouse": resource})
        result = warehouse.new_events_sensor(context)
        assert isinstance(result, dg.SensorResult | dg.SkipReason)
        return result

    assert isinstance(tick(), dg.SkipReason)  # empty store, nothing published
    with PostgresEventStore(pg_url) as store:
        eventfactory.populate(store, students=1, days=1)
    wanted = tick()
    assert isinstance(wanted, dg.SensorResult) and len(wanted.run_requests or []) == 1
    dg.materialize(
        [warehouse.events, warehouse.projections, warehouse.published_snapshot],
        resources={"warehouse": resource},
    )
    assert isinstance(tick(), dg.SkipReason)


def test_a_failed_run_is_retried_on_a_later_tick_with_a_new_run_key(
    tmp_path: Path, pg_url: str
) -> None:
    home = str(tmp_path / "home")
    resource = WarehouseResource(home=home, database_url=pg_url)
    # PostgreSQL gone while `events` runs: a database that is not there.
    gone = WarehouseResource(home=home, database_url=pg_url.replace("/quizflow_test", "/gone"))
    job = defs.resolve_job_def("warehouse_job")
    instance = dg.DagsterInstance.ephemeral()

    def tick() -> dg.SensorResult | dg.SkipReason:
        context = dg.build_sensor_context(instance=instance, resources={"warehouse": resource})
        result = warehouse.new_events_sensor(context)
        assert isinstance(result, dg.SensorResult | dg.SkipReason)
        return result

    def launch(request: dg.RunRequest, store: WarehouseResource) -> bool:
        # What the daemon does with a request: a run tagged with its run key and the sensor.
        tags = {
            **request.tags,
            "dagster/run_key": request.run_key or "",
            "dagster/sensor_name": "new_events_sensor",
        }
        result = job.execute_in_process(
            instance=instance, resources={"warehouse": store}, tags=tags, raise_on_error=False
        )
        return result.success

    with PostgresEventStore(pg_url) as store:
        eventfactory.populate(store, students=1, days=1)
    first = tick()
    assert isinstance(first, dg.SensorResult) and first.run_requests
    (request,) = first.run_requests
    assert not launch(request, gone)

    retry = tick()
    assert isinstance(retry, dg.SensorResult) and retry.run_requests
    (again,) = retry.run_requests
    # Dagster starts one run per run key, ever: the retry needs a key of its own.
    assert again.run_key != request.run_key
    assert again.run_key == f"{request.run_key}-retry-1"
    assert not launch(again, gone)

    # After a second failure the sensor backs off instead of failing every 30 s...
    waiting = tick()
    assert isinstance(waiting, dg.SkipReason) and "retrying in" in (waiting.skip_message or "")
    head = Cursor.parse(again.tags[warehouse.HEAD_TAG])
    key, wait = warehouse.run_key_for(instance, head)
    assert key == f"{request.run_key}-retry-2" and 0 < wait <= warehouse.RETRY_BASE_S * 2
    # ...and asks again once the wait is over; this time the store is back.
    key, wait = warehouse.run_key_for(instance, head, now=time.time() + wait + 1)
    assert wait == 0
    assert launch(dg.RunRequest(run_key=key, tags=again.tags), resource)
    assert isinstance(tick(), dg.SkipReason)  # published: up to date
