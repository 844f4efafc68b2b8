"""The checks look at every event on the first run and once a day, at the recent ones between."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.settings import Settings
from quizflow.warehouse import PipelineConfig, PublishBlockedError, open_warehouse, run_pipeline
from quizflow.warehouse.checks import CheckResult
from tests.integration import eventfactory


def _reconciliation(checks: list[CheckResult]) -> CheckResult:
    return next(c for c in checks if c.name == "reconciliation")


def test_a_run_after_a_full_check_reconciles_the_recent_events_and_still_sees_a_lost_one(
    tmp_path: Path, pg_url: str
) -> None:
    settings = Settings(home=tmp_path / "home", database_url=None)
    recent = PipelineConfig(recent_check_events=5)
    with PostgresEventStore(pg_url) as store:
        eventfactory.populate(store, students=2, days=1)
    first = run_pipeline(settings, pg_url, config=recent)
    assert _reconciliation(first.checks).metadata["scope"] == "every event"

    second = run_pipeline(settings, pg_url, config=recent)
    assert _reconciliation(second.checks).metadata["scope"].startswith("the events after")
    assert second.ok

    # An event the warehouse lost among the recent ones fails the scoped check, and blocks.
    with open_warehouse(settings.warehouse_path) as con:
        con.execute("delete from events where position = (select max(position) from events)")
    with pytest.raises(PublishBlockedError) as blocked:
        run_pipeline(settings, pg_url, config=recent)
    assert [c.name for c in blocked.value.failed] == ["reconciliation"]
    assert blocked.value.failed[0].metadata["scope"].startswith("the events after")


def test_a_full_check_is_due_again_after_its_interval(tmp_path: Path, pg_url: str) -> None:
    settings = Settings(home=tmp_path / "home", database_url=None)
    with PostgresEventStore(pg_url) as store:
        eventfactory.populate(store, students=1, days=1)
    run_pipeline(settings, pg_url)
    always = PipelineConfig(full_check_seconds=0)
    again = run_pipeline(settings, pg_url, config=always)
    assert _reconciliation(again.checks).metadata["scope"] == "every event"
    explicit = run_pipeline(settings, pg_url, full_checks=True)
    assert _reconciliation(explicit.checks).metadata["scope"] == "every event"
