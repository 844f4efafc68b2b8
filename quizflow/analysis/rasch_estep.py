"""E-step of the Rasch EM with adaptive Gauss-Hermite quadrature.

Model: P(correct) = 1 / (1 + exp(-(sigma z - b_j))), z ~ N(0, 1), so theta = sigma z.

Why adaptive: a student with k answers has a posterior for z of width ~1 / (sigma sqrt(0.2 k)).
Fixed Gauss-Hermite nodes (Bock & Aitkin) are ~0.5 apart near the centre, so students with
hundreds of answers fall between nodes and the integral -- and with it sigma -- goes wrong:
on the Eedi data (median 262 answers per student) 21 fixed nodes gave sigma 0.75 or 0.98
depending on the start, and even 161 nodes did not settle. Adaptive quadrature
(Schilling & Bock 2005; lme4's nAGQ) places each student's nodes at z_pq = m_p + t_p x_q,
with m_p, t_p the posterior mean and SD from the previous E-step (Laplace at the start), and
reweights by prior / proposal:

    L_p ~= sum_q w_q t_p phi(z_pq) / phi(x_q) * f(y_p | z_pq)

With m = 0 and t = 1 this is exactly the classic fixed-node rule (used to reproduce R's ltm).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit, logsumexp

from quizflow.analysis.rasch_design import FloatArray, Quadrature, ResponseDesign

_MIN_SCALE = 1e-6  # a posterior SD of exactly 0 would make log(t) and the nodes degenerate


@dataclass(frozen=True)
class Nodes:
    """Per-person quadrature placement in z: nodes m_p + t_p * x_q."""

    center: FloatArray
    scale: FloatArray

    @classmethod
    def fixed(cls, n_persons: int) -> Nodes:
        return cls(np.zeros(n_persons), np.ones(n_persons))

    def grid(self, quad: Quadrature) -> FloatArray:
        return np.asarray(self.center[:, None] + self.scale[:, None] * quad.nodes[None, :])


@dataclass(frozen=True)
class EStep:
    z: FloatArray  # persons x nodes
    posterior: FloatArray  # persons x nodes, rows sum to 1
    log_likelihood: float  # marginal, over all persons
    # Expected complete-data sums for the M-step and the information (c = answer count,
    # P = P(correct), W = P(1 - P), E = posterior expectation):
    item_expected: FloatArray  # per item: sum c E[P]
    item_info: FloatArray  # per item: sum c E[W]
    item_info_z: FloatArray  # per item: sum c E[W z]
    info_zz: float  # sum c E[W z^2]
    score_z: float  # sum_p s_p E[z_p] - sum c E[z P]: the gradient in sigma

    def posterior_nodes(self) -> Nodes:
        mean = (self.posterior * self.z).sum(axis=1)
        var = (self.posterior * (self.z - mean[:, None]) ** 2).sum(axis=1)
        return Nodes(mean, np.maximum(np.sqrt(var), _MIN_SCALE))


def pair_logits(
    design: ResponseDesign, sl: slice, b: FloatArray, sigma: float, z: FloatArray
) -> FloatArray:
    """sigma z_pq - b_j for the pairs in chunk `sl` (pairs x nodes)."""
    b_safe = np.where(np.isfinite(b), b, 0.0)
    return np.asarray(sigma * z[design.pair_person[sl]] - b_safe[design.pair_item[sl], None])


def e_step(
    design: ResponseDesign, b: FloatArray, sigma: float, quad: Quadrature, nodes: Nodes
) -> EStep:
    z = nodes.grid(quad)
    log_joint = (
        quad.log_weights[None, :]
        + 0.5 * (quad.nodes[None, :] ** 2 - z**2)
        + np.log(nodes.scale)[:, None]
    )
    for sl in design.chunks():
        eta = pair_logits(design, sl, b, sigma, z)
        loglik = design.pair_correct[sl, None] * eta - design.pair_count[sl, None] * np.logaddexp(
            0.0, eta
        )
        design.person_sums(sl, loglik, log_joint)
    log_marginal = logsumexp(log_joint, axis=1)
    posterior = np.exp(log_joint - log_marginal[:, None])

    # Second pass, now that each person's posterior is known: the M-step sums.
    n_j = design.n_items
    expected, info, info_z = np.zeros(n_j), np.zeros(n_j), np.zeros(n_j)
    info_zz = 0.0
    score_z = float(design.person_score @ (posterior * z).sum(axis=1))
    for sl in design.chunks():
        persons, j, c = design.pair_person[sl], design.pair_item[sl], design.pair_count[sl]
        p = expit(pair_logits(design, sl, b, sigma, z))
        zp = z[persons]
        post_p = posterior[persons] * p
        post_w = post_p * (1.0 - p)
        post_wz = post_w * zp
        expected += np.bincount(j, c * post_p.sum(1), n_j)
        info += np.bincount(j, c * post_w.sum(1), n_j)
        info_z += np.bincount(j, c * post_wz.sum(1), n_j)
        info_zz += float(c @ np.einsum("ij,ij->i", post_wz, zp))
        score_z -= float(c @ np.einsum("ij,ij->i", post_p, zp))
    return EStep(
        z=z,
        posterior=posterior,
        log_likelihood=float(log_marginal.sum()),
        item_expected=expected,
        item_info=info,
        item_info_z=info_z,
        info_zz=info_zz,
        score_z=score_z,
    )


def laplace_nodes(design: ResponseDesign, b: FloatArray, sigma: float, steps: int = 25) -> Nodes:
    """Posterior mode and curvature of each person's z: the starting placement of the nodes."""
    mode = np.zeros(design.n_persons)
    curvature = np.ones(design.n_persons)
    b_safe = np.where(np.isfinite(b), b, 0.0)
    for _ in range(steps):
        expected = np.zeros(design.n_persons)
        info = np.zeros(design.n_persons)
        for sl in design.chunks():
            p = expit(sigma * mode[design.pair_person[sl]] - b_safe[design.pair_item[sl]])
            c = design.pair_count[sl]
            design.person_sums(sl, c * p, expected)
            design.person_sums(sl, c * p * (1.0 - p), info)
        gradient = sigma * (design.person_score - expected) - mode
        curvature = sigma**2 * info + 1.0
        step = np.clip(gradient / curvature, -2.0, 2.0)  # the objective is concave
        mode += step
        if np.abs(step).max(initial=0.0) < 1e-8:
            break
    return Nodes(mode, 1.0 / np.sqrt(curvature))


def marginal_log_likelihood(
    design: ResponseDesign, b: FloatArray, sigma: float, quad: Quadrature, nodes: Nodes
) -> float:
    """The quadrature marginal log-likelihood at fixed node placement (for finite differences)."""
    return e_step(design, b, sigma, quad, nodes).log_likelihood
