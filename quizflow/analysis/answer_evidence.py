"""What each question's answers say about the question: the evidence the fault flags test.

Every answer (all attempts: in a quiz that hands out random questions a student meets a
question again later, and each meeting is evidence) is set beside the student's strength
judged from their other questions (`rest_ability`) and beside what the Rasch model expects.

Per question:
- `key_z`: does getting it right go with strength as much as the model expects? A score
  test of the item's slope (Rasch fixes it at 1): (right - expected) summed against the
  student's strength centred on its information-weighted mean, over its standard deviation
  under the model (`_slope_z`; also `key_z_without` below). About N(0, 1)
  for a sound question; strongly negative when strong students fail it as often as weak
  ones (an ambiguous question) or more often (a wrong key).

Per wrong answer (same text after normalising):
- `strong_z`: is it chosen by stronger students than a wrong answer should be? Under the
  model a wrong answer is chosen in proportion to the chance of being wrong, so mostly by
  weak students; the same score test, for "chose this answer" against that expectation.
- `vs_key_t`: Welch's t of its choosers' strength against the strength of the students who
  gave the keyed (right) answer; positive when the "wrong" answer's choosers are stronger.
- `among_wrong_z`: among the question's wrong answers only, does giving this one rather than
  another rise with strength? A score test of the answer's own slope in a nominal-response
  (multinomial logit) model of which wrong answer is given, against a common slope: the
  trend test of "gave this one" on the centred strength of everyone who answered wrong.
  Unlike `strong_z` it does not move when the key fits badly (an ambiguous question sends
  strong students to every wrong answer alike), so it tells a trap from an ambiguous
  question; it needs other wrong answers to compare with.
- `mean_ability`, `point_biserial` (Canvas: choosers against everyone else), `choosers`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray
from scipy import stats

from quizflow.analysis.item_stats import QUESTION, STUDENT
from quizflow.analysis.rasch import RaschFit
from quizflow.analysis.rest_ability import rest_abilities

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class AnswerEvidence:
    answer: str | None
    correct: bool
    choosers: int  # answers given (all attempts)
    mean_ability: float | None
    point_biserial: float | None
    strong_z: float | None  # wrong answers only
    vs_key_t: float | None  # wrong answers only
    # The key's fit without this answer's choosers: a trap lowers the key's fit only by the
    # strong students it catches, an ambiguous question by all its wrong answers.
    key_z_without: float | None = None
    among_wrong_z: float | None = None


@dataclass(frozen=True)
class QuestionEvidence:
    question_id: Any
    answers: int
    key_z: float | None
    right_mean_ability: float | None
    wrong_mean_ability: float | None
    options: list[AnswerEvidence] = field(default_factory=list)


def answer_abilities(answers: pl.DataFrame, fit: RaschFit, codes: pl.DataFrame) -> pl.DataFrame:
    """``answers`` with `_ability` (the student's strength without this question) and
    `_expected` (the model's chance of a right answer). ``codes``: student_id, question_id
    with the fit's indices `_p`, `_q`."""
    coded = answers.join(codes, on=[STUDENT, QUESTION], how="inner")
    pairs = coded.group_by("_p", "_q").agg(
        pl.col("correct").cast(pl.Float64).sum().alias("_right"),
        pl.len().cast(pl.Float64).alias("_tries"),
    )
    rest = rest_abilities(
        pairs["_p"].to_numpy(),
        pairs["_q"].to_numpy(),
        pairs["_right"].to_numpy(),
        fit.difficulty,
        fit.sigma,
        pairs["_tries"].to_numpy(),
    )
    pairs = pairs.with_columns(
        pl.Series("_ability", rest.ability), pl.Series("_expected", rest.expected)
    )
    return coded.join(pairs.select("_p", "_q", "_ability", "_expected"), on=["_p", "_q"])


def question_evidence(scored: pl.DataFrame, *, min_choosers: int) -> dict[Any, QuestionEvidence]:
    """Per question, from `answer_abilities`' output (needs `answer` too)."""
    # Two group-bys over the whole frame and numpy per question: iterating polars groups per
    # question and answer cost most of the editor pages' first load.
    indexed = scored.with_row_index("_row")
    right = indexed["correct"].to_numpy().astype(np.float64)
    ability = indexed["_ability"].to_numpy()
    expected = indexed["_expected"].to_numpy()
    answers: dict[Any, list[tuple[Any, bool, NDArray[np.int64]]]] = {}
    by_answer = indexed.group_by([QUESTION, "answer", "correct"], maintain_order=True).agg("_row")
    for question_id, text, correct, rows in by_answer.iter_rows():
        answers.setdefault(question_id, []).append((text, bool(correct), np.asarray(rows)))
    result = {}
    by_question = indexed.group_by(QUESTION, maintain_order=True).agg("_row")
    for question_id, rows in by_question.iter_rows():
        at = np.asarray(rows)
        # Each answer's rows as positions within its question's rows.
        position = np.empty(right.size, dtype=np.int64)
        position[at] = np.arange(at.size)
        result[question_id] = _one_question(
            question_id,
            right[at],
            ability[at],
            expected[at],
            [(text, correct, position[chosen]) for text, correct, chosen in answers[question_id]],
            min_choosers,
        )
    return result


def _one_question(
    question_id: Any,
    right: FloatArray,
    ability: FloatArray,
    expected: FloatArray,
    answers: list[tuple[Any, bool, NDArray[np.int64]]],
    min_choosers: int,
) -> QuestionEvidence:
    centred = ability - ability.mean()
    key_z = _slope_z(right, expected, ability)
    options = []
    keyed = ability[right == 1.0]
    wrong_chance = 1.0 - expected
    answered_wrong = right == 0.0
    wrong_centred = ability[answered_wrong] - ability[answered_wrong].mean()
    for text, correct, rows in answers:
        chose = np.zeros(right.size, dtype=np.bool_)
        chose[rows] = True
        strong_z = vs_key_t = key_z_without = among_wrong_z = None
        if not correct and rows.size >= min_choosers:
            share = chose.sum() / wrong_chance.sum()
            strong_z = _score_z(chose.astype(np.float64), share * wrong_chance, centred)
            vs_key_t = _welch_t(ability[chose], keyed)
            rest = ~chose
            key_z_without = _slope_z(right[rest], expected[rest], ability[rest])
            among_wrong_z = _among_wrong_z(chose[answered_wrong], wrong_centred)
        options.append(
            AnswerEvidence(
                answer=text,
                correct=correct,
                choosers=int(rows.size),
                mean_ability=float(ability[chose].mean()),
                point_biserial=_point_biserial(chose, ability),
                strong_z=strong_z,
                vs_key_t=vs_key_t,
                key_z_without=key_z_without,
                among_wrong_z=among_wrong_z,
            )
        )
    options.sort(key=lambda o: (not o.correct, -o.choosers, o.answer or ""))
    return QuestionEvidence(
        question_id=question_id,
        answers=int(right.size),
        key_z=key_z,
        right_mean_ability=float(keyed.mean()) if keyed.size else None,
        wrong_mean_ability=float(ability[answered_wrong].mean()) if answered_wrong.any() else None,
        options=options,
    )


def _slope_z(right: FloatArray, expected: FloatArray, ability: FloatArray) -> float | None:
    """The score test of the key's slope with the question's difficulty as a nuisance: the
    strength is centred on its mean weighted by each answer's information, p(1 - p), which
    makes the test free of a small error in the difficulty and its variance the smallest."""
    information = expected * (1.0 - expected)
    total = float(information.sum())
    if total <= 0.0:
        return None
    return _score_z(right, expected, ability - float((information * ability).sum()) / total)


def _score_z(observed: FloatArray, expected: FloatArray, centred: FloatArray) -> float | None:
    variance = float((expected * (1.0 - expected) * centred**2).sum())
    if variance <= 0.0:
        return None
    return float(((observed - expected) * centred).sum() / math.sqrt(variance))


def _among_wrong_z(chose: NDArray[np.bool_], centred: FloatArray) -> float | None:
    """The score test of a category slope at zero in a logit model of "gave this wrong answer"
    among the wrong answers (share = its maximum likelihood estimate under the null)."""
    share = float(chose.mean()) if chose.size else 0.0
    if not 0.0 < share < 1.0:
        return None
    return _score_z(chose.astype(np.float64), np.full(chose.size, share), centred)


def _welch_t(a: FloatArray, b: FloatArray) -> float | None:
    if a.size < 2 or b.size < 2:
        return None
    # From the summaries: scipy's array version spends more in checking its inputs than in
    # the test itself, and this runs once per wrong answer of every question.
    t = stats.ttest_ind_from_stats(
        a.mean(), a.std(ddof=1), a.size, b.mean(), b.std(ddof=1), b.size, equal_var=False
    ).statistic
    return None if not np.isfinite(t) else float(t)


def _point_biserial(chose: NDArray[np.bool_], ability: FloatArray) -> float | None:
    if chose.all() or not chose.any() or ability.std() == 0.0:
        return None
    return float(np.corrcoef(chose.astype(np.float64), ability)[0, 1])
