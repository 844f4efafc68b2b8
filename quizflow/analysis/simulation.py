"""Simulated Rasch answers with known truth, for recovery tests and the benchmark."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from quizflow.analysis.rasch_design import FloatArray, IntArray

BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class SimulatedAnswers:
    person: IntArray
    item: IntArray
    correct: BoolArray
    difficulty: FloatArray  # true b per item
    ability: FloatArray  # true theta per person
    sigma: float


def simulate_rasch(
    n_persons: int,
    n_items: int,
    answers_per_person: int,
    *,
    sigma: float = 1.0,
    difficulty_sd: float = 1.0,
    seed: int = 0,
) -> SimulatedAnswers:
    """Each person answers `answers_per_person` distinct items drawn at random (sparse design)."""
    if not 0 < answers_per_person <= n_items:
        raise ValueError("answers_per_person must be in 1..n_items")
    rng = np.random.default_rng(seed)
    b = rng.normal(0.0, difficulty_sd, n_items)
    theta = rng.normal(0.0, sigma, n_persons)
    items = _distinct_items(rng, n_persons, n_items, answers_per_person)
    person = np.repeat(np.arange(n_persons, dtype=np.int64), answers_per_person)
    item = items.ravel()
    p_correct = 1.0 / (1.0 + np.exp(-(theta[person] - b[item])))
    correct = rng.random(person.size) < p_correct
    return SimulatedAnswers(person, item, correct, b, theta, sigma)


def _distinct_items(
    rng: np.random.Generator, n_persons: int, n_items: int, k: int
) -> NDArray[np.int64]:
    """k distinct random items per person, without a Python loop over persons."""
    if k * k < 4 * n_items:
        # Few items from a large bank: draw with replacement and redraw the rows that repeat
        # an item (a row is clean with probability ~exp(-k^2 / 2n), so few rounds).
        items = rng.integers(0, n_items, size=(n_persons, k))
        while True:
            ordered = np.sort(items, axis=1)
            repeats = np.flatnonzero((ordered[:, 1:] == ordered[:, :-1]).any(axis=1))
            if repeats.size == 0:
                return items
            items[repeats] = rng.integers(0, n_items, size=(repeats.size, k))
    # Otherwise the k smallest of random keys, in blocks of at most ~40 MB of keys.
    items = np.empty((n_persons, k), dtype=np.int64)
    block = max(1, 10_000_000 // n_items)
    for start in range(0, n_persons, block):
        keys = rng.random((min(block, n_persons - start), n_items), dtype=np.float32)
        items[start : start + len(keys)] = np.argsort(keys, axis=1)[:, :k]
    return items
