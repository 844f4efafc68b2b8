"""How many ambiguous questions any test of the answers could find: the Neyman-Pearson bound.

    uv run python bench/ambiguous_bound.py --seeds 1 --seeds 2 [...] [--students 300]
        [--days 20] [--faults 6] [--fdr 0.03] [--wheel-spinners]

The `ambiguous` flag must judge each student's strength from their other answers; a test
that knew the true strengths would find more (`bench/key_ceiling.py`), but no data has
them. This asks what the answers themselves allow, in a world where the Rasch model holds
exactly: the simulation `quizflow bench flags` runs, with the students' growth and the
wheel-spinners switched off (every student one fixed strength, drawn from N(0, 1)). There,
with every parameter known (each question's true difficulty, the strengths' distribution,
an ambiguous question's chance of a right answer), "this question is ambiguous" and "it is
sound" are two simple hypotheses, and by the Neyman-Pearson lemma their likelihood ratio,
each student's strength integrated out given their answers to the other questions, is the
most powerful test of the answers there is. The other planted faults' questions are left
out of the strengths (the bound knows which they are). With ``--wheel-spinners`` the
simulator's wheel-spinners stay (each still one fixed strength, lower by the simulator's
penalty) and the bound draws strengths from that mixture. Per question, three tests, each
decided as the flag is (Benjamini-Hochberg at ``--fdr`` over each course's sound and
ambiguous questions with enough answers):

- ``flag``: the key's test as `hard-questions` computes it (strengths and difficulties
  estimated from the answers);
- ``bound``: the likelihood ratio with the true parameters, standardised by its exact mean
  and variance under the Rasch model;
- ``true_strengths``: the key's test with the students' true strengths (not a test of the
  answers: the ceiling of `bench/key_ceiling.py`).

Prints one JSON document: per test the ambiguous questions found, flags raised and planted
in the runs with faults, and flags raised in the runs without.
"""

from __future__ import annotations

import argparse
import json
from contextlib import ExitStack
from typing import Any
from unittest import mock

import numpy as np
import polars as pl
from flag_oracle import _simulate_with_true_abilities, simulation_arguments
from key_ceiling import counts, decided, key_tests, with_chapters
from scipy import sparse
from scipy.special import expit, gammaln, log_expit

from quizflow.analysis.flags import DEFAULT_THRESHOLDS
from quizflow.simulate import ability
from quizflow.simulate.faults import choose_faults

_GRID = np.linspace(-6.0, 6.0, 241)
TESTS = ("flag", "bound", "true_strengths")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    simulation_arguments(parser)
    parser.add_argument("--fdr", type=float, default=DEFAULT_THRESHOLDS.ambiguous_fdr)
    parser.add_argument("--wheel-spinners", action="store_true", help="keep them")
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    for seed in args.seeds:
        for plant in (args.faults, 0):
            rows += _one_run(seed, plant, args.students, args.days, args.wheel_spinners)
    tests = pl.DataFrame(rows)
    world = {"fdr": args.fdr, "wheel_spinners": args.wheel_spinners}
    print(json.dumps(world | _decided(tests, args.fdr), indent=1))


def _one_run(
    seed: int, plant: int, students: int, days: int, wheel_spinners: bool
) -> list[dict[str, Any]]:
    with ExitStack() as rasch_world:
        rasch_world.enter_context(mock.patch.object(ability, "GROWTH_PER_ANSWER", 0.0))
        if not wheel_spinners:
            rasch_world.enter_context(mock.patch.object(ability, "WHEEL_SPINNER_SHARE", 0.0))
        frame, course = _simulate_with_true_abilities(seed, students, days, plant)
    faults = {p.question_id: p.fault for p in choose_faults(seed, course, plant)}
    difficulty = ability.true_difficulties(seed, course)
    share = ability.WHEEL_SPINNER_SHARE if wheel_spinners else 0.0
    log_prior = np.logaddexp(
        np.log1p(-share) - 0.5 * _GRID**2,
        np.log(max(share, 1e-300)) - 0.5 * (_GRID + ability.WHEEL_SPIN_PENALTY) ** 2,
    )
    bound = _likelihood_ratio_z(frame, difficulty, faults, log_prior)
    return [
        {
            "run": f"s{seed}_p{plant}",
            "with_faults": plant > 0,
            "ambiguous": row["ambiguous"],
            "flag": row["estimated"],
            "bound": -bound[str(row["question_id"])],  # negative like the key's test
            "true_strengths": row["true"],
        }
        for row in key_tests(with_chapters(frame, course), faults)
    ]


def _likelihood_ratio_z(
    frame: pl.DataFrame, difficulty: dict[str, float], faults: dict[str, str], log_prior: np.ndarray
) -> dict[str, float]:
    """Per question, the standardised log likelihood ratio of "ambiguous" against "sound"."""
    pairs = frame.group_by("student_id", "question_id").agg(
        pl.col("correct").cast(pl.Float64).sum().alias("right"),
        pl.len().cast(pl.Float64).alias("tries"),
    )
    questions = sorted(difficulty)
    index = {q: i for i, q in enumerate(questions)}
    students = {s: i for i, s in enumerate(pairs["student_id"].unique().sort())}
    person = np.array([students[s] for s in pairs["student_id"]])
    item = np.array([index[q] for q in pairs["question_id"]])
    right, tries = pairs["right"].to_numpy(), pairs["tries"].to_numpy()
    b = np.array([difficulty[q] for q in questions])
    log_right = log_expit(_GRID[None, :] - b[:, None])
    log_wrong = log_expit(b[:, None] - _GRID[None, :])
    # Only sound questions tell a student's strength (the bound knows the faulty ones).
    counts = np.array([q not in faults for q in questions], dtype=np.float64)[item]
    shape = (len(students), len(questions))
    total = (
        sparse.csr_matrix((right * counts, (person, item)), shape=shape) @ log_right
        + sparse.csr_matrix(((tries - right) * counts, (person, item)), shape=shape) @ log_wrong
    )
    own = counts[:, None] * (
        right[:, None] * log_right[item] + (tries - right)[:, None] * log_wrong[item]
    )
    rest = total[person] - own + log_prior
    rest -= rest.max(axis=1, keepdims=True)
    weight = np.exp(rest)
    weight /= weight.sum(axis=1, keepdims=True)

    def log_predicted(k: np.ndarray, rows: np.ndarray) -> np.ndarray:
        q = item[rows]
        log_p = k[:, None] * log_right[q] + (tries[rows] - k)[:, None] * log_wrong[q]
        return np.log(np.einsum("ij,ij->i", weight[rows], np.exp(log_p)))

    def ratio(k: np.ndarray, rows: np.ndarray, p0: float) -> np.ndarray:
        n = tries[rows]
        return k * np.log(p0) + (n - k) * np.log1p(-p0) - log_predicted(k, rows)

    z = {}
    for question, i in index.items():
        rows = np.flatnonzero(item == i)
        if rows.size == 0:
            continue
        p0 = float(expit(-b[i]))  # an ambiguous question: an average student's chance
        n = tries[rows]

        observed = ratio(right[rows], rows, p0).sum()
        mean = np.zeros(rows.size)
        square = np.zeros(rows.size)
        for j in range(int(n.max()) + 1):
            k = np.minimum(float(j), n)
            log_choose = gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)
            chance = np.where(j <= n, np.exp(log_choose + log_predicted(k, rows)), 0.0)
            value = ratio(k, rows, p0)
            mean += chance * value
            square += chance * value**2
        variance = float((square - mean**2).sum())
        z[question] = float((observed - mean.sum()) / np.sqrt(variance)) if variance > 0 else 0.0
    return z


def _decided(tests: pl.DataFrame, fdr: float) -> dict[str, Any]:
    return {"runs": tests["run"].n_unique()} | {
        test: counts(decided(tests, test, fdr)) for test in TESTS
    }


if __name__ == "__main__":
    main()
