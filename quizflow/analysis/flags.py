"""Flags a content editor acts on, each a short string with a named, overridable threshold."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

VERY_HARD = "very_hard"
VERY_EASY = "very_easy"
LOW_DISCRIMINATION = "low_discrimination"
SHARED_MISCONCEPTION = "shared_misconception"
ALL_WRONG = "all_wrong"
ALL_CORRECT = "all_correct"

# Blackboard flags harder than 30% / easier than 80%; 90% keeps "very easy" for the
# questions that teach nothing.
VERY_HARD_FACILITY = 0.3
VERY_EASY_FACILITY = 0.9
# Rasch logits: an average student (theta = 0) answers correctly with probability
# 1 / (1 + e^1.5) = 18%. Catches questions whose facility looks fine only because stronger
# students happened to get them.
VERY_HARD_DIFFICULTY = 1.5
# Corrected item-rest correlation; below this, good students fail as often as weak ones:
# the key may be wrong or the question ambiguous (Moodle's "dubious" starts at 15%).
LOW_DISCRIMINATION_INDEX = 0.15
# One wrong answer given by this share of all wrong answers ...
MISCONCEPTION_SHARE = 0.3
# ... and by at least this many distinct students, so one student's retries are not a trend.
MISCONCEPTION_MIN_STUDENTS = 5

FLAG_ADVICE: Mapping[str, str] = {
    VERY_HARD: "rewrite, split, or move to a later chapter",
    VERY_EASY: "make harder or drop: it no longer tells students apart",
    LOW_DISCRIMINATION: "check the answer key",
    SHARED_MISCONCEPTION: "address the common wrong answer in the feedback message",
    ALL_WRONG: "nobody answered correctly: check the answer key",
    ALL_CORRECT: "nobody answered wrongly",
}


@dataclass(frozen=True)
class FlagThresholds:
    very_hard_facility: float = VERY_HARD_FACILITY
    very_hard_difficulty: float = VERY_HARD_DIFFICULTY
    very_easy_facility: float = VERY_EASY_FACILITY
    low_discrimination: float = LOW_DISCRIMINATION_INDEX
    misconception_share: float = MISCONCEPTION_SHARE
    misconception_min_students: int = MISCONCEPTION_MIN_STUDENTS


DEFAULT_THRESHOLDS = FlagThresholds()


def _below(value: float | None, limit: float) -> bool:
    return value is not None and not math.isnan(value) and value < limit


def _above(value: float | None, limit: float) -> bool:
    return value is not None and not math.isnan(value) and value > limit


def question_flags(
    *,
    facility: float | None,
    difficulty: float | None = None,
    discrimination: float | None = None,
    wrong_answers: Sequence[Mapping[str, object]] = (),
    answers: int | None = None,
    correct: int | None = None,
    thresholds: FlagThresholds = DEFAULT_THRESHOLDS,
) -> list[str]:
    """Flags for one question, in a fixed order. Unknown (None/NaN) inputs raise no flag.

    `wrong_answers`: mappings with "share" (of all wrong answers) and "students" (distinct
    students who gave it). `answers`/`correct` (first attempts) detect all-right/all-wrong.
    """
    t = thresholds
    flags: list[str] = []
    if _below(facility, t.very_hard_facility) or _above(difficulty, t.very_hard_difficulty):
        flags.append(VERY_HARD)
    if _above(facility, t.very_easy_facility):
        flags.append(VERY_EASY)
    if _below(discrimination, t.low_discrimination):
        flags.append(LOW_DISCRIMINATION)
    if any(_is_misconception(w, t) for w in wrong_answers):
        flags.append(SHARED_MISCONCEPTION)
    if answers and correct is not None:
        if correct == 0:
            flags.append(ALL_WRONG)
        elif correct == answers:
            flags.append(ALL_CORRECT)
    return flags


def _is_misconception(wrong: Mapping[str, object], t: FlagThresholds) -> bool:
    share = wrong.get("share")
    students = wrong.get("students")
    return (
        isinstance(share, int | float)
        and isinstance(students, int | float)
        and share >= t.misconception_share
        and students >= t.misconception_min_students
    )
