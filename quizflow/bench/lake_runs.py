"""Pipeline runs in the lake mode beside the DuckDB mode, on the same store, in one process.

``quizflow bench lake [--events N] [--rounds R] [--s3]`` (or ``python -m
quizflow.bench.lake_runs`` with the same options) loads N synthetic quiz
events (COPY) into a database of its own, then per warehouse: a first run over everything, a
run with nothing new, and R runs that each find 100 new events (the same 100 for every mode);
prints one JSON document with the seconds of each (medians over the rounds). The lake is
measured on a local folder, and with ``--s3`` also on a local S3 server (moto, started here; a
real object store is slower per request). Every mode gets a fresh warehouse and, for the lake,
a fresh catalog database; all are dropped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

INCREMENT_EVENTS = 100


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextmanager
def _s3_bucket() -> Iterator[dict[str, str]]:
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        keys = {"aws_access_key_id": "bench", "aws_secret_access_key": "bench-secret"}
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **keys)
        s3.create_bucket(Bucket="bench")
        yield {
            "QUIZFLOW_LAKE_WAREHOUSE": "s3://bench/warehouse",
            "QUIZFLOW_LAKE_S3_ENDPOINT": endpoint,
            "QUIZFLOW_LAKE_S3_ACCESS_KEY_ID": "bench",
            "QUIZFLOW_LAKE_S3_SECRET_ACCESS_KEY": "bench-secret",
        }
    finally:
        server.stop()


def _timed_run(settings: Any, url: str) -> dict[str, Any]:
    from quizflow.warehouse.run import run_pipeline

    started = time.monotonic()
    summary = run_pipeline(settings, url)
    return {"seconds": time.monotonic() - started, "events": summary.ingest.events}


def run(
    events: int = 50_000,
    rounds: int = 3,
    s3: bool = False,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    import logging

    from quizflow.database import database_url
    from quizflow.eventstore.admin import create_database, drop_database
    from quizflow.eventstore.bulk import bulk_load, copy_rows, synthetic_quiz_rows
    from quizflow.eventstore.migrate import migrate
    from quizflow.settings import Settings, load_settings

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = database_url(load_settings())
    tag = f"{os.getpid()}_{uuid.uuid4().hex[:6]}"
    store = f"quizflow_bench_lake_runs_{tag}"
    catalogs = {"lake": f"quizflow_bench_lake_catalog_{tag}", "lake_s3": f"{store}_s3cat"}
    modes = ["duckdb", "lake", *(["lake_s3"] if s3 else [])]
    created: list[str] = []
    say = progress or (lambda _message: None)
    try:
        url = create_database(server, store)
        created.append(store)
        migrate(url)
        say(f"loading {events:,} events into database {store} (dropped afterwards)")
        loaded = bulk_load(url, events)
        envs: dict[str, dict[str, str]] = {"duckdb": {"QUIZFLOW_WAREHOUSE": "duckdb"}}
        for mode in modes[1:]:
            envs[mode] = {
                "QUIZFLOW_WAREHOUSE": "lake",
                "QUIZFLOW_LAKE_CATALOG_URL": create_database(server, catalogs[mode]),
            }
            created.append(catalogs[mode])
        with tempfile.TemporaryDirectory() as tmp, _s3_bucket() if s3 else _nothing() as s3env:
            # The local-folder lake is the scratch folder's, whatever QUIZFLOW_LAKE_WAREHOUSE
            # says: the figures never mix with a real lake's files.
            envs["lake"]["QUIZFLOW_LAKE_WAREHOUSE"] = str(Path(tmp) / "lake-files")
            if s3:
                envs["lake_s3"].update(s3env)
            homes = {mode: Settings(home=Path(tmp) / mode, database_url=url) for mode in modes}
            first: dict[str, Any] = {}
            idle: dict[str, Any] = {}
            increments: dict[str, list[dict[str, Any]]] = {mode: [] for mode in modes}
            for mode in modes:
                say(f"{mode}: a first run over everything, then one with nothing new")
                with _environment(envs[mode]):
                    first[mode] = _timed_run(homes[mode], url)
                    idle[mode] = _timed_run(homes[mode], url)
            for round_ in range(rounds):
                say(
                    f"round {round_ + 1} of {rounds}: {INCREMENT_EVENTS} new events, a run per mode"
                )
                copy_rows(
                    url,
                    synthetic_quiz_rows(
                        INCREMENT_EVENTS, seed=2000 + round_, student_prefix=f"lake{round_}-"
                    ),
                )
                for mode in modes:
                    with _environment(envs[mode]):
                        increments[mode].append(_timed_run(homes[mode], url))
    finally:
        for name in created:
            drop_database(server, name)
    return {
        "events": loaded,
        "rounds": rounds,
        "modes": {
            mode: {
                "first_run_s": round(first[mode]["seconds"], 2),
                "first_run_events": first[mode]["events"],
                "nothing_new_s": round(idle[mode]["seconds"], 2),
                "increment_events": INCREMENT_EVENTS,
                "increment_s": round(statistics.median(r["seconds"] for r in increments[mode]), 2),
                "increment_rounds_s": [round(r["seconds"], 2) for r in increments[mode]],
            }
            for mode in modes
        },
    }


@contextmanager
def _nothing() -> Iterator[dict[str, str]]:
    yield {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--s3", action="store_true", help="also on a local S3 server (moto)")
    args = parser.parse_args()
    print(json.dumps(run(args.events, args.rounds, args.s3), indent=2))


if __name__ == "__main__":
    main()
