"""How strong a student is, judged without the question at hand (the "rest ability").

Item statistics compare the students who got a question right (or chose an answer) with the
others. Classical statistics (Moodle, Canvas) measure strength by the rest score, the marks on
the other questions. With random question assignment students answer different questions, so
the rest score mixes strength with luck of the draw; the Rasch ability does not. Here it is
the posterior mean of theta given every first answer of the student except the one to this
question (so the answer never explains itself), under a fitted Rasch model: the prior
N(0, sigma^2) times the likelihood of the other answers, on a fine grid.

The same posterior gives what the model expects of the answer (`expected`): the chance this
student gets the question right, averaged over what is known of their ability. That
expectation is what the discrimination test compares the answers with (see `flags`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

FloatArray = NDArray[np.float64]
# A student with ~100 answers has a posterior SD of ~0.25 logits; a grid of 0.1 integrates
# a smooth bump of that width with an error far below anything reported.
_GRID = np.linspace(-6.0, 6.0, 121)
_CHUNK = 20_000


@dataclass(frozen=True)
class RestAbility:
    ability: FloatArray  # per answer: posterior mean of theta without this answer
    expected: FloatArray  # per answer: model chance of a right answer, given the others


def rest_abilities(
    person: NDArray[np.int64],
    item: NDArray[np.int64],
    correct: NDArray[np.bool_] | FloatArray,
    difficulty: FloatArray,
    sigma: float,
    answers: FloatArray | None = None,
) -> RestAbility:
    """Per answer (one per student and question: first attempts), the student's ability
    judged from their other answers, and the model's chance of this answer being right.

    ``difficulty``: Rasch b per item index (NaN items count as average, b = 0). With
    ``answers`` (how many times the student answered the question) ``correct`` counts the
    right ones, and all of them are left out of the student's rest ability.
    """
    b = np.nan_to_num(np.asarray(difficulty, dtype=np.float64))
    right = np.asarray(correct, dtype=np.float64)
    tries = np.ones_like(right) if answers is None else np.asarray(answers, dtype=np.float64)
    wrong = tries - right
    # Per question and grid point: log P(right | theta), log P(wrong | theta), P(right | theta).
    logit = _GRID[None, :] - b[:, None]
    log_wrong = -np.logaddexp(0.0, logit)
    log_right = log_wrong + logit
    chance = np.exp(log_right)
    n_persons = int(person.max()) + 1 if person.size else 0
    shape = (n_persons, b.size)
    # Each person's log-likelihood over all their answers: two sparse-dense products.
    total = (
        sparse.csr_matrix((right, (person, item)), shape=shape) @ log_right
        + sparse.csr_matrix((wrong, (person, item)), shape=shape) @ log_wrong
    )
    log_prior = -0.5 * (_GRID / max(sigma, 1e-6)) ** 2
    ability = np.empty(person.size)
    expected = np.empty(person.size)
    for rows in _chunks(person.size):
        q = item[rows]
        own = right[rows, None] * log_right[q] + wrong[rows, None] * log_wrong[q]
        rest = total[person[rows]] - own + log_prior
        rest -= rest.max(axis=1, keepdims=True)
        weight = np.exp(rest)
        weight /= weight.sum(axis=1, keepdims=True)
        ability[rows] = weight @ _GRID
        expected[rows] = np.einsum("ij,ij->i", weight, chance[q])
    return RestAbility(ability=ability, expected=expected)


def _chunks(n: int) -> list[slice]:
    # Bounded memory: a chunk's grid arrays stay around 40 MB whatever the number of answers.
    return [slice(start, min(start + _CHUNK, n)) for start in range(0, n, _CHUNK)]
