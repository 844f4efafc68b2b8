"""Score the editors' fault flags over many simulations in seconds: simulate once, cache, re-score.

    uv run python bench/flag_cache.py simulate --dir /tmp/flags --seeds 61 --seeds 62 [...]
        [--students 300] [--days 20] [--faults 6]
    uv run python bench/flag_cache.py evidence --dir /tmp/flags
    uv run python bench/flag_cache.py score --dir /tmp/flags --seeds 61 [...]
        [--set ambiguous_fdr=0.05]

`simulate` runs, per seed, what `quizflow bench flags` runs (the real command handler on an
in-memory store, with planted faults and without) and keeps only the answers and the planted
list: no flag is computed, so seeds kept for a held-out test stay unseen. `evidence` computes,
per run, what the flag rules read (each question's `QuestionEvidence`: the Rasch fit and the
students' rest abilities, the expensive part). `score` applies the rules of
`quizflow.analysis.flags` (with ``--set`` a field of `FlagThresholds` changed) to the cached
evidence and prints one JSON document in the shape of `bench flags`: per flag the hits,
raised and planted over the runs with faults with 95% intervals, the false flags of the runs
without, and the precision over both. Keep the directory outside the repository.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl
from flag_oracle import simulation_arguments

from quizflow.analysis.answer_evidence import (
    AnswerEvidence,
    QuestionEvidence,
    answer_abilities,
    question_evidence,
)
from quizflow.analysis.calibration import FlagScore, flag_scores
from quizflow.analysis.flags import DEFAULT_THRESHOLDS, FAULT_FLAGS, FlagThresholds, fault_flags
from quizflow.analysis.hard_questions import _fit_rasch_coded
from quizflow.analysis.item_stats import first_attempts
from quizflow.app.catalog import CourseCatalog
from quizflow.bench.flags import totals
from quizflow.eventstore import InMemoryEventStore
from quizflow.quiz.answers import normalise
from quizflow.simulate import SimulationConfig, simulate
from quizflow.simulate.runner import SAMPLE_COURSE_ID

_ANSWERED = ("QuestionAnsweredCorrectly", "QuestionAnsweredIncorrectly")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("step", choices=("simulate", "evidence", "score"))
    parser.add_argument("--dir", type=Path, required=True)
    simulation_arguments(parser, seeds_required=False)
    parser.add_argument("--set", action="append", default=[], help="threshold=value")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    if args.step == "simulate":
        for seed in args.seeds:
            for plant in (args.faults, 0):
                simulate_run(args.dir, seed, plant, args.students, args.days)
    elif args.step == "evidence":
        for answers in sorted(args.dir.glob("*.answers.parquet")):
            cache_evidence(args.dir, answers.name.removesuffix(".answers.parquet"))
    else:
        thresholds = thresholds_with(args.set)
        print(json.dumps(score(args.dir, args.seeds, thresholds), indent=1))


def simulate_run(directory: Path, seed: int, plant: int, students: int, days: int) -> None:
    name = f"s{seed}_p{plant}"
    if (directory / f"{name}.planted.json").exists():
        return
    started = time.perf_counter()
    store = InMemoryEventStore()
    config = SimulationConfig(students=students, days=days, seed=seed, plant_faults=plant)
    summary = simulate(store, config)
    course = CourseCatalog(store).get(SAMPLE_COURSE_ID)
    questions = {q.question_id: q for c in course.chapters for q in c.questions} if course else {}
    rows = []
    for event in store.read_all(limit=10**9):
        if event.type.rsplit("/", 1)[-1] not in _ANSWERED:
            continue
        data = event.data
        rows.append(
            {
                "student_id": str(data["student_id"]),
                "question_id": str(data["question_id"]),
                "correct": event.type.endswith("Correctly"),
                "answer": normalise(questions.get(str(data["question_id"])), data["inputs"]),
                "occurred_at": event.occurred_at,
            }
        )
    pl.DataFrame(rows).write_parquet(directory / f"{name}.answers.parquet")
    # Written last: its presence marks a complete run.
    (directory / f"{name}.planted.json").write_text(json.dumps(summary.planted))
    print(f"{name}: {time.perf_counter() - started:.1f} s", flush=True)


def cache_evidence(directory: Path, name: str) -> None:
    target = directory / f"{name}.evidence.json"
    if target.exists() or not (directory / f"{name}.planted.json").exists():
        return
    answers = pl.read_parquet(directory / f"{name}.answers.parquet")
    _, fit, codes = _fit_rasch_coded(first_attempts(answers, order_by="occurred_at"))
    scored = answer_abilities(
        answers.select("student_id", "question_id", "correct", "answer"), fit, codes
    )
    evidence = question_evidence(scored, min_choosers=DEFAULT_THRESHOLDS.min_choosers)
    target.write_text(json.dumps([dataclasses.asdict(e) for e in evidence.values()]))


def load_evidence(path: Path) -> dict[Any, QuestionEvidence]:
    evidence = {}
    for row in json.loads(path.read_text()):
        options = [AnswerEvidence(**o) for o in row.pop("options")]
        evidence[row["question_id"]] = QuestionEvidence(**row, options=options)
    return evidence


def score(directory: Path, seeds: Sequence[int], thresholds: FlagThresholds) -> dict[str, Any]:
    with_faults = {flag: FlagScore() for flag in FAULT_FLAGS}
    clean_raised = dict.fromkeys(FAULT_FLAGS, 0)
    runs = []
    for seed in seeds:
        for path in sorted(directory.glob(f"s{seed}_p*.evidence.json")):
            name = path.name.removesuffix(".evidence.json")
            planted = json.loads((directory / f"{name}.planted.json").read_text())
            found = fault_flags(load_evidence(path), thresholds)
            truth = {(p["question_id"], p["fault"]) for p in planted}
            run = flag_scores(
                (
                    {"question_id": question_id, "flags": [flag]}
                    for question_id, flag in found.items()
                ),
                planted,
            )
            for flag, one in run.items():
                if planted:
                    with_faults[flag].add(one)
                else:
                    clean_raised[flag] += one.raised
            runs.append(
                {
                    "seed": seed,
                    "planted": len(planted),
                    "flags": {f: [s.hits, s.raised, s.planted] for f, s in run.items()},
                    "false": sorted(
                        f"{question_id} {flag}"
                        for question_id, flag in found.items()
                        if (question_id, flag) not in truth
                    ),
                }
            )
    return {
        "seeds": list(seeds),
        "thresholds": dataclasses.asdict(thresholds),
        **totals(with_faults, clean_raised),
        "runs": runs,
    }


def thresholds_with(settings: Sequence[str]) -> FlagThresholds:
    """The flags' default thresholds with ``settings`` ("name=value") changed."""
    fields = {f.name: f.type for f in dataclasses.fields(FlagThresholds)}
    chosen: dict[str, Any] = {}
    for setting in settings:
        name, _, value = setting.partition("=")
        if name not in fields:
            raise SystemExit(f"unknown threshold {name!r}; known: {', '.join(sorted(fields))}")
        chosen[name] = int(value) if fields[name] in (int, "int") else float(value)
    return dataclasses.replace(DEFAULT_THRESHOLDS, **chosen)


if __name__ == "__main__":
    main()
