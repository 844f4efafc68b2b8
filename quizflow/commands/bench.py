"""`quizflow bench ...`: benchmarks that print one JSON document with same-run baselines."""

from __future__ import annotations

import typer

from quizflow.commands.output import err, print_json

app = typer.Typer(
    help="Benchmarks; each prints one JSON document with baselines from the same run."
)


@app.command("append")
def append(
    seconds: float = typer.Option(4.0, help="Length of each measured run."),
    writers: list[int] = typer.Option([1, 16], help="Concurrent writer processes."),
) -> None:
    """Append throughput and latency vs raw INSERTs and the eventsourcing library."""
    from quizflow.bench.append import run
    from quizflow.database import database_url

    report = run(
        database_url(),
        seconds=seconds,
        writer_counts=tuple(writers),
        progress=lambda m: err.print(f"[dim]bench append:[/] {m}"),
    )
    print_json(report)
