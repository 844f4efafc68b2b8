"""Rasch MML on simulated sparse answers: recovery, standard errors, edge cases."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from quizflow.analysis import fit_rasch
from quizflow.analysis.rasch import DEFAULT_EXTREME_PRIOR_SD
from quizflow.analysis.rasch_design import Quadrature, ResponseDesign
from quizflow.analysis.rasch_estep import marginal_log_likelihood
from quizflow.analysis.simulation import simulate_rasch


@pytest.fixture(scope="module")
def sparse_sim():
    # 1,500 students, each answering 25 of 120 questions: every student misses most questions.
    return simulate_rasch(1500, 120, 25, sigma=1.6, seed=7)


@pytest.fixture(scope="module")
def sparse_fit(sparse_sim):
    return fit_rasch(sparse_sim.person, sparse_sim.item, sparse_sim.correct)


def test_estimates_recover_the_true_difficulties(sparse_sim, sparse_fit) -> None:
    assert sparse_fit.converged
    r = np.corrcoef(sparse_fit.difficulty, sparse_sim.difficulty)[0, 1]
    assert r > 0.95
    rmse = np.sqrt(np.mean((sparse_fit.difficulty - sparse_sim.difficulty) ** 2))
    assert rmse < 0.25


def test_sigma_moves_from_its_start_to_the_true_spread(sparse_sim, sparse_fit) -> None:
    assert abs(sparse_fit.sigma - 1.0) > 0.3  # started at 1.0
    assert sparse_fit.sigma == pytest.approx(sparse_sim.sigma, abs=3 * sparse_fit.sigma_se + 0.05)


def test_the_fit_does_not_depend_on_where_sigma_starts(sparse_sim, sparse_fit) -> None:
    other = fit_rasch(sparse_sim.person, sparse_sim.item, sparse_sim.correct, sigma_start=3.0)
    assert other.sigma == pytest.approx(sparse_fit.sigma, abs=1e-3)
    np.testing.assert_allclose(other.difficulty, sparse_fit.difficulty, atol=1e-3)


def test_eap_abilities_track_the_true_abilities_with_honest_uncertainty(
    sparse_sim, sparse_fit
) -> None:
    assert np.corrcoef(sparse_fit.ability, sparse_sim.ability)[0, 1] > 0.9
    rmse = np.sqrt(np.mean((sparse_fit.ability - sparse_sim.ability) ** 2))
    assert np.sqrt(np.mean(sparse_fit.ability_se**2)) == pytest.approx(rmse, rel=0.15)


def test_standard_errors_match_the_actual_estimation_error(sparse_sim, sparse_fit) -> None:
    errors = sparse_fit.difficulty - sparse_sim.difficulty
    rmse = np.sqrt(np.mean(errors**2))
    mean_se = np.sqrt(np.mean(sparse_fit.difficulty_se**2))
    assert mean_se == pytest.approx(rmse, rel=0.2)
    inside = np.abs(errors) < 1.96 * sparse_fit.difficulty_se
    assert 0.88 < inside.mean() <= 1.0


def test_analytic_information_equals_the_numerical_hessian_of_the_marginal_likelihood() -> None:
    sim = simulate_rasch(300, 8, 5, sigma=1.3, seed=3)
    fit = fit_rasch(sim.person, sim.item, sim.correct, tol=1e-10, se="full")
    design = ResponseDesign.from_long(sim.person, sim.item, sim.correct)
    quad = Quadrature.gauss_hermite(9)
    nodes = fit.ability_nodes
    assert nodes is not None
    theta = np.concatenate([fit.difficulty, [fit.sigma]])

    def loglik(params: np.ndarray) -> float:
        return marginal_log_likelihood(design, params[:-1], float(params[-1]), quad, nodes)

    h = 1e-4
    k = theta.size
    hessian = np.empty((k, k))
    for i in range(k):
        for j in range(k):
            e_i, e_j = np.eye(k)[i] * h, np.eye(k)[j] * h
            hessian[i, j] = (
                loglik(theta + e_i + e_j)
                - loglik(theta + e_i - e_j)
                - loglik(theta - e_i + e_j)
                + loglik(theta - e_i - e_j)
            ) / (4 * h * h)
    numeric_cov = np.linalg.inv(-hessian)
    assert fit.covariance is not None
    np.testing.assert_allclose(fit.covariance, numeric_cov, rtol=2e-3, atol=1e-6)


def test_adaptive_quadrature_integrates_long_answer_histories_that_fixed_nodes_miss() -> None:
    # 300 answers per student: each posterior is narrower than the gap between fixed nodes.
    sim = simulate_rasch(120, 400, 300, sigma=1.2, seed=3)
    args = (sim.person, sim.item, sim.correct)
    adaptive = fit_rasch(*args, se="none")
    fine_grid = fit_rasch(*args, adaptive=False, n_quadrature=201, se="none")
    ltm_like = fit_rasch(*args, adaptive=False, n_quadrature=21, se="none")
    assert adaptive.log_likelihood == pytest.approx(fine_grid.log_likelihood, abs=0.5)
    assert adaptive.sigma == pytest.approx(fine_grid.sigma, abs=0.002)
    assert ltm_like.log_likelihood < fine_grid.log_likelihood - 10


def test_fast_standard_errors_stay_within_one_and_a_half_percent_of_the_full_information(
    sparse_sim,
) -> None:
    args = (sparse_sim.person, sparse_sim.item, sparse_sim.correct)
    full = fit_rasch(*args, se="full")
    fast = fit_rasch(*args, se="fast")
    assert (full.se_method, fast.se_method) == ("full", "fast")
    ratio = fast.difficulty_se / full.difficulty_se
    assert np.all(ratio > 0.985) and np.all(ratio < 1.005)
    assert fast.sigma_se == pytest.approx(full.sigma_se, rel=0.01)


def test_large_banks_use_the_fast_standard_errors_automatically() -> None:
    sim = simulate_rasch(4000, 1000, 80, seed=9)
    fit = fit_rasch(sim.person, sim.item, sim.correct, max_iter=5)
    assert fit.se_method == "fast" and fit.covariance is None


def test_all_wrong_and_all_correct_questions_get_finite_flagged_estimates() -> None:
    sim = simulate_rasch(400, 10, 10, sigma=1.0, seed=11)
    correct = sim.correct.copy()
    correct[sim.item == 0] = False
    correct[sim.item == 1] = True
    fit = fit_rasch(sim.person, sim.item, correct)
    assert fit.converged
    assert np.all(np.isfinite(fit.difficulty)) and np.all(np.isfinite(fit.difficulty_se))
    assert fit.extreme.tolist() == [True, True] + [False] * 8
    assert fit.difficulty[0] == fit.difficulty.max()  # nobody right: the hardest
    assert fit.difficulty[1] == fit.difficulty.min()


def test_with_an_all_wrong_question_the_fit_maximises_the_penalised_likelihood() -> None:
    # One-sided extreme items pull on the common origin of the scale; the parameter-expanded
    # EM must still land where every gradient of (log-likelihood - prior) vanishes.
    sim = simulate_rasch(400, 10, 10, sigma=1.0, seed=11)
    correct = sim.correct & (sim.item != 0)
    fit = fit_rasch(sim.person, sim.item, correct, tol=1e-10, se="none")
    assert fit.extreme.tolist() == [True] + [False] * 9
    design = ResponseDesign.from_long(sim.person, sim.item, correct)
    quad = Quadrature.gauss_hermite(9)
    nodes = fit.ability_nodes
    assert nodes is not None
    precision = np.where(fit.extreme, 1.0 / DEFAULT_EXTREME_PRIOR_SD**2, 0.0)

    def objective(b: np.ndarray, sigma: float) -> float:
        penalty = 0.5 * float(precision @ b**2)
        return marginal_log_likelihood(design, b, sigma, quad, nodes) - penalty

    h = 1e-5
    gradient = [
        (
            objective(fit.difficulty + h * e, fit.sigma)
            - objective(fit.difficulty - h * e, fit.sigma)
        )
        / (2 * h)
        for e in np.eye(10)
    ]
    gradient.append(
        (objective(fit.difficulty, fit.sigma + h) - objective(fit.difficulty, fit.sigma - h))
        / (2 * h)
    )
    assert np.abs(gradient).max() < 1e-3


def test_a_question_answered_once_correctly_is_shrunk_not_infinite() -> None:
    sim = simulate_rasch(300, 6, 6, seed=5)
    person = np.append(sim.person, 0)
    item = np.append(sim.item, 6)
    correct = np.append(sim.correct, True)
    fit = fit_rasch(person, item, correct)
    assert fit.extreme[6]
    assert -3.0 < fit.difficulty[6] < 0.0


def test_questions_nobody_answered_get_no_estimate() -> None:
    sim = simulate_rasch(200, 5, 5, seed=2)
    fit = fit_rasch(sim.person, sim.item, sim.correct, n_items=7, n_persons=250)
    assert np.isnan(fit.difficulty[5:]).all() and np.isnan(fit.difficulty_se[5:]).all()
    assert np.isfinite(fit.difficulty[:5]).all()
    assert fit.n_answers[5:].tolist() == [0.0, 0.0]


def test_repeated_answers_count_as_separate_trials() -> None:
    sim = simulate_rasch(300, 6, 6, seed=4)
    once = fit_rasch(sim.person, sim.item, sim.correct)
    twice = fit_rasch(
        np.concatenate([sim.person, sim.person]),
        np.concatenate([sim.item, sim.item]),
        np.concatenate([sim.correct, sim.correct]),
    )
    assert twice.n_answers.sum() == 2 * once.n_answers.sum()
    assert np.all(twice.difficulty_se < once.difficulty_se)


def test_fixed_sigma_is_kept() -> None:
    sim = simulate_rasch(300, 6, 6, sigma=2.0, seed=4)
    fit = fit_rasch(sim.person, sim.item, sim.correct, sigma=1.0)
    assert fit.sigma == 1.0 and np.isnan(fit.sigma_se)


@pytest.mark.parametrize(
    ("person", "item", "correct", "message"),
    [
        ([0, 1], [0], [1, 0], "same length"),
        ([0, -1], [0, 1], [1, 0], ">= 0"),
        ([0, 1], [0, 1], [1, 2], "0/1"),
    ],
)
def test_malformed_input_is_rejected_with_a_clear_message(person, item, correct, message) -> None:
    with pytest.raises(ValueError, match=message):
        fit_rasch(person, item, correct)


def test_large_sparse_input_is_fitted_without_a_dense_matrix() -> None:
    # 100k students x 5k questions dense would be 4 GB in float64; the sparse path needs a
    # few persons x nodes arrays.
    sim = simulate_rasch(100_000, 5_000, 2, seed=1)
    tracemalloc.start()
    try:
        fit = fit_rasch(sim.person, sim.item, sim.correct, max_iter=3, se="fast")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 400e6
    assert fit.iterations == 3
    assert np.isfinite(fit.difficulty).sum() > 4_900
