"""How `quizflow bench append` pools its rounds and builds its report, on given figures."""

from __future__ import annotations

from quizflow.bench.append import KINDS, ONE_PROCESS, PROCESSES, _Pooled, _report
from quizflow.bench.writers import WriterResult


def _result(latencies_ms: list[float], errors: int = 0) -> WriterResult:
    return WriterResult(latencies_ms=list(latencies_ms), errors=errors)


def test_rounds_pool_as_one_longer_run() -> None:
    pooled = _Pooled()
    pooled.add([_result([1.0] * 30), _result([2.0] * 30)], seconds=2.0, skipped=0)
    pooled.add([_result([9.0] * 40, errors=1)], seconds=2.0, skipped=3)
    metrics = pooled.metrics(writers=2, batch=3)
    assert metrics["appends_per_s"] == 100 / 4.0
    assert metrics["events_per_s"] == 3 * 100 / 4.0
    assert metrics["p50_ms"] == 2.0 and metrics["p99_ms"] == 9.0
    assert metrics["errors"] == 1 and metrics["skipped"] == 3


def test_a_kind_without_a_tailing_reader_reports_no_skips_at_all() -> None:
    pooled = _Pooled()
    pooled.add([_result([1.0])], seconds=1.0, skipped=None)
    assert "skipped" not in pooled.metrics(writers=1, batch=1)


def _figure(appends_per_s: float, batch: int) -> dict[str, object]:
    return {
        "appends_per_s": appends_per_s,
        "p99_ms": 1000 / appends_per_s,
        "events_per_append": batch,
    }


def test_the_headline_is_the_most_writers_in_one_process() -> None:
    speed = {"quizflow": 400.0, "raw_insert": 800.0, "eventsourcing": 100.0}
    slower_in_processes = {"quizflow": 300.0, "raw_insert": 900.0, "eventsourcing": 150.0}
    figures = {}
    for kind in KINDS:
        for batch in (1, 3):
            figures[kind, PROCESSES, 1, batch] = _figure(speed[kind] / 4, batch)
            figures[kind, ONE_PROCESS, 16, batch] = _figure(speed[kind] / batch, batch)
            figures[kind, PROCESSES, 16, batch] = _figure(slower_in_processes[kind] / batch, batch)
    report = _report(figures, {"p50_ms": 1.0, "max_ms": 2.0}, seconds=3.0, rounds=3)

    assert report["writers_16"]["appends_per_s"] == 400.0
    assert set(report["writers_16"]["by_events_per_append"]) == {"1", "3"}
    assert report["writers_16_processes"]["appends_per_s"] == 300.0
    assert report["writers_1"]["appends_per_s"] == 100.0
    assert report["baselines"]["raw_insert"]["appends_per_s"] == 800.0
    assert report["baselines"]["eventsourcing"]["appends_per_s"] == 100.0
    assert report["baselines"]["raw_insert"]["writers_16_processes"]["3"]["appends_per_s"] == 300.0
    assert report["ratios"] == {
        "writers_16_vs_raw_insert": 0.5,
        "writers_16_vs_eventsourcing": 4.0,
        "writers_16_processes_vs_raw_insert": 0.33,
        "writers_16_processes_vs_eventsourcing": 2.0,
    }
