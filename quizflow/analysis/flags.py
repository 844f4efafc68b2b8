"""Flags a content editor acts on: each a statistical test with a named level and a minimum.

A fault flag is raised only when the evidence is significant and the question has at least
`min_answers` answers (a wrong answer at least `min_choosers`). The three fault flags were
calibrated on simulations with planted faults (``quizflow simulate --plant-faults``); see
docs/item-statistics.md for the figures.

- `wrong_key`: a "wrong" answer whose choosers are stronger than the students who give the
  keyed answer (Welch's t, level `wrong_key_alpha`) and which is given the more often the
  stronger the students (its trend test over all the answers, same level), while the key
  discriminates less than the model expects. In a sound question the keyed answer's
  choosers are the strong ones; in an ambiguous one no answer goes with strength, though by
  chance one wrong answer's choosers now and then beat the key's.
  Also when hardly anyone gives the keyed answer (95% interval below `hardly_keyed`) while
  a wrong answer attracts strong students (the strong_distractor test); and when the key
  fits badly enough to be flagged `ambiguous` but one wrong answer draws the strong students
  (strong_distractor's first test and, at `wrong_key_alpha`, standing out among the wrong
  answers) and its choosers are stronger than the key's (Welch's t above 0).
- `strong_distractor`: a wrong answer given at least `min_trap_choosers` times, chosen by
  stronger students than a wrong answer should be (score test, level `distractor_alpha`),
  that stands out among the wrong answers (its choosers are stronger than those of the
  other wrong answers: nominal-response trend test, level `stands_out_alpha`), and without
  whose choosers the key fits (its score test is not significant at `ambiguous_alpha`); not
  raised with `wrong_key` (then the "distractor" is probably the right answer).
- `ambiguous`: getting it right goes with strength much less than the model expects (score
  test of the slope), and no wrong answer explains it. Decided over the whole course at
  once: Benjamini-Hochberg at false discovery rate `ambiguous_fdr` over the questions that
  have enough answers and no other fault flag, so a course of many questions does not
  collect false alarms by sheer number.
- `very_hard` / `very_easy`: the facility's 95% interval (Wilson) lies below / above the limit,
  or the Rasch difficulty's lies above `very_hard_difficulty`.
Only one of the three fault flags is raised per question: the most specific.
`ambiguous_fdr` and `min_trap_choosers` were chosen on training simulations and then
measured on held-out ones; docs/item-statistics.md has both.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from quizflow.analysis.answer_evidence import AnswerEvidence, QuestionEvidence

WRONG_KEY = "wrong_key"
STRONG_DISTRACTOR = "strong_distractor"
AMBIGUOUS = "ambiguous"
VERY_HARD = "very_hard"
VERY_EASY = "very_easy"
FAULT_FLAGS = (WRONG_KEY, AMBIGUOUS, STRONG_DISTRACTOR)

# Blackboard flags harder than 30% / easier than 80%; 90% keeps "very easy" for the
# questions that teach nothing.
VERY_HARD_FACILITY = 0.3
VERY_EASY_FACILITY = 0.9
# Rasch logits: an average student (theta = 0) answers correctly with probability
# 1 / (1 + e^1.5) = 18%.
VERY_HARD_DIFFICULTY = 1.5
# Below this many answers the tests have too little power to be worth a false alarm.
MIN_ANSWERS = 40
MIN_CHOOSERS = 8
# A wrong answer of a few dozen choosers passes the trap's score tests by chance far more
# often than the normal approximation allows; a trap worth an editor's time catches a group.
MIN_TRAP_CHOOSERS = 50
# One-sided levels. A course of ~70 questions, each with ~3 wrong answers, runs ~300 tests;
# wrong_key and strong_distractor each need two or three signs at once.
WRONG_KEY_ALPHA = 0.01
DISTRACTOR_ALPHA = 0.0025
# A trap must stand out among the wrong answers; only asked of an answer that already
# passed the test above, so a plain 5% suffices.
STANDS_OUT_ALPHA = 0.05
# The key "fits" (for telling a trap from an ambiguous question) unless its test passes this.
AMBIGUOUS_ALPHA = 0.002
# The nominal share of false ones among the questions flagged ambiguous, set well below
# the 20% the aim allows: with estimated strengths the key's test has a heavier lower tail
# than the model's N(0, 1), so the real share is larger than the nominal one.
AMBIGUOUS_FDR = 0.04
CONFIDENCE = 0.95
# A key given by fewer than this share of answers (the whole 95% interval below it).
HARDLY_KEYED = 0.1

FLAG_ADVICE: Mapping[str, str] = {
    WRONG_KEY: "check the answer key: the strongest students give another answer",
    AMBIGUOUS: "reread the question for a second reading: knowing the topic does not help",
    STRONG_DISTRACTOR: "check the wrong answer strong students give: a trap, or also right?",
    VERY_HARD: "rewrite, split, or move to a later chapter",
    VERY_EASY: "make harder or drop: it no longer tells students apart",
}


@dataclass(frozen=True)
class FlagThresholds:
    very_hard_facility: float = VERY_HARD_FACILITY
    very_hard_difficulty: float = VERY_HARD_DIFFICULTY
    very_easy_facility: float = VERY_EASY_FACILITY
    min_answers: int = MIN_ANSWERS
    min_choosers: int = MIN_CHOOSERS
    min_trap_choosers: int = MIN_TRAP_CHOOSERS
    wrong_key_alpha: float = WRONG_KEY_ALPHA
    ambiguous_alpha: float = AMBIGUOUS_ALPHA
    distractor_alpha: float = DISTRACTOR_ALPHA
    stands_out_alpha: float = STANDS_OUT_ALPHA
    ambiguous_fdr: float = AMBIGUOUS_FDR
    hardly_keyed: float = HARDLY_KEYED


DEFAULT_THRESHOLDS = FlagThresholds()


def critical_z(alpha: float) -> float:
    return float(stats.norm.isf(alpha))


def question_flags(
    *,
    facility: float | None,
    students: int | None = None,
    difficulty: float | None = None,
    difficulty_se: float | None = None,
    fault: str | None = None,
    thresholds: FlagThresholds = DEFAULT_THRESHOLDS,
) -> list[str]:
    """Flags for one question, in a fixed order. Unknown (None/NaN) inputs raise no flag.

    ``facility`` over ``students`` first answers; ``fault`` from `fault_flags`.
    """
    t = thresholds
    flags: list[str] = []
    if fault is not None:
        flags.append(fault)
    low, high = wilson_interval(facility, students)
    hard_by_difficulty = (
        _known(difficulty)
        and _known(difficulty_se)
        and difficulty - critical_z((1 - CONFIDENCE) / 2) * difficulty_se  # type: ignore[operator]
        > t.very_hard_difficulty
    )
    if (high is not None and high < t.very_hard_facility) or hard_by_difficulty:
        flags.append(VERY_HARD)
    if low is not None and low > t.very_easy_facility:
        flags.append(VERY_EASY)
    return flags


def fault_flags(
    evidence: Mapping[Any, QuestionEvidence], t: FlagThresholds = DEFAULT_THRESHOLDS
) -> dict[Any, str]:
    """The fault flag of each question that has one, for a whole course's ``evidence``.

    wrong_key and strong_distractor are read from each question's own evidence; ambiguous
    is then decided over the questions left, together (Benjamini-Hochberg).
    """
    found: dict[Any, str] = {}
    candidates: list[tuple[Any, float]] = []
    for question_id, one in evidence.items():
        if one.answers < t.min_answers or one.key_z is None:
            continue
        fault = specific_fault(one, t)
        if fault is not None:
            found[question_id] = fault
        else:
            candidates.append((question_id, float(stats.norm.cdf(one.key_z))))
    significant = benjamini_hochberg([p for _, p in candidates], t.ambiguous_fdr)
    for (question_id, _), flagged in zip(candidates, significant, strict=True):
        if flagged:
            found[question_id] = (
                WRONG_KEY if _key_lies_elsewhere(evidence[question_id], t) else AMBIGUOUS
            )
    return found


def _key_lies_elsewhere(evidence: QuestionEvidence, t: FlagThresholds) -> bool:
    """For a question whose key certainly fits badly: does one wrong answer draw the strong
    students, stand out among the wrong answers, and have stronger choosers than the key?
    Then that answer is the likelier key. Welch's t at `wrong_key_alpha` misses this when the
    (wrong) key has few choosers; here its sign suffices, the misfit being established."""
    attracts_strong, stands_out = critical_z(t.distractor_alpha), critical_z(t.wrong_key_alpha)
    drawing = [
        o
        for o in evidence.options
        if not o.correct
        and o.choosers >= t.min_choosers
        and o.strong_z is not None
        and o.strong_z > attracts_strong
        and o.among_wrong_z is not None
        and o.among_wrong_z > stands_out
    ]
    if not drawing:
        return False
    strongest = max(drawing, key=lambda o: o.strong_z or 0.0)
    return strongest.vs_key_t is not None and strongest.vs_key_t > 0.0


def _rise_z(option: AnswerEvidence, answers: int) -> float:
    """The trend test of giving this answer on strength, over all the question's answers:
    about N(0, 1) when the choice does not depend on strength, as in an ambiguous question."""
    if option.point_biserial is None:
        return -math.inf
    return option.point_biserial * math.sqrt(answers)


def fault_flag(evidence: QuestionEvidence, t: FlagThresholds = DEFAULT_THRESHOLDS) -> str | None:
    """The fault of one question judged alone (a course of one question)."""
    return fault_flags({evidence.question_id: evidence}, t).get(evidence.question_id)


def specific_fault(
    evidence: QuestionEvidence, t: FlagThresholds = DEFAULT_THRESHOLDS
) -> str | None:
    """wrong_key or strong_distractor when one question's evidence shows it, else None."""
    if evidence.answers < t.min_answers or evidence.key_z is None:
        return None
    wrong = [o for o in evidence.options if not o.correct and o.choosers >= t.min_choosers]
    stronger_than_key = critical_z(t.wrong_key_alpha)
    attracts_strong = critical_z(t.distractor_alpha)
    stands_out = critical_z(t.stands_out_alpha)
    fits_badly = -critical_z(t.ambiguous_alpha)
    traps = [o for o in wrong if o.strong_z is not None and o.strong_z > attracts_strong]
    if evidence.key_z < 0 and any(
        o.vs_key_t is not None
        and o.vs_key_t > stronger_than_key
        and _rise_z(o, evidence.answers) > stronger_than_key
        for o in wrong
    ):
        return WRONG_KEY
    # Too few give the keyed answer to compare them with anyone; but a question nearly nobody
    # gets right while the strong students agree on another answer has the wrong key.
    right = sum(o.choosers for o in evidence.options if o.correct)
    hardly_keyed = wilson_interval(right / evidence.answers, evidence.answers)[1]
    if traps and hardly_keyed is not None and hardly_keyed < t.hardly_keyed:
        return WRONG_KEY
    # A trap explains a poor key fit when the key fits without the trap's choosers; and it is
    # a trap, not an ambiguous question sending strong students to every wrong answer, when
    # its choosers are stronger than the other wrong answers' too.
    if any(
        o.choosers >= t.min_trap_choosers
        and o.key_z_without is not None
        and o.key_z_without >= fits_badly
        and o.among_wrong_z is not None
        and o.among_wrong_z > stands_out
        for o in traps
    ):
        return STRONG_DISTRACTOR
    return None


def benjamini_hochberg(p_values: list[float], rate: float) -> list[bool]:
    """Which hypotheses to reject so that the expected share of false rejections among the
    rejected stays at most ``rate`` (Benjamini & Hochberg 1995)."""
    if not p_values:
        return []
    adjusted = stats.false_discovery_control(np.asarray(p_values, dtype=np.float64), method="bh")
    return [bool(a <= rate) for a in adjusted]


def wilson_interval(share: float | None, n: int | None) -> tuple[float | None, float | None]:
    """The 95% Wilson score interval of a proportion (None, None when unknown)."""
    if not _known(share) or not n:
        return None, None
    assert share is not None
    z = critical_z((1 - CONFIDENCE) / 2)
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def _known(value: float | None) -> bool:
    return value is not None and not math.isnan(value)
