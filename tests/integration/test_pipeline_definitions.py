"""The Dagster code location loads, its job materialises the warehouse, its sensor wakes up."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from pipelines import warehouse
from pipelines.definitions import defs
from pipelines.resources import WarehouseResource
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
            warehouse.warehouse_checks,
        ],
        resources={"warehouse": resource},
    )
    assert result.success
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {name: True for name in warehouse._CHECKS}
    with open_published(resource.settings().published_path) as con:
        assert con.execute("select count(*) > 0 from answers").fetchone() == (True,)


def test_the_sensor_asks_for_a_run_only_when_the_store_has_unpublished_events(
    tmp_path: Path, pg_url: str
) -> None:
    resource = WarehouseResource(home=str(tmp_path / "home"), database_url=pg_url)

    def tick() -> dg.SensorResult | dg.SkipReason:
        context = dg.build_sensor_context(resources={"warehouse": resource})
        return warehouse.new_events_sensor(context)  # type: ignore[no-any-return]

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
