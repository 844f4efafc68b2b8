"""Warehouse ingest benchmark: `uv run python bench/bench_ingest.py --events 1000000`.

The same as `quizflow bench ingest`; prints one JSON document on stdout, progress on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys

from quizflow.cli.bench_ingest import ingest_bench


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    report = ingest_bench(args.events, progress=lambda m: print(m, file=sys.stderr, flush=True))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
