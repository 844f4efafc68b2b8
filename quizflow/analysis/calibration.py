"""Precision and recall of the fault flags against faults planted on purpose."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from quizflow.analysis.flags import FAULT_FLAGS, wilson_interval


@dataclass
class FlagScore:
    planted: int = 0
    raised: int = 0
    hits: int = 0  # raised on a question planted with that fault

    @property
    def precision(self) -> float | None:
        return self.hits / self.raised if self.raised else None

    @property
    def recall(self) -> float | None:
        return self.hits / self.planted if self.planted else None

    def add(self, other: FlagScore) -> None:
        self.planted += other.planted
        self.raised += other.raised
        self.hits += other.hits

    def as_json(self) -> dict[str, Any]:
        # A few planted faults per run: 7 of 10 and 8 of 10 are the same result within
        # sampling error, so every share comes with its 95% interval.
        return {
            **asdict(self),
            "precision": self.precision,
            "precision_interval": share_interval(self.hits, self.raised),
            "recall": self.recall,
            "recall_interval": share_interval(self.hits, self.planted),
        }


def share_interval(part: int, whole: int) -> list[float] | None:
    """The 95% Wilson interval of ``part / whole``, rounded (None when ``whole`` is 0)."""
    low, high = wilson_interval(part / whole if whole else None, whole)
    if low is None or high is None:
        return None
    return [round(max(low, 0.0), 3), round(min(high, 1.0), 3)]


def flag_scores(
    items: Iterable[Mapping[str, Any]], planted: Iterable[Mapping[str, str]]
) -> dict[str, FlagScore]:
    """Per fault flag: how often planted, raised, and raised where planted.

    ``items``: hard-questions rows (question_id, flags) covering every question;
    ``planted``: the simulation's ``planted`` list.
    """
    truth = {(p["question_id"], p["fault"]) for p in planted}
    scores = {flag: FlagScore() for flag in FAULT_FLAGS}
    for _, fault in truth:
        if fault in scores:
            scores[fault].planted += 1
    for item in items:
        for flag in item["flags"]:
            if flag in scores:
                scores[flag].raised += 1
                scores[flag].hits += (item["question_id"], flag) in truth
    return scores
