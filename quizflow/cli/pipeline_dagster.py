"""A pipeline run made outside Dagster (`quizflow pipeline run`, `quizflow demo`), shown in
Dagster all the same.

The run reports what it materialised and what its checks found, and the demo the weeks whose
teacher reports it wrote, to the Dagster instance under DAGSTER_HOME, as runless asset events:
the UI then shows the assets materialised (and when), the checks' latest results and the
report partitions done, instead of "Never materialized" and "Missing" after every demo.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from quizflow.cli.output import err, first_line
from quizflow.settings import load_settings

if TYPE_CHECKING:
    from quizflow.reports.teacher_week import IsoWeek
    from quizflow.warehouse.run import RunSummary


def use_dagster_home() -> str:
    """Dagster keeps run history and sensor cursors here (a temp dir, lost on exit, otherwise),
    with the dagster.yaml of the settings: storage and concurrency limits. Raises
    DagsterSettingError for a bad setting, psycopg.Error when the storage's server is away."""
    from quizflow.dagster_instance import prepare_dagster_home

    given = os.environ.get("DAGSTER_HOME")
    home, _ = prepare_dagster_home(load_settings(), Path(given) if given else None)
    os.environ["DAGSTER_HOME"] = str(home)
    return str(home)


def record_in_dagster(
    summary: RunSummary,
    report_weeks: Sequence[IsoWeek] = (),
    *,
    source: str = "quizflow pipeline run",
) -> bool:
    """``record_run`` and ``record_report_weeks`` under the settings' DAGSTER_HOME; a failure
    is said in a line, never raised: the run itself succeeded, Dagster's history is a view."""
    try:
        use_dagster_home()
        record_run(summary, source=source)
        record_report_weeks(report_weeks, source=source)
    except Exception as error:
        err.print(f"[yellow]not recorded in Dagster's history:[/] {first_line(error)}")
        return False
    return True


def record_report_weeks(weeks: Sequence[IsoWeek], *, source: str) -> int:
    """Report each week's teacher reports as a materialisation of the ``teacher_reports``
    partition of that week (keyed by its Monday, as the partitions are)."""
    import dagster as dg

    with dg.DagsterInstance.get() as instance:
        for week in weeks:
            instance.report_runless_asset_event(
                dg.AssetMaterialization(
                    "teacher_reports",
                    partition=week.monday.isoformat(),
                    metadata={"week": str(week), "source": source},
                )
            )
    return len(weeks)


def record_run(summary: RunSummary, *, source: str = "quizflow pipeline run") -> int:
    """Report the run's materialisations and check results; returns how many events."""
    import dagster as dg

    reported = [
        dg.AssetMaterialization(
            "events",
            metadata={
                "events_ingested": summary.ingest.events,
                "cursor": str(summary.ingest.cursor),
                "source": source,
            },
        )
    ]
    reported += [
        dg.AssetMaterialization(
            p.name,
            metadata={
                "dagster/row_count": p.rows,
                "mode": p.mode,
                "partitions_recomputed": p.partitions,
                "source": source,
            },
        )
        for p in summary.projections
        if p.mode != "unchanged"
    ]
    if summary.published is not None:
        reported.append(
            dg.AssetMaterialization(
                "published_snapshot",
                metadata={"path": str(summary.published), "source": source},
            )
        )
    checks = [
        dg.AssetCheckEvaluation(
            asset_key=dg.AssetKey(c.asset),
            check_name=c.name,
            passed=c.passed,
            severity=dg.AssetCheckSeverity.ERROR
            if c.severity == "error"
            else dg.AssetCheckSeverity.WARN,
            description=c.description,
        )
        for c in summary.checks
    ]
    with dg.DagsterInstance.get() as instance:
        for materialization in reported:
            instance.report_runless_asset_event(materialization)
        for evaluation in checks:
            instance.report_runless_asset_event(evaluation)
    return len(reported) + len(checks)
