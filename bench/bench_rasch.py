"""Benchmark: Rasch MML fit of ~1M simulated answers (20,000 students, 1,000 questions).

Prints one JSON document. Baselines measured in the same run:
- logit of facility: the naive difficulty (-logit of the share correct), no model;
- dense EM: a textbook Bock-Aitkin EM (dense students x questions matrices, 21 fixed
  Gauss-Hermite nodes, plain EM), on a subsample, next to our fit on the same subsample.

    uv run python bench/bench_rasch.py [--students 20000 --questions 1000 --per-student 50]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time
from typing import Any

import numpy as np
from scipy.special import expit, logsumexp

from quizflow.analysis import fit_rasch
from quizflow.analysis.simulation import SimulatedAnswers, simulate_rasch


def quality(estimate: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    ok = np.isfinite(estimate)
    return {
        "corr_b": round(float(np.corrcoef(estimate[ok], truth[ok])[0, 1]), 5),
        "rmse_b": round(float(np.sqrt(np.mean((estimate[ok] - truth[ok]) ** 2))), 5),
    }


def logit_facility(sim: SimulatedAnswers, n_items: int) -> np.ndarray:
    answers = np.bincount(sim.item, minlength=n_items)
    correct = np.bincount(sim.item, weights=sim.correct, minlength=n_items)
    facility = (correct + 0.5) / (answers + 1.0)
    return np.asarray(-np.log(facility / (1.0 - facility)))


def dense_em(
    sim: SimulatedAnswers, n_persons: int, n_items: int, tol: float = 1e-5, max_iter: int = 500
) -> tuple[np.ndarray, float, int]:
    """The textbook implementation: dense matrices, fixed nodes, one Newton step per M-step."""
    y = np.zeros((n_persons, n_items))
    m = np.zeros((n_persons, n_items))
    y[sim.person, sim.item] = sim.correct
    m[sim.person, sim.item] = 1.0
    z, w = np.polynomial.hermite_e.hermegauss(21)
    log_w = np.log(w / w.sum())
    b = logit_facility(sim, n_items)
    sigma = 1.0
    iteration = 0
    while iteration < max_iter:
        iteration += 1
        p = expit(sigma * z[None, :] - b[:, None])
        loglik = y @ np.log(p) + (m - y) @ np.log1p(-p) + log_w
        post = np.exp(loglik - logsumexp(loglik, axis=1, keepdims=True))
        n, r = m.T @ post, y.T @ post
        nw = n * p * (1 - p)
        grad_b = (n * p - r).sum(1)
        info_b = nw.sum(1)
        grad_s = float(((r - n * p) @ z).sum())
        info_bs = -(nw @ z)
        schur = float(nw.sum(0) @ z**2) - float(info_bs**2 @ (1 / info_b))
        step_s = (grad_s - float(info_bs @ (grad_b / info_b))) / schur
        step_b = (grad_b - info_bs * step_s) / info_b
        b += step_b
        sigma += step_s
        if max(np.abs(step_b).max(), abs(step_s)) < tol:
            break
    return b, sigma, iteration


def timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start


def cpu_timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, float, float]:
    """Wall and CPU seconds: on a shared 2-core machine the wall time alone misleads."""
    cpu = time.process_time()
    out, wall = timed(fn, *args, **kwargs)
    return out, wall, time.process_time() - cpu


def subsample(sim: SimulatedAnswers, n_persons: int) -> SimulatedAnswers:
    keep = sim.person < n_persons
    return SimulatedAnswers(
        sim.person[keep],
        sim.item[keep],
        sim.correct[keep],
        sim.difficulty,
        sim.ability[:n_persons],
        sim.sigma,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=20_000)
    parser.add_argument("--questions", type=int, default=1_000)
    parser.add_argument("--per-student", type=int, default=50)
    parser.add_argument("--sigma", type=float, default=1.2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dense-students", type=int, default=4_000)
    args = parser.parse_args()

    sim, sim_seconds = timed(
        simulate_rasch,
        args.students,
        args.questions,
        args.per_student,
        sigma=args.sigma,
        seed=args.seed,
    )
    fit, fit_seconds, fit_cpu = cpu_timed(fit_rasch, sim.person, sim.item, sim.correct)
    errors = fit.difficulty - sim.difficulty
    naive, naive_seconds = timed(logit_facility, sim, args.questions)

    small = subsample(sim, min(args.dense_students, args.students))
    (dense_b, dense_sigma, dense_iter), dense_seconds, dense_cpu = cpu_timed(
        dense_em, small, min(args.dense_students, args.students), args.questions
    )
    small_fit, small_seconds, small_cpu = cpu_timed(
        fit_rasch, small.person, small.item, small.correct
    )

    report = {
        "benchmark": "rasch_mml_fit",
        "data": {
            "students": args.students,
            "questions": args.questions,
            "answers": int(sim.person.size),
            "true_sigma": args.sigma,
            "seed": args.seed,
            "simulate_seconds": round(sim_seconds, 3),
        },
        "fit": {
            "seconds": round(fit_seconds, 3),
            "cpu_seconds": round(fit_cpu, 3),
            "iterations": fit.iterations,
            "converged": fit.converged,
            "sigma": round(fit.sigma, 5),
            "sigma_se": round(fit.sigma_se, 5),
            **quality(fit.difficulty, sim.difficulty),
            "mean_difficulty_se": round(float(np.sqrt(np.mean(fit.difficulty_se**2))), 5),
            "coverage_95": round(float(np.mean(np.abs(errors) < 1.96 * fit.difficulty_se)), 4),
            "se_method": fit.se_method,
        },
        "baselines": {
            "logit_facility": {
                "seconds": round(naive_seconds, 4),
                **quality(naive, sim.difficulty),
            },
            "dense_em_subsample": {
                "students": int(small.ability.size),
                "answers": int(small.person.size),
                "seconds": round(dense_seconds, 3),
                "cpu_seconds": round(dense_cpu, 3),
                "iterations": dense_iter,
                "sigma": round(dense_sigma, 5),
                **quality(dense_b, sim.difficulty),
            },
            "this_fit_same_subsample": {
                "seconds": round(small_seconds, 3),
                "cpu_seconds": round(small_cpu, 3),
                "iterations": small_fit.iterations,
                "sigma": round(small_fit.sigma, 5),
                **quality(small_fit.difficulty, sim.difficulty),
            },
        },
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_1min": round(os.getloadavg()[0], 2),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        },
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
