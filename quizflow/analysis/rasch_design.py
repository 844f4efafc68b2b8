"""Answers aggregated to (person, item) pairs, walked in person-aligned chunks.

Every Rasch computation runs over the observed pairs only (never a persons x items matrix):
a chunk of pairs times the quadrature nodes is the largest array, and per-person sums are
segment sums because the pairs are sorted by person.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

# 10k pairs x 9 nodes x 8 bytes = 0.7 MB per temporary: it stays in cache, which is faster than
# large chunks (bench/README.md); the per-chunk Python overhead is negligible at this size.
CHUNK_PAIRS = 10_000


@dataclass(frozen=True)
class ResponseDesign:
    """One entry per (person, item) pair, sorted by person then item."""

    n_persons: int
    n_items: int
    pair_person: IntArray
    pair_item: IntArray
    pair_count: FloatArray  # answers of this person to this item (repeats are separate trials)
    pair_correct: FloatArray  # of which correct
    person_start: IntArray  # CSR row pointer: pairs of person p are [start[p], start[p+1])
    person_score: FloatArray  # correct answers per person
    item_answers: FloatArray
    item_correct: FloatArray

    @classmethod
    def from_long(
        cls,
        person: ArrayLike,
        item: ArrayLike,
        correct: ArrayLike,
        *,
        n_persons: int | None = None,
        n_items: int | None = None,
    ) -> ResponseDesign:
        p = np.asarray(person, dtype=np.int64).ravel()
        j = np.asarray(item, dtype=np.int64).ravel()
        y = np.asarray(correct).ravel().astype(np.float64)
        if not (len(p) == len(j) == len(y)):
            raise ValueError("person, item and correct must have the same length")
        if len(p) and (p.min() < 0 or j.min() < 0):
            raise ValueError("person and item indices must be >= 0")
        if np.any((y != 0.0) & (y != 1.0)):
            raise ValueError("correct must be 0/1 (or boolean)")
        n_p = int(n_persons if n_persons is not None else (p.max() + 1 if len(p) else 0))
        n_j = int(n_items if n_items is not None else (j.max() + 1 if len(j) else 0))
        if len(p) and (p.max() >= n_p or j.max() >= n_j):
            raise ValueError("an index is out of range for n_persons / n_items")

        key = p * n_j + j
        uniq, inverse = np.unique(key, return_inverse=True)  # sorted: person-major order
        count = _weighted_count(inverse, np.ones(len(p)), len(uniq))
        n_correct = _weighted_count(inverse, y, len(uniq))
        pair_person = uniq // n_j
        pair_item = uniq % n_j
        start = np.concatenate([[0], np.cumsum(np.bincount(pair_person, minlength=n_p))])
        return cls(
            n_persons=n_p,
            n_items=n_j,
            pair_person=pair_person,
            pair_item=pair_item,
            pair_count=count,
            pair_correct=n_correct,
            person_start=start.astype(np.int64),
            person_score=_weighted_count(pair_person, n_correct, n_p),
            item_answers=_weighted_count(pair_item, count, n_j),
            item_correct=_weighted_count(pair_item, n_correct, n_j),
        )

    @property
    def n_pairs(self) -> int:
        return int(self.pair_person.size)

    def chunks(self, max_pairs: int = CHUNK_PAIRS) -> Iterator[slice]:
        """Slices of pairs that never split a person (a person with more pairs gets a chunk)."""
        wanted = np.arange(max_pairs, self.n_pairs, max_pairs)
        cuts = self.person_start[np.searchsorted(self.person_start, wanted)]
        bounds = np.unique(np.concatenate([[0], cuts, [self.n_pairs]]))
        for lo, hi in pairwise(bounds):
            yield slice(int(lo), int(hi))

    def person_sums(self, sl: slice, values: FloatArray, out: FloatArray) -> None:
        """out[p] += sum of `values` rows over person p's pairs in chunk `sl`."""
        persons = self.pair_person[sl]
        if persons.size == 0:
            return
        starts = np.flatnonzero(np.diff(persons, prepend=-1))
        out[persons[starts]] += np.add.reduceat(values, starts, axis=0)


def _weighted_count(index: IntArray, weights: FloatArray, size: int) -> FloatArray:
    return np.bincount(index, weights=weights, minlength=size).astype(np.float64)


@dataclass(frozen=True)
class Quadrature:
    """Gauss-Hermite nodes and log-weights for x ~ N(0, 1)."""

    nodes: FloatArray
    log_weights: FloatArray

    @classmethod
    def gauss_hermite(cls, n_points: int) -> Quadrature:
        if n_points < 3:
            raise ValueError("use at least 3 quadrature points")
        nodes, weights = np.polynomial.hermite_e.hermegauss(n_points)
        return cls(nodes=nodes, log_weights=np.log(weights / weights.sum()))
