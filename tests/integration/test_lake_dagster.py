"""The Dagster assets in the lake mode (Iceberg on a local S3 server): the warehouse graph
ingests, projects, checks and releases through Dagster, each materialisation recording the
snapshot it wrote; the tables equal the DuckDB mode's on the same events; a release is refused
when the projections do not cover the ingested events."""

from __future__ import annotations

import time
from pathlib import Path

import dagster as dg
import pytest

from pipelines import warehouse
from pipelines.asset_metadata import CHECK_DESCRIPTIONS
from pipelines.resources import WarehouseResource
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.settings import Settings
from quizflow.warehouse.ingest import read_cursor
from quizflow.warehouse.lake.catalog import open_lake
from quizflow.warehouse.lake.release import latest_release
from tests.integration import eventfactory
from tests.integration.test_lake_pipeline import _assert_same_tables, _last, _open
from tests.lake_s3 import LakeEnv, lake_env, s3_server  # noqa: F401 (fixtures)

GRAPH = [
    warehouse.events,
    warehouse.projections,
    warehouse.published_snapshot,
    warehouse.event_checks,
    warehouse.projection_checks,
]


def _materialise_until_caught_up(
    monkeypatch: pytest.MonkeyPatch, mode: str, resource: WarehouseResource, url: str
) -> dg.ExecuteInProcessResult:
    """The whole warehouse graph in ``mode``, again until what readers open has every event
    (another test's open transaction on the shared server may hold the ingest back a while)."""
    monkeypatch.setenv("QUIZFLOW_WAREHOUSE", mode)
    last, deadline = _last(url), time.monotonic() + 120
    while True:
        result = dg.materialize(GRAPH, resources={"warehouse": resource})
        assert result.success
        with _open(monkeypatch, mode, resource.settings()) as con:
            cursor = read_cursor(con)
        if cursor >= last or time.monotonic() > deadline:
            assert cursor >= last, "the ingest never caught up"
            return result
        time.sleep(0.2)


def _tick(resource: WarehouseResource) -> dg.SensorResult | dg.SkipReason:
    result = warehouse.new_events_sensor(dg.build_sensor_context(resources={"warehouse": resource}))
    assert isinstance(result, dg.SensorResult | dg.SkipReason)
    return result


def _metadata(result: dg.ExecuteInProcessResult, asset: str) -> dict[str, object]:
    (event,) = [
        m for m in result.get_asset_materialization_events() if m.asset_key == dg.AssetKey(asset)
    ]
    return {k: v.value for k, v in event.materialization.metadata.items()}


@pytest.mark.slow
def test_dagster_materialises_the_lake_as_the_duckdb_mode_does(
    tmp_path: Path,
    pg_url: str,
    lake_env: LakeEnv,  # noqa: F811 (the fixture)
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("QUIZFLOW_HOME", str(home))
    with PostgresEventStore(pg_url) as store:
        eventfactory.populate(store, students=3, days=2)
        eventfactory.append_malformed(store)  # waits in quarantine: a check fails, not blocking
    resource = WarehouseResource(home=str(home), database_url=pg_url)
    settings: Settings = resource.settings()

    _materialise_until_caught_up(monkeypatch, "duckdb", resource, pg_url)
    published = settings.warehouse_path.stat().st_mtime_ns
    result = _materialise_until_caught_up(monkeypatch, "lake", resource, pg_url)
    # The lake mode wrote no DuckDB warehouse: the file is the DuckDB run's, untouched.
    assert settings.warehouse_path.stat().st_mtime_ns == published

    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {name: name != "quarantine_reviewed" for name in CHECK_DESCRIPTIONS}
    lake = open_lake(settings)
    try:
        release = latest_release(lake)
        assert release is not None
        answers_snapshot = lake.table("answers").current_snapshot()  # type: ignore[union-attr]
    finally:
        lake.close()
    released = _metadata(result, "published_snapshot")
    assert released["release"] == release.release_id
    assert released["cursor"] == str(release.cursor)
    answers = _metadata(result, "answers")
    assert answers_snapshot is not None
    assert answers["snapshot_id"] == str(answers_snapshot.snapshot_id)
    assert release.snapshots["answers"] == answers_snapshot.snapshot_id
    assert int(answers["dagster/row_count"]) > 0  # type: ignore[call-overload]
    assert _metadata(result, "events")["snapshot_id"] == str(release.snapshots["events"])

    _assert_same_tables(monkeypatch, settings)
    monkeypatch.setenv("QUIZFLOW_WAREHOUSE", "lake")
    assert isinstance(_tick(resource), dg.SkipReason)  # the release holds the store's head


def test_the_release_is_refused_when_the_projections_lag_the_events(
    tmp_path: Path,
    pg_url: str,
    lake_env: LakeEnv,  # noqa: F811 (the fixture)
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("QUIZFLOW_HOME", str(home))
    with PostgresEventStore(pg_url) as store:
        eventfactory.populate(store, students=1, days=1)
    resource = WarehouseResource(home=str(home), database_url=pg_url)
    result = dg.materialize(
        [warehouse.events, warehouse.published_snapshot],
        resources={"warehouse": resource},
        raise_on_error=False,
    )
    assert not result.success
    failure = result.failure_data_for_node("published_snapshot")
    assert failure is not None
    assert "do not cover the ingested events" in str(failure.user_failure_data.description)  # type: ignore[union-attr]
    lake = open_lake(resource.settings())
    try:
        assert latest_release(lake) is None
    finally:
        lake.close()
