"""Standard errors of the Rasch MML estimates from the observed information.

Louis (1982): the observed information of the marginal likelihood is the expected
complete-data information minus the posterior covariance of the per-person scores,

    I_obs = sum_p ( E[-d2 l_p | y_p] - Cov[d l_p | y_p] ),

both taken over the quadrature posterior of each person. For a given node placement this is
exactly minus the Hessian of the quadrature marginal log-likelihood (tested against finite
differences), which is what R's ltm differentiates numerically -- the SEs match its published
ones on LSAT-6.

Two ways to assemble it:
- "full": the whole (items + sigma) matrix. The score covariance couples every pair of items a
  person answered, so this costs ~ sum_p k_p^2 * nodes (k_p = items person p answered) plus a
  dense inverse; exact, and cheap for small banks (LSAT-6 costs nothing).
- "fast": exact diagonal, exact sigma row/column, and the item-item couplings replaced by a
  rank-one matrix -w w^T fitted to their exact row sums (which cost one pass over the
  answers). Dropping the couplings altogether would lose the uncertainty of the scale's common
  origin (SEs ~sigma/sqrt(persons) too small in quadrature); the rank-one term restores most
  of it. Close to "full" on sparse designs; it runs low on small dense banks with a wide
  ability spread, which "auto" sends to "full" anyway (bench/README.md has how close).
  Inverted in O(items) with Sherman-Morrison and a Schur complement for sigma.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import scipy.sparse as sp

from quizflow.analysis.rasch_design import FloatArray, Quadrature, ResponseDesign
from quizflow.analysis.rasch_estep import EStep, pair_logits

# sum_p k_p^2 * nodes above which "auto" stops assembling the full matrix, whose cost grows
# with it (bench/README.md has what it cost at the budget).
FULL_INFORMATION_BUDGET = 150_000_000
FULL_INFORMATION_MAX_ITEMS = 3_000


def standard_errors(
    design: ResponseDesign,
    est: EStep,
    b: FloatArray,
    sigma: float,
    quad: Quadrature,
    prior_precision: FloatArray,
    *,
    free_sigma: bool,
    method: str = "auto",
) -> tuple[FloatArray, float, str, FloatArray | None]:
    """Return (SE per item, SE of sigma, method used, covariance or None). NaN where undefined.

    The covariance (only from "full") is over all items then sigma (when free), with NaN rows
    and columns for items without answers.
    """
    b_se = np.full(design.n_items, np.nan)
    if method == "none" or design.n_pairs == 0:
        return b_se, float("nan"), "none", None
    idx = np.flatnonzero(design.item_answers > 0)
    if method == "auto":
        per_person = np.diff(design.person_start)
        cost = float(per_person @ per_person) * quad.nodes.size
        small = cost <= FULL_INFORMATION_BUDGET and idx.size <= FULL_INFORMATION_MAX_ITEMS
        method = "full" if small else "fast"
    if method not in ("full", "fast"):
        raise ValueError(f"unknown SE method {method!r}")

    complete_bb = est.item_info[idx] + prior_precision[idx]
    complete_bs = -est.item_info_z[idx]
    # Per person and node: expected answers sum_j c P (the load) and the sigma score, both as
    # deviations from their posterior means.
    load = np.zeros_like(est.z)
    for sl, p in _pair_curves(design, b, sigma, est):
        design.person_sums(sl, design.pair_count[sl, None] * p, load)
    dev_sigma = _centered(est, est.z * (design.person_score[:, None] - load))
    dev_load = _centered(est, load)

    if method == "full":
        cov = _full_covariance(
            design, b, sigma, est, idx, dev_sigma, complete_bb, complete_bs, free_sigma
        )
        if cov is None:
            return b_se, float("nan"), method, None
        b_se[idx] = np.sqrt(np.clip(np.diag(cov)[: idx.size], 0.0, None))
        s_se = float(np.sqrt(max(cov[-1, -1], 0.0))) if free_sigma else float("nan")
        where = np.concatenate([idx, [design.n_items]]) if free_sigma else idx
        size = design.n_items + 1 if free_sigma else design.n_items
        full = np.full((size, size), np.nan)
        full[np.ix_(where, where)] = cov
        return b_se, s_se, method, full

    n_j = design.n_items
    missing_bb, missing_bs, missing_rows = np.zeros(n_j), np.zeros(n_j), np.zeros(n_j)
    for sl, dev_item in _item_deviations(design, b, sigma, est):
        persons, j, c = design.pair_person[sl], design.pair_item[sl], design.pair_count[sl]
        weighted = est.posterior[persons] * dev_item
        missing_bb += np.bincount(j, c**2 * (weighted * dev_item).sum(1), n_j)
        missing_bs += np.bincount(j, c * (weighted * dev_sigma[persons]).sum(1), n_j)
        missing_rows += np.bincount(j, c * (weighted * dev_load[persons]).sum(1), n_j)
    diag = complete_bb - missing_bb[idx]
    w = _rank_one_coupling(np.clip(missing_rows[idx] - missing_bb[idx], 0.0, None))
    # Item block A = diag(a) - w w^T with a = diag + w^2 (so A's diagonal stays exact).
    a = diag + w**2
    aw = w / a
    denom = 1.0 - float(w @ aw)
    if not denom > 0:  # the rank-one model does not fit: fall back to no coupling
        a, aw, denom = diag, np.zeros_like(diag), 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        var_b = 1.0 / a + aw**2 / denom
        if not free_sigma:
            b_se[idx] = np.sqrt(var_b)
            return b_se, float("nan"), method, None
        v = complete_bs - missing_bs[idx]
        info_ss = est.info_zz - float((est.posterior * dev_sigma**2).sum())
        a_inv_v = v / a + aw * float(aw @ v) / denom
        var_s = 1.0 / (info_ss - float(v @ a_inv_v))
        b_se[idx] = np.sqrt(var_b + a_inv_v**2 * var_s)
    return b_se, float(np.sqrt(var_s)), method, None


def _rank_one_coupling(off_row_sums: FloatArray) -> FloatArray:
    """w >= 0 with w_j * (sum(w) - w_j) = off_row_sums_j (fixed point, from w_j << sum(w))."""
    total = float(np.sqrt(off_row_sums.sum()))
    w = np.zeros_like(off_row_sums)
    for _ in range(50):
        w = (total - np.sqrt(np.clip(total**2 - 4.0 * off_row_sums, 0.0, None))) / 2.0
        if abs(w.sum() - total) < 1e-12 * max(total, 1.0):
            break
        total = float(w.sum())
    return w


def _centered(est: EStep, values: FloatArray) -> FloatArray:
    return np.asarray(values - (est.posterior * values).sum(1, keepdims=True))


def _pair_curves(
    design: ResponseDesign, b: FloatArray, sigma: float, est: EStep
) -> Iterator[tuple[slice, FloatArray]]:
    for sl in design.chunks():
        yield sl, 1.0 / (1.0 + np.exp(-pair_logits(design, sl, b, sigma, est.z)))


def _item_deviations(
    design: ResponseDesign, b: FloatArray, sigma: float, est: EStep
) -> Iterator[tuple[slice, FloatArray]]:
    """Per pair and node: P minus its posterior mean for that person.

    d l_p / d b_j = c_pj P - y_pj, so its deviation from the posterior mean is c_pj times this.
    """
    for sl, p in _pair_curves(design, b, sigma, est):
        post = est.posterior[design.pair_person[sl]]
        yield sl, p - (post * p).sum(1, keepdims=True)


def _full_covariance(
    design: ResponseDesign,
    b: FloatArray,
    sigma: float,
    est: EStep,
    idx: np.ndarray,
    dev_sigma: FloatArray,
    complete_bb: FloatArray,
    complete_bs: FloatArray,
    free_sigma: bool,
) -> FloatArray | None:
    k = idx.size
    n_par = k + 1 if free_sigma else k
    n_nodes = est.z.shape[1]
    position = np.full(design.n_items, -1)
    position[idx] = np.arange(k)
    sqrt_post = np.sqrt(est.posterior)
    node = np.arange(n_nodes)
    # Score deviations as a sparse matrix with one row per (person, node), weighted by
    # sqrt(posterior): X.T @ X is then the summed posterior covariance of the scores.
    data, rows, cols = [], [], []
    for sl, dev_item in _item_deviations(design, b, sigma, est):
        persons = design.pair_person[sl]
        data.append((sqrt_post[persons] * dev_item * design.pair_count[sl, None]).ravel())
        rows.append((persons[:, None] * n_nodes + node[None, :]).ravel())
        cols.append(np.repeat(position[design.pair_item[sl]], n_nodes))
    if free_sigma:
        data.append((sqrt_post * dev_sigma).ravel())
        rows.append(np.arange(design.n_persons * n_nodes))
        cols.append(np.full(design.n_persons * n_nodes, k))
    x = sp.csc_array(
        (np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))),
        shape=(design.n_persons * n_nodes, n_par),
    )
    info = -np.asarray((x.T @ x).toarray())
    info[np.arange(k), np.arange(k)] += complete_bb
    if free_sigma:
        info[:k, k] += complete_bs
        info[k, :k] += complete_bs
        info[k, k] += est.info_zz
    try:
        return np.asarray(np.linalg.inv(info))
    except np.linalg.LinAlgError:
        return None
