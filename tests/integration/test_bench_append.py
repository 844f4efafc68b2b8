"""`quizflow bench append` end to end, briefly: every figure the issue names is in the report,
measured (not missing), and no reader skipped an event."""

from __future__ import annotations

import pytest

from quizflow.bench.append import run

# The baseline library is in the `bench` dependency group (CI installs it).
pytest.importorskip(
    "eventsourcing", reason="the bench group is not installed: uv sync --group bench"
)


def test_a_short_append_benchmark_reports_every_figure_and_no_skips(server_url: str) -> None:
    report = run(
        server_url,
        seconds=0.5,
        rounds=1,
        writer_counts=(1, 2),
        batches=(1, 3),
        progress=lambda _: None,
        delivery_samples=1,
    )
    # writers_2 is the headline: two writers in one process; then a process each.
    for key in ("writers_1", "writers_2", "writers_2_processes"):
        ours = report[key]
        assert ours["appends_per_s"] > 0 and ours["p50_ms"] <= ours["p99_ms"]
        assert ours["skipped"] == 0 and ours["errors"] == 0
        assert set(ours["by_events_per_append"]) == {"1", "3"}
        assert ours["by_events_per_append"]["3"]["events_per_s"] > 0
        for baseline in ("raw_insert", "eventsourcing"):
            theirs = report["baselines"][baseline][key]
            assert set(theirs) == {"1", "3"}
            assert all(m["appends_per_s"] > 0 and m["errors"] == 0 for m in theirs.values())
    for baseline in ("raw_insert", "eventsourcing"):
        headline = report["baselines"][baseline]
        assert headline["appends_per_s"] == headline["writers_2"]["1"]["appends_per_s"]
    assert set(report["ratios"]) == {
        f"{key}_vs_{baseline}"
        for key in ("writers_2", "writers_2_processes")
        for baseline in ("raw_insert", "eventsourcing")
    }
    assert report["ratios"]["writers_2_vs_raw_insert"] == round(
        report["writers_2"]["appends_per_s"] / report["baselines"]["raw_insert"]["appends_per_s"], 2
    )
    assert report["subscription_idle_delivery"]["max_ms"] < 2000  # delivered, not timed out


def test_the_benchmark_refuses_a_run_without_rounds(server_url: str) -> None:
    with pytest.raises(ValueError, match="rounds"):
        run(server_url, rounds=0, progress=lambda _: None)
