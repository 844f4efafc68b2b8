"""`quizflow bench history`: what a long history costs the web app and the pipeline.

Two fresh databases: one holding N synthetic quiz events (COPY-loaded), one holding none.
- serve: `quizflow serve` launched over each until it is caught up (quizflow.bench.history_serve);
- increment: after a first pipeline run has taken in everything, 100 new events are appended
  to each database and one pipeline run (ingest, projections, checks, publish) takes them in;
  the run over the empty history is the baseline. Rounds alternate between the two; the
  median of each is reported. ``bytes_written`` is the run process's own ``write_bytes`` from
  /proc/self/io (what it sent to storage: warehouse, write-ahead log, published files, spills);
- rebuild: every projection rebuilt from the N raw events in the warehouse (no publish).
Each pipeline run is a child process, so it pays its own imports and opens as a real run does.
The databases are dropped afterwards; scratch files live under $QUIZFLOW_HOME/bench.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

INCREMENT_EVENTS = 100

Say = Callable[[str], None]


def run(
    events: int = 5_000_000,
    rounds: int = 3,
    serve_timeout_s: float = 600.0,
    progress: Say | None = None,
) -> dict[str, Any]:
    """Run the benchmark; return the JSON document it prints."""
    from quizflow.database import database_url
    from quizflow.eventstore.admin import create_database, drop_database
    from quizflow.settings import load_settings

    say = progress or (lambda _m: None)
    settings = load_settings()
    server = database_url(settings)
    tag = f"{os.getpid()}_{uuid.uuid4().hex[:6]}"
    names = {"history": f"quizflow_bench_history_{tag}", "empty": f"quizflow_bench_empty_{tag}"}
    scratch = settings.home / "bench"
    scratch.mkdir(parents=True, exist_ok=True)
    urls: dict[str, str] = {}
    try:
        for kind, name in names.items():
            urls[kind] = create_database(server, name)
            _migrate(urls[kind])
        say(f"databases {names['history']} and {names['empty']} (dropped at the end)")
        load = _load(urls["history"], events, say)
        with tempfile.TemporaryDirectory(dir=scratch) as tmp:
            homes = {kind: Path(tmp) / kind for kind in names}
            say("starting the web app over the empty log")
            serve_empty = _serve(urls["empty"], Path(tmp) / "serve-empty", serve_timeout_s)
            say(f"starting the web app over {events:,} events")
            serve = _serve(urls["history"], Path(tmp) / "serve-history", serve_timeout_s)
            say(f"serve: {serve['seconds']}s (empty: {serve_empty['seconds']}s)")
            first = {}
            for kind in names:
                say(f"first pipeline run over the {kind} log")
                first[kind] = _child("run", urls[kind], homes[kind])
            increments: dict[str, list[dict[str, Any]]] = {kind: [] for kind in names}
            for round_ in range(rounds):
                for kind in names:
                    _append_increment(urls[kind], round_)
                    measured = _child("run", urls[kind], homes[kind])
                    increments[kind].append(measured)
                    say(
                        f"round {round_ + 1}/{rounds}: {kind} run took {measured['seconds']:.2f}s,"
                        f" wrote {measured['write_bytes']:,} bytes"
                    )
            say(f"rebuilding every projection over {events:,} events")
            rebuild = _child("rebuild", urls["history"], homes["history"])
    finally:
        for name in names.values():
            drop_database(server, name)
    seconds = statistics.median(r["seconds"] for r in increments["history"])
    seconds_empty = statistics.median(r["seconds"] for r in increments["empty"])
    return {
        "events": events,
        "serve": {
            "seconds": serve["seconds"],
            "seconds_empty": serve_empty["seconds"],
            "peak_rss_mb": serve["peak_rss_mb"],
            "peak_rss_mb_empty": serve_empty["peak_rss_mb"],
            **({"error": serve["error"]} if "error" in serve else {}),
        },
        "increment": {
            "events": INCREMENT_EVENTS,
            "seconds": round(seconds, 2),
            "seconds_empty": round(seconds_empty, 2),
            "ratio_to_empty": round(seconds / seconds_empty, 2) if seconds_empty else None,
            "bytes_written": int(
                statistics.median(r["write_bytes"] for r in increments["history"])
            ),
            "bytes_written_empty": int(
                statistics.median(r["write_bytes"] for r in increments["empty"])
            ),
            "rounds_seconds": [round(r["seconds"], 2) for r in increments["history"]],
            "rounds_seconds_empty": [round(r["seconds"], 2) for r in increments["empty"]],
            "bytes_measured_as": "write_bytes of the run's process (/proc/self/io)",
        },
        "rebuild": {"events": rebuild["events"], "seconds": round(rebuild["seconds"], 2)},
        "first_run": {
            "seconds": round(first["history"]["seconds"], 2),
            "bytes_written": first["history"]["write_bytes"],
        },
        "load": load,
    }


def _serve(url: str, home: Path, timeout_s: float) -> dict[str, Any]:
    """The web app's start over ``url``; seconds null and the reason when it never got ready
    (a figure of the benchmark, not a failure of it)."""
    from quizflow.bench.history_serve import ServeNotReady, measure_serve

    try:
        measured = measure_serve(url, home, timeout_s=timeout_s)
    except ServeNotReady as error:
        return {"seconds": None, "peak_rss_mb": None, "error": str(error)[:500]}
    return {
        "seconds": round(measured["seconds"], 2),
        "peak_rss_mb": round(measured["peak_rss_mb"]),
    }


def _migrate(url: str) -> None:
    from quizflow.eventstore.migrate import migrate

    migrate(url)


def _load(url: str, events: int, say: Say) -> dict[str, Any]:
    import psycopg

    from quizflow.eventstore.bulk import bulk_load

    say(f"loading {events:,} events with COPY")
    started = time.monotonic()
    loaded = bulk_load(url, events)
    seconds = time.monotonic() - started
    # The first read after a bulk load also writes every page (hint bits); vacuum does it
    # now, so no measured step pays for it.
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("vacuum (analyze) quizflow.events")
    say(f"loaded {loaded:,} events in {seconds:.1f}s")
    return {"events": loaded, "seconds": round(seconds, 1)}


def _append_increment(url: str, round_: int) -> None:
    """100 events of new students (their own streams), ids distinct from the history's."""
    from quizflow.eventstore.bulk import copy_rows, synthetic_quiz_rows

    rows = synthetic_quiz_rows(INCREMENT_EVENTS, seed=1000 + round_, student_prefix=f"inc{round_}-")
    copy_rows(url, rows)


def _child(mode: str, url: str, home: Path) -> dict[str, Any]:
    """One pipeline run (or rebuild) in a child process; its JSON line."""
    proc = subprocess.run(
        [sys.executable, "-m", "quizflow.bench.history_run", mode, url, str(home)],
        stdout=subprocess.PIPE,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"bench history: the {mode} child failed ({proc.returncode})")
    result: dict[str, Any] = json.loads(proc.stdout)
    return result
