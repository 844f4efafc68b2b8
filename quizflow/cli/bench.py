"""`quizflow bench ...`: benchmarks that print one JSON document with same-run baselines."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer

from quizflow.cli.output import err, print_json

app = typer.Typer(
    help="Benchmarks; each prints one JSON document with baselines from the same run."
    " They measure a checkout of the repository (an installed Quizflow does not carry them)."
)


@app.callback()
def _from_a_checkout() -> None:
    _needs("quizflow.bench", "the benchmarks (quizflow/bench in a checkout of the repository)")


@app.command("append")
def append(
    seconds: float = typer.Option(3.0, min=0.1, help="Length of each measured round."),
    rounds: int = typer.Option(
        3, min=1, help="Rounds per configuration, the kinds interleaved; figures pool them."
    ),
    writers: list[int] = typer.Option(
        [1, 16], min=1, help="Concurrent writers (in one process, and a process each)."
    ),
    events_per_append: list[int] = typer.Option([1, 3], min=1, help="Events in each append."),
) -> None:
    """Append throughput and latency vs raw INSERTs and the eventsourcing library."""
    from quizflow.database import database_url

    _needs("eventsourcing", "the eventsourcing library, this benchmark's baseline")
    from quizflow.bench.append import run

    report = run(
        database_url(),
        seconds=seconds,
        rounds=rounds,
        writer_counts=tuple(writers),
        batches=tuple(events_per_append),
        progress=lambda m: err.print(f"[dim]bench append:[/] {m}"),
    )
    print_json(report)


@app.command("http")
def http(
    students: int = typer.Option(100, help="Concurrent students for the headline figures."),
    seconds: float = typer.Option(15.0, help="Measured seconds per step."),
    steps: list[int] = typer.Option(
        [150, 200, 250, 300, 400, 500], help="Student counts tried for the capacity."
    ),
    pool_size: int = typer.Option(10, help="The server's PostgreSQL connections per process."),
    workers: int = typer.Option(
        1, min=1, help="Also measure with this many web processes (serve --workers N)."
    ),
    pgbouncer: bool = typer.Option(
        False, help="Start PgBouncer (transaction mode) for the served app's commands and sessions."
    ),
    pooler: str | None = typer.Option(
        None, help="host:port of a running transaction-mode PgBouncer to use instead."
    ),
) -> None:
    """The web app under simulated students: latency at 100 students, and the capacity."""
    from contextlib import ExitStack

    from quizflow.bench.http import run
    from quizflow.database import database_url

    server_url = database_url()
    with ExitStack() as stack:
        if pgbouncer and pooler is None:
            pooler = stack.enter_context(_pgbouncer(server_url))
        report = run(
            server_url,
            students=students,
            seconds=seconds,
            steps=tuple(steps),
            pool_size=pool_size,
            workers=workers,
            pooler=pooler,
            progress=lambda m: err.print(f"[dim]bench http:[/] {m}"),
        )
    print_json(report)


@contextmanager
def _pgbouncer(server_url: str) -> Iterator[str]:
    """PgBouncer for the web and sign-in logins of ``server_url``'s server: "host:port"."""
    from quizflow.bench.pgbouncer import PgBouncer
    from quizflow.eventstore.logins import LOGINS, ensure_logins
    from quizflow.settings import load_settings

    settings = load_settings()
    passwords = ensure_logins(server_url, settings.home, path=settings.db_logins_path)
    logins = {LOGINS[kind]: passwords[kind] for kind in ("web", "signin")}
    with PgBouncer(server_url, logins) as bouncer:
        yield f"127.0.0.1:{bouncer.port}"


@app.command("flags")
def flags(
    seeds: list[int] = typer.Option([1, 2, 3], help="Simulation seeds, one pair of runs each."),
    students: int = typer.Option(300, min=1, help="Students per run (the demo's size)."),
    days: int = typer.Option(20, min=1, help="School days per run."),
    faults: int = typer.Option(6, min=1, help="Faulty questions planted per run."),
) -> None:
    """Precision and recall of the fault flags against planted faults, with a run without
    faults per seed as the baseline (every flag raised there is false). In memory."""
    from quizflow.bench.flags import run

    report = run(
        seeds,
        students=students,
        days=days,
        faults=faults,
        progress=lambda m: err.print(f"[dim]bench flags:[/] {m}"),
    )
    print_json(report)


@app.command("ingest")
def ingest(
    events: int = typer.Option(1_000_000, help="Events to bulk-load into the store first."),
    warehouse: str = typer.Option(
        "duckdb",
        help="duckdb, or lake: the Iceberg lake's ingest (with its commit latency) and rebuild,"
        " with the DuckDB warehouse's figures beside them under `duckdb`. The lake's files go"
        " under QUIZFLOW_LAKE_WAREHOUSE (a prefix of their own) or a scratch folder.",
    ),
) -> None:
    """Warehouse ingest and full projection rebuild vs a plain ADBC transfer of the same rows."""
    from quizflow.cli.bench_ingest import ingest_bench

    if warehouse not in ("duckdb", "lake"):
        raise typer.BadParameter("duckdb or lake", param_hint="--warehouse")
    print_json(
        ingest_bench(
            events,
            progress=lambda m: err.print(f"[dim]bench ingest:[/] {m}"),
            warehouse=warehouse,
        )
    )


@app.command("history")
def history(
    events: int = typer.Option(
        5_000_000, min=1, help="Events of history to bulk-load into a fresh database first."
    ),
    rounds: int = typer.Option(
        3, min=1, help="Measured 100-event pipeline runs per history; the median is reported."
    ),
    serve_timeout: float = typer.Option(
        600.0, min=1, help="Seconds the web app may take to catch up before serve is null."
    ),
) -> None:
    """What a long history costs: the web app's start and a 100-event pipeline run.

    Loads --events synthetic quiz events into a fresh database and keeps an empty one beside
    it. Prints one JSON document: serve{seconds, seconds_empty, peak_rss_mb} (launch of
    `quizflow serve` until its read model is caught up, over the history and over none);
    increment{seconds, seconds_empty, bytes_written} (a pipeline run, ingest to publish, that
    finds 100 new events, over the history and over the empty warehouse; bytes are the run
    process's write_bytes from /proc/self/io); rebuild{events, seconds} (every projection
    rebuilt from the history); events. Both databases are dropped afterwards.
    """
    from quizflow.bench.history import run

    print_json(
        run(
            events,
            rounds=rounds,
            serve_timeout_s=serve_timeout,
            progress=lambda m: err.print(f"[dim]bench history:[/] {m}"),
        )
    )


@app.command("lake")
def lake(
    events: int = typer.Option(
        50_000, min=1, help="Events of history to bulk-load into a fresh database first."
    ),
    rounds: int = typer.Option(
        3, min=1, help="Measured 100-event pipeline runs per mode; the median is reported."
    ),
    s3: bool = typer.Option(
        False, "--s3", help="Also measure the lake on a local S3 server (moto, started here)."
    ),
) -> None:
    """Pipeline runs in the lake mode beside the DuckDB mode, on the same store.

    Loads --events synthetic quiz events into a fresh database; then per mode (duckdb, lake
    on a local folder, with --s3 lake_s3) a first run over everything, a run with nothing new,
    and --rounds runs that each find 100 new events. Prints one JSON document: events, rounds,
    modes{MODE: first_run_s, first_run_events, nothing_new_s, increment_events, increment_s
    (the median), increment_rounds_s}. The DuckDB mode is the baseline. The database, the
    lake catalogs and the scratch folders are dropped afterwards.
    """
    from quizflow.bench.lake_runs import run

    print_json(run(events, rounds, s3, progress=lambda m: err.print(f"[dim]bench lake:[/] {m}")))


def _needs(module: str, what: str) -> None:
    """Stop with a sentence when a baseline library of the `bench` group is missing."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        how = "run from a checkout" if module == "quizflow.bench" else "uv sync --group bench"
        err.print(f"[red]{what} is not installed:[/] {how}")
        raise typer.Exit(2)
