"""A `quizflow pipeline run` made outside Dagster, shown in Dagster all the same.

The run reports what it materialised and what its checks found to the Dagster instance under
DAGSTER_HOME, as runless asset events: the UI then shows the assets materialised (and when)
and the checks' latest results, instead of "Never materialized" after every demo.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from quizflow.warehouse.run import RunSummary


def record_run(summary: RunSummary) -> int:
    """Report the run's materialisations and check results; returns how many events."""
    import dagster as dg

    reported = [
        dg.AssetMaterialization(
            "events",
            metadata={
                "events_ingested": summary.ingest.events,
                "cursor": str(summary.ingest.cursor),
                "source": "quizflow pipeline run",
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
                "source": "quizflow pipeline run",
            },
        )
        for p in summary.projections
        if p.mode != "unchanged"
    ]
    if summary.published is not None:
        reported.append(
            dg.AssetMaterialization(
                "published_snapshot",
                metadata={"path": str(summary.published), "source": "quizflow pipeline run"},
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
