"""Where each planted fault's flag lands, and what each false flag sits on.

    uv run python bench/flag_confusion.py --dir /tmp/flags --seeds 61 --seeds 62 [...]
        [--set ambiguous_fdr=0.05]

Reads the evidence `bench/flag_cache.py evidence` cached in ``--dir`` and applies the rules
of `quizflow.analysis.flags`. Prints one JSON document: per planted fault (and `sound` for
the questions without one) how many got each flag or none, in the runs with faults, and
the flags raised in the runs without. A recall lost to a wrong name (an ambiguous question
flagged `wrong_key`) and one lost to no flag at all call for different remedies.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flag_cache import load_evidence, thresholds_with

from quizflow.analysis.flags import FlagThresholds, fault_flags

SOUND = "sound"
NO_FLAG = "none"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--seeds", type=int, action="append", required=True)
    parser.add_argument("--set", action="append", default=[], help="threshold=value")
    args = parser.parse_args()
    thresholds = thresholds_with(args.set)
    print(json.dumps(confusion(args.dir, args.seeds, thresholds), indent=1))


def confusion(directory: Path, seeds: Sequence[int], thresholds: FlagThresholds) -> dict[str, Any]:
    with_faults: Counter[tuple[str, str]] = Counter()
    without: Counter[str] = Counter()
    for seed in seeds:
        for path in sorted(directory.glob(f"s{seed}_p*.evidence.json")):
            name = path.name.removesuffix(".evidence.json")
            planted = {
                p["question_id"]: p["fault"]
                for p in json.loads((directory / f"{name}.planted.json").read_text())
            }
            evidence = load_evidence(path)
            found = fault_flags(evidence, thresholds)
            if not planted:
                without.update(found.values())
                continue
            for question_id in evidence:
                fault = planted.get(question_id, SOUND)
                flag = found.get(question_id, NO_FLAG)
                if fault != SOUND or flag != NO_FLAG:
                    with_faults[(fault, flag)] += 1
    table: dict[str, dict[str, int]] = {}
    for (fault, flag), count in sorted(with_faults.items()):
        table.setdefault(fault, {})[flag] = count
    return {
        "seeds": list(seeds),
        "thresholds": dataclasses.asdict(thresholds),
        "with_faults": table,
        "raised_without_faults": dict(sorted(without.items())),
    }


if __name__ == "__main__":
    main()
