"""The weekly teacher-report asset: partitioned by week, scheduled Monday 06:00 and 18:00 in
Amsterdam (the second tick for schools west of it, whose week ends later)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from pipelines import reports
from pipelines.definitions import defs
from pipelines.resources import WarehouseResource
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.warehouse import run_pipeline
from tests.integration import eventfactory


def test_the_definitions_hold_the_weekly_report_asset_and_its_monday_schedule() -> None:
    dg.Definitions.validate_loadable(defs)
    keys = {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}
    assert "teacher_reports" in keys
    schedule = defs.resolve_schedule_def("teacher_reports_weekly")
    assert schedule.cron_schedule == "0 6,18 * * 1"
    assert schedule.execution_timezone == "Europe/Amsterdam"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING


def test_partitions_are_weeks_from_monday_in_amsterdam_named_by_their_monday() -> None:
    assets, _ = reports.report_assets("2026-10-26")
    assert assets.partitions_def is not None
    keys = assets.partitions_def.get_partition_keys(
        current_time=datetime(2026, 12, 1, tzinfo=ZoneInfo("Europe/Amsterdam"))
    )
    assert keys[0] == "2026-10-26"
    assert keys[-1] == "2026-11-23"  # the last complete week
    assert str(reports.week_of_partition("2026-11-23")) == "2026-W48"


def test_the_first_week_is_the_snapshots_first_answer_or_the_setting_or_this_week(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUIZFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("QUIZFLOW_DATABASE_URL", pg_url)
    monkeypatch.delenv("QUIZFLOW_PIPELINE_DATABASE_URL", raising=False)
    monkeypatch.delenv("QUIZFLOW_REPORTS_FIRST_WEEK", raising=False)
    today = datetime.now(ZoneInfo("Europe/Amsterdam")).date()
    assert reports.first_report_week() == (today - timedelta(days=today.weekday())).isoformat()
    with PostgresEventStore(pg_url) as store:
        eventfactory.populate(store, students=2, days=2)  # from Monday 3 March 2025
    # Before any pipeline run the store's first event says it (a '*' run reports at once) ...
    assert reports.first_report_week() == "2025-03-03"
    resource = WarehouseResource(home=str(tmp_path / "home"), database_url=pg_url)
    run_pipeline(resource.settings(), pg_url, checks=False)
    # ... and after one, the published snapshot's first answer.
    assert reports.first_report_week() == "2025-03-03"
    monkeypatch.setenv("QUIZFLOW_REPORTS_FIRST_WEEK", "2026-W44")
    assert reports.first_report_week() == "2026-10-26"
    monkeypatch.setenv("QUIZFLOW_REPORTS_FIRST_WEEK", "last week")
    with pytest.raises(ValueError, match="QUIZFLOW_REPORTS_FIRST_WEEK"):
        reports.first_report_week()


def test_the_monday_morning_tick_asks_for_the_week_that_just_ended(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(reports, "FIRST_WEEK", "2026-10-26")
    context = dg.build_schedule_context(
        scheduled_execution_time=datetime(2026, 11, 30, 6, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
    )
    request = reports.teacher_reports_schedule(context)
    assert isinstance(request, dg.RunRequest) and request.partition_key == "2026-11-23"
    evening = dg.build_schedule_context(
        scheduled_execution_time=datetime(2026, 11, 30, 18, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
    )
    again = reports.teacher_reports_schedule(evening)
    assert isinstance(again, dg.RunRequest) and again.partition_key == "2026-11-23"
    assert again.run_key != request.run_key  # a run of its own, not deduplicated away
    early = dg.build_schedule_context(
        scheduled_execution_time=datetime(2024, 1, 3, 6, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
    )
    assert isinstance(reports.teacher_reports_schedule(early), dg.SkipReason)


def test_materialising_a_past_week_writes_every_classes_report(tmp_path: Path, pg_url: str) -> None:
    resource = WarehouseResource(home=str(tmp_path / "home"), database_url=pg_url)
    with PostgresEventStore(pg_url) as store:
        eventfactory.populate(store, students=3, days=2)  # from Monday 3 March 2025
    eventfactory.run_until_caught_up(resource.settings(), pg_url)
    weekly_reports, _ = reports.report_assets("2025-03-03")
    result = dg.materialize(
        [weekly_reports], partition_key="2025-03-03", resources={"warehouse": resource}
    )
    assert result.success
    (materialization,) = result.asset_materializations_for_node("teacher_reports")
    metadata = {k: v.value for k, v in materialization.metadata.items()}
    path = tmp_path / "home" / "reports" / "teacher" / "class-1a" / "2025-W10.html"
    assert metadata["week"] == "2025-W10"
    assert metadata["classes"] == 1
    assert metadata["files"] == [str(path)]
    assert path.is_file()
