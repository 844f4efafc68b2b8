"""The Rasch fit reproduces published estimates for LSAT section 6 (Bock & Lieberman 1970).

References, checked against the packages' own documented output:
- R ltm, `summary(rasch(LSAT))` (21 Gauss-Hermite points): Dffclt -3.6153 -1.3224 -0.3176
  -1.7301 -2.7802 (std.err 0.3266 0.1422 0.0977 0.1691 0.2510), Dscrmn 0.7551 (0.0694),
  log.Lik -2466.938. ltm's parameterisation is logit = a (z - b*), z ~ N(0, 1), so on our
  Rasch scale (slope 1, theta ~ N(0, sigma^2)): sigma = a and b = a * b*.
- R mirt, `mirt(LSAT6, 1, 'Rasch')`: d = 2.731 0.999 0.240 1.307 2.100 (b = -d),
  var(theta) = 0.572.
- Slope fixed at 1 with sigma fixed at 1 (ltm `constraint = cbind(6, 1)`; irtQ's 1PLM with
  a = 1): b = -2.87 -1.06 -0.26 -1.39 -2.22, log-likelihood -2473.054. That is a different
  model (sigma is not estimated), so it is tested with `sigma=1.0`.
"""

from __future__ import annotations

import numpy as np
import pytest

from quizflow.analysis import fit_rasch
from tests.conftest import REALDATA

LSAT_CSV = REALDATA / "lsat" / "bock_table_lsat6_lsat7.csv"

LTM_DIFFICULTY = np.array([-3.6153, -1.3224, -0.3176, -1.7301, -2.7802])
LTM_DIFFICULTY_SE = np.array([0.3266, 0.1422, 0.0977, 0.1691, 0.2510])
LTM_SLOPE, LTM_SLOPE_SE = 0.7551, 0.0694
LTM_LOGLIK = -2466.938
MIRT_D = np.array([2.731, 0.999, 0.240, 1.307, 2.100])
MIRT_THETA_VAR = 0.572
FIXED_SIGMA_DIFFICULTY = np.array([-2.872, -1.063, -0.258, -1.388, -2.219])
FIXED_SIGMA_LOGLIK = -2473.054


def lsat6_long() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not LSAT_CSV.exists():
        pytest.skip("LSAT reference data not available")
    lines = LSAT_CSV.read_text().strip().splitlines()
    header = [h.strip('"') for h in lines[0].split(",")]
    rows = [[int(v) for v in line.split(",")[1:]] for line in lines[1:]]
    table = np.array(rows)
    cols = {name: i for i, name in enumerate(header[1:])}
    patterns = table[:, [cols[f"Q{k}"] for k in range(1, 6)]]
    responses = np.repeat(patterns, table[:, cols["Ob6"]], axis=0)
    n, j = responses.shape
    return np.repeat(np.arange(n), j), np.tile(np.arange(j), n), responses.ravel()


@pytest.fixture(scope="module")
def free_sigma_fit():
    return fit_rasch(*lsat6_long())


def test_lsat6_has_1000_students_answering_5_questions() -> None:
    person, _item, correct = lsat6_long()
    assert person.max() + 1 == 1000
    assert correct.size == 5000
    assert correct.reshape(1000, 5).mean(axis=0) == pytest.approx(
        [0.924, 0.709, 0.553, 0.763, 0.870]
    )


def test_difficulties_match_ltm_rasch_on_the_rasch_scale(free_sigma_fit) -> None:
    assert free_sigma_fit.converged
    expected = LTM_SLOPE * LTM_DIFFICULTY
    np.testing.assert_allclose(free_sigma_fit.difficulty, expected, atol=0.01)


def test_difficulties_divided_by_sigma_match_ltm_irt_parameters(free_sigma_fit) -> None:
    ltm_scale = free_sigma_fit.difficulty / free_sigma_fit.sigma
    np.testing.assert_allclose(ltm_scale, LTM_DIFFICULTY, atol=0.01)


def test_difficulties_match_mirt_rasch_intercepts(free_sigma_fit) -> None:
    np.testing.assert_allclose(-free_sigma_fit.difficulty, MIRT_D, atol=0.01)
    assert free_sigma_fit.sigma**2 == pytest.approx(MIRT_THETA_VAR, abs=0.01)


def test_sigma_and_its_standard_error_match_ltm_common_discrimination(free_sigma_fit) -> None:
    assert free_sigma_fit.sigma == pytest.approx(LTM_SLOPE, abs=0.001)
    assert free_sigma_fit.sigma_se == pytest.approx(LTM_SLOPE_SE, abs=0.001)


def test_log_likelihood_matches_ltm_and_mirt(free_sigma_fit) -> None:
    assert free_sigma_fit.log_likelihood == pytest.approx(LTM_LOGLIK, abs=0.01)


def test_standard_errors_transformed_to_ltm_parameters_match_ltm(free_sigma_fit) -> None:
    # Delta method for b* = b / sigma with the full covariance of (b, sigma).
    cov = free_sigma_fit.covariance
    assert cov is not None and free_sigma_fit.se_method == "full"
    b, s = free_sigma_fit.difficulty, free_sigma_fit.sigma
    se = []
    for j in range(5):
        grad = np.zeros(6)
        grad[j] = 1.0 / s
        grad[5] = -b[j] / s**2
        se.append(float(np.sqrt(grad @ cov @ grad)))
    np.testing.assert_allclose(se, LTM_DIFFICULTY_SE, atol=0.002)


def test_standard_errors_on_the_rasch_scale_are_plausible(free_sigma_fit) -> None:
    # No published figure on this scale: check they are positive and ordered like the
    # items' binomial information (extreme facilities carry less information).
    se = free_sigma_fit.difficulty_se
    assert np.all(se > 0.05) and np.all(se < 0.2)
    assert np.argmax(se) == 0  # item 1, facility 0.924


def test_the_classic_fixed_node_rule_gives_the_same_estimates_as_ltm() -> None:
    fit = fit_rasch(*lsat6_long(), adaptive=False, n_quadrature=21)
    np.testing.assert_allclose(fit.difficulty / fit.sigma, LTM_DIFFICULTY, atol=0.001)
    assert fit.sigma == pytest.approx(LTM_SLOPE, abs=0.0005)
    assert fit.log_likelihood == pytest.approx(LTM_LOGLIK, abs=0.001)


def test_fixing_sigma_at_one_reproduces_the_slope_one_constrained_fit() -> None:
    fit = fit_rasch(*lsat6_long(), sigma=1.0)
    assert fit.sigma == 1.0
    assert np.isnan(fit.sigma_se)
    np.testing.assert_allclose(fit.difficulty, FIXED_SIGMA_DIFFICULTY, atol=0.01)
    assert fit.log_likelihood == pytest.approx(FIXED_SIGMA_LOGLIK, abs=0.01)
    # irtQ reports these SEs to two decimals: 0.13 0.08 0.08 0.09 0.11
    np.testing.assert_allclose(fit.difficulty_se, [0.13, 0.08, 0.08, 0.09, 0.11], atol=0.01)
