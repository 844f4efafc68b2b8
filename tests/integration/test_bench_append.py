"""`quizflow bench append` end to end, briefly: every figure the issue names is in the report,
measured (not missing), and no reader skipped an event."""

from __future__ import annotations

from quizflow.bench.append import run


def test_a_short_append_benchmark_reports_every_figure_and_no_skips(server_url: str) -> None:
    report = run(
        server_url,
        seconds=0.5,
        writer_counts=(1, 2),
        batches=(1, 3),
        progress=lambda _: None,
        delivery_samples=1,
    )
    for key in ("writers_1", "writers_2"):
        ours = report[key]
        assert ours["appends_per_s"] > 0 and ours["p50_ms"] <= ours["p99_ms"]
        assert ours["skipped"] == 0 and ours["errors"] == 0
        assert set(ours["by_events_per_append"]) == {"1", "3"}
        assert ours["by_events_per_append"]["3"]["events_per_s"] > 0
    for baseline in ("raw_insert", "eventsourcing"):
        assert report["baselines"][baseline]["appends_per_s"] > 0
    in_one = report["writers_2_one_asyncio_process"]
    assert in_one["appends_per_s"] > 0 and in_one["skipped"] == 0 and in_one["errors"] == 0
    assert in_one["baselines"]["raw_insert"]["appends_per_s"] > 0
    assert report["ratios"]["writers_2_vs_raw_insert"] > 0
    assert report["subscription_idle_delivery"]["max_ms"] < 2000  # delivered, not timed out
