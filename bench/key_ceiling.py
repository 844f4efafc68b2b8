"""The ceiling of the `ambiguous` flag: the key's fit test with the students' true strengths.

    uv run python bench/key_ceiling.py --dir /tmp/key-ceiling --seeds 11 --seeds 12 [...]
        [--students 300] [--days 20] [--faults 6] [--fdr 0.03]

Per seed, the simulation `quizflow bench flags` runs, with planted faults and without,
recording each answer's true ability (as `bench/flag_oracle.py` does); runs already in
``--dir`` are read instead of simulated again. Then, per run, every question's key fit test
twice: from the strengths estimated as `hard-questions` does, and from the true ones (the
question's difficulty refitted with them). Both are decided as the flag is, by
Benjamini-Hochberg at ``--fdr`` over each course's questions, here those with enough answers
and no other planted fault. Prints one JSON document: per test the ambiguous questions found,
the flags raised and planted in the runs with faults, and the flags raised in the runs
without, in total and per chapter.

When the true strengths find what the estimated ones miss, the loss is in estimating the
students, not in the data; what the true strengths miss too, no test of the key finds.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from flag_oracle import (
    _estimated_evidence,
    _simulate_with_true_abilities,
    refitted_difficulty,
    simulation_arguments,
)
from scipy import stats
from scipy.special import expit

from quizflow.analysis.answer_evidence import _slope_z
from quizflow.analysis.flags import DEFAULT_THRESHOLDS, benjamini_hochberg
from quizflow.quiz import Course
from quizflow.simulate.faults import AMBIGUOUS, choose_faults


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, required=True, help="where runs are kept")
    simulation_arguments(parser)
    parser.add_argument("--fdr", type=float, default=DEFAULT_THRESHOLDS.ambiguous_fdr)
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for seed in args.seeds:
        for plant in (args.faults, 0):
            frame, planted = _run(args.dir, seed, plant, args.students, args.days)
            run = {"run": f"s{seed}_p{plant}", "with_faults": plant > 0}
            rows += [run | row for row in key_tests(frame, planted)]
    print(json.dumps(_summary(pl.DataFrame(rows), args.fdr), indent=1))


def _run(
    directory: Path, seed: int, plant: int, students: int, days: int
) -> tuple[pl.DataFrame, dict[str, str]]:
    name = f"s{seed}_p{plant}"
    answers, planted = directory / f"{name}.answers.parquet", directory / f"{name}.planted.json"
    if not planted.exists():
        frame, course = _simulate_with_true_abilities(seed, students, days, plant)
        with_chapters(frame, course).write_parquet(answers)
        chosen = [p.as_json() for p in choose_faults(seed, course, plant)]
        planted.write_text(json.dumps(chosen))  # written last: marks a complete run
    faults = {p["question_id"]: p["fault"] for p in json.loads(planted.read_text())}
    return pl.read_parquet(answers), faults


def with_chapters(frame: pl.DataFrame, course: Course) -> pl.DataFrame:
    """``frame`` with each answer's `chapter` (null for a question not in ``course``)."""
    chapter = {q.question_id: c.chapter_id for c in course.chapters for q in c.questions}
    return frame.with_columns(
        pl.col("question_id").replace_strict(chapter, default=None).alias("chapter")
    )


def key_tests(frame: pl.DataFrame, planted: dict[str, str]) -> list[dict[str, Any]]:
    """Per sound or ambiguous question with enough answers, the key's test from the estimated
    strengths and from the true ones (``frame``: answers with `true_theta` and `chapter`)."""
    estimated = _estimated_evidence(frame.select(pl.exclude("true_theta", "chapter")))
    rows = []
    for (question_id, chapter), answers in frame.group_by("question_id", "chapter"):
        fault = planted.get(str(question_id))
        evidence = estimated.get(question_id)
        if fault not in (None, AMBIGUOUS) or evidence is None or evidence.key_z is None:
            continue
        if evidence.answers < DEFAULT_THRESHOLDS.min_answers:
            continue
        theta = answers["true_theta"].to_numpy().astype(np.float64)
        right = answers["correct"].to_numpy().astype(np.float64)
        rows.append(
            {
                "question_id": question_id,
                "chapter": chapter,
                "ambiguous": fault == AMBIGUOUS,
                "estimated": evidence.key_z,
                "true": _slope_z(right, expit(theta - refitted_difficulty(theta, right)), theta),
            }
        )
    return rows


def decided(tests: pl.DataFrame, test: str, fdr: float) -> pl.DataFrame:
    """``tests`` with `flagged`: the ``test`` column decided by BH at ``fdr`` per run."""
    flags = []
    for _, one in tests.group_by("run"):
        p_values = stats.norm.cdf(one[test].to_numpy()).tolist()
        flags.append(one.with_columns(pl.Series("flagged", benjamini_hochberg(p_values, fdr))))
    return pl.concat(flags)


def _summary(tests: pl.DataFrame, fdr: float) -> dict[str, Any]:
    flagged = {test: decided(tests, test, fdr) for test in ("estimated", "true")}
    return {
        "fdr": fdr,
        "runs": tests["run"].n_unique(),
        "total": {test: counts(frame) for test, frame in flagged.items()},
        "per_chapter": {
            test: {
                str(chapter): counts(part)
                for (chapter,), part in frame.sort("chapter").group_by(
                    "chapter", maintain_order=True
                )
            }
            for test, frame in flagged.items()
        },
    }


def counts(frame: pl.DataFrame) -> dict[str, Any]:
    faulty = frame.filter("with_faults")
    planted = int(faulty["ambiguous"].sum())
    found = int((faulty["flagged"] & faulty["ambiguous"]).sum())
    raised = int(faulty["flagged"].sum())
    return {
        "found": found,
        "raised": raised,
        "planted": planted,
        "recall": round(found / planted, 3) if planted else None,
        "precision": round(found / raised, 3) if raised else None,
        "raised_without_faults": int(frame.filter(~pl.col("with_faults"))["flagged"].sum()),
    }


if __name__ == "__main__":
    main()
