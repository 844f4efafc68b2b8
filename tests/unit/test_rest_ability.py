"""A student's strength judged without the question at hand."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from quizflow.analysis.rest_ability import rest_abilities

B = np.array([0.0, 1.0, -1.0])


def test_an_answer_never_explains_itself() -> None:
    person = np.array([0, 0, 0])
    item = np.array([0, 1, 2])
    right = rest_abilities(person, item, np.array([True, True, False]), B, 1.0)
    wrong = rest_abilities(person, item, np.array([False, True, False]), B, 1.0)
    # Question 0's own answer changed; the strength it is judged against did not.
    assert right.ability[0] == pytest.approx(wrong.ability[0])
    assert right.ability[1] != pytest.approx(wrong.ability[1])


def test_the_rest_ability_is_the_posterior_mean_given_the_other_answers() -> None:
    person = np.array([0, 0, 0])
    item = np.array([0, 1, 2])
    found = rest_abilities(person, item, np.array([True, True, False]), B, 0.8)

    def posterior(theta: float) -> float:  # answers to questions 1 (right) and 2 (wrong)
        p1 = 1 / (1 + np.exp(-(theta - 1.0)))
        p2 = 1 / (1 + np.exp(-(theta + 1.0)))
        return float(stats.norm.pdf(theta, 0, 0.8) * p1 * (1 - p2))

    mass = integrate.quad(posterior, -8, 8)[0]
    mean = integrate.quad(lambda t: t * posterior(t), -8, 8)[0] / mass
    chance = integrate.quad(lambda t: posterior(t) / (1 + np.exp(-t)), -8, 8)[0] / mass
    assert found.ability[0] == pytest.approx(mean, abs=1e-4)
    assert found.expected[0] == pytest.approx(chance, abs=1e-4)


def test_repeated_answers_to_a_question_are_all_left_out() -> None:
    person = np.array([0, 0])
    item = np.array([0, 1])
    once = rest_abilities(person, item, np.array([1.0, 1.0]), B[:2], 1.0, np.array([1.0, 1.0]))
    thrice = rest_abilities(person, item, np.array([0.0, 1.0]), B[:2], 1.0, np.array([3.0, 1.0]))
    assert once.ability[0] == pytest.approx(thrice.ability[0])
    assert once.ability[1] > thrice.ability[1]  # three wrong answers weigh on question 1's
