"""Why the editors' fault flags miss what they miss: each planted fault beside an oracle.

    uv run python bench/flag_oracle.py --seeds 11 --seeds 12 [--students 300] [--days 20]
        [--faults 6] [--null]

Per seed, the simulation `quizflow bench flags` runs with planted faults (the real command
handler, in memory), recording for every answer the student's TRUE ability at that moment
(the simulator's effective theta, which it draws and lets grow; no real data has it). Then,
per planted fault: the flag the hard-questions analysis raises, the question's answers, how
many gave the fault's answer (the trap; for a wrong key the answer the strongest give), the
tests the flags read computed from the estimated strengths (as hard-questions does) and from
the true ones (the oracle; the question's difficulty refitted with them), and for a trap the
oracle likelihood ratio of the planted kind of trap (a share of those who would answer right
give that answer) against none: the most powerful test there is for it. With ``--null`` the
likelihood ratio is also computed for every wrong answer of the sound questions (slow), so a
trap's value can be read against what sound answers reach. Prints one JSON document.

If the oracle cannot tell a fault from sound questions either, the miss is a limit of the
data at that size, not of the rules.
"""

from __future__ import annotations

import argparse
import json
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import polars as pl
from scipy import optimize
from scipy.special import expit, log_expit

from quizflow.analysis.answer_evidence import (
    QuestionEvidence,
    _among_wrong_z,
    _score_z,
    _slope_z,
    _welch_t,
    answer_abilities,
    question_evidence,
)
from quizflow.analysis.flags import DEFAULT_THRESHOLDS, fault_flags
from quizflow.analysis.hard_questions import _fit_rasch_coded, first_attempts
from quizflow.app.catalog import CourseCatalog
from quizflow.content import load_course_file, sample_course_path
from quizflow.eventstore import InMemoryEventStore
from quizflow.quiz import Course
from quizflow.quiz.answers import normalise
from quizflow.simulate import SimulationConfig, simulate
from quizflow.simulate import student as simulated_student
from quizflow.simulate.faults import STRONG_DISTRACTOR, WRONG_KEY, choose_faults
from quizflow.simulate.runner import SAMPLE_COURSE_ID

_ANSWERED = ("QuestionAnsweredCorrectly", "QuestionAnsweredIncorrectly")
Abilities = dict[tuple[str, str], list[float]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    simulation_arguments(parser)
    parser.add_argument("--null", action="store_true", help="oracle LR of sound answers too")
    args = parser.parse_args()
    runs = [one_seed(s, args.students, args.days, args.faults, args.null) for s in args.seeds]
    print(json.dumps({"students": args.students, "days": args.days, "runs": runs}, indent=1))


def simulation_arguments(parser: argparse.ArgumentParser, *, seeds_required: bool = True) -> None:
    """The simulations' seeds and size, as `quizflow bench flags` takes them."""
    parser.add_argument("--seeds", type=int, action="append", required=seeds_required, default=[])
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--days", type=int, default=20)
    parser.add_argument("--faults", type=int, default=6)


def one_seed(seed: int, students: int, days: int, faults: int, null: bool) -> dict[str, Any]:
    frame, course = _simulate_with_true_abilities(seed, students, days, faults)
    planted = {p.question_id: p for p in choose_faults(seed, course, faults)}
    estimated = _estimated_evidence(frame.drop("true_theta"))
    flags = fault_flags(estimated, DEFAULT_THRESHOLDS)
    questions = {q.question_id: q for c in course.chapters for q in c.questions}
    faults_out = []
    null_lr: list[float] = []
    for question_id, evidence in estimated.items():
        rows = frame.filter(pl.col("question_id") == question_id)
        fault = planted.get(question_id)
        if fault is None:
            if null:
                null_lr += [_trap_lr(rows, o.answer) for o in _tested(evidence)]
            continue
        oracle = _oracle_tests(rows)
        if fault.fault == STRONG_DISTRACTOR and fault.answer is not None:
            target: Any = normalise(questions[question_id], fault.answer)
        elif fault.fault == WRONG_KEY:  # the right answer as authored, now marked wrong
            authored = questions[question_id]
            right = {name: authored.accepted[name][0] for name in authored.field_names}
            target = normalise(authored, right)
        else:
            target = None
        option = next((o for o in evidence.options if o.answer == target), None)
        faults_out.append(
            {
                "question_id": question_id,
                "fault": fault.fault,
                "flag": flags.get(question_id),
                "answers": evidence.answers,
                "right": int(rows["correct"].sum()),
                "key_z": evidence.key_z,
                "oracle_key_z": oracle["key_z"],
                "answer": target,
                "choosers": None if option is None else option.choosers,
                "estimated": None if option is None else _tests_of(option),
                "oracle": oracle["answers"].get(target),
                "oracle_trap_lr_z": (
                    _trap_lr(rows, target) if fault.fault == STRONG_DISTRACTOR else None
                ),
            }
        )
    return {"seed": seed, "answers": frame.height, "faults": faults_out, "null_trap_lr_z": null_lr}


def _simulate_with_true_abilities(
    seed: int, students: int, days: int, faults: int
) -> tuple[pl.DataFrame, Course]:
    abilities: Abilities = {}
    with _recording(abilities):
        store = InMemoryEventStore()
        simulate(
            store,
            SimulationConfig(students=students, days=days, seed=seed, plant_faults=faults),
        )
    published = CourseCatalog(store).get(SAMPLE_COURSE_ID)
    assert published is not None
    questions = {q.question_id: q for c in published.chapters for q in c.questions}
    seen: dict[tuple[str, str], int] = {}
    rows = []
    for event in store.read_all(limit=10**9):
        if event.type.rsplit("/", 1)[-1] not in _ANSWERED:
            continue
        data = event.data
        pair = (str(data["student_id"]), str(data["question_id"]))
        # The n-th answer to a question is the n-th time the student typed one (a rare
        # rejected command shifts this by a try: a growth of 0.015 logits).
        tries = abilities.get(pair, [])
        n = seen[pair] = seen.get(pair, -1) + 1
        rows.append(
            {
                "student_id": pair[0],
                "question_id": pair[1],
                "correct": event.type.endswith("Correctly"),
                "answer": normalise(questions.get(pair[1]), data["inputs"]),
                "response_ms": None,
                "occurred_at": event.occurred_at,
                "true_theta": tries[min(n, len(tries) - 1)] if tries else None,
            }
        )
    # The faults are chosen on the course as authored (the published one has the wrong keys).
    return pl.DataFrame(rows), Course.from_data(load_course_file(sample_course_path()))


class _recording:
    """Record each student's effective theta every time they type an answer."""

    def __init__(self, into: Abilities) -> None:
        self.into = into
        self.lock = threading.Lock()
        self.original: Callable[..., Any] = simulated_student.SimStudent._inputs

    def __enter__(self) -> None:
        original, into, lock = self.original, self.into, self.lock

        def inputs(student: Any, chapter: Any, quiz: Any) -> Any:
            pair = (str(student.enrolment.student_id), str(quiz.question_id))
            with lock:
                into.setdefault(pair, []).append(student.learner.effective_theta)
            return original(student, chapter, quiz)

        simulated_student.SimStudent._inputs = inputs  # type: ignore[method-assign,assignment]

    def __exit__(self, *_: object) -> None:
        simulated_student.SimStudent._inputs = self.original  # type: ignore[method-assign]


def _estimated_evidence(frame: pl.DataFrame) -> dict[Any, QuestionEvidence]:
    _, fit, codes = _fit_rasch_coded(first_attempts(frame, order_by="occurred_at"))
    scored = answer_abilities(
        frame.select("student_id", "question_id", "correct", "answer"), fit, codes
    )
    return question_evidence(scored, min_choosers=DEFAULT_THRESHOLDS.min_choosers)


def _tested(evidence: QuestionEvidence) -> list[Any]:
    return [o for o in evidence.options if not o.correct and o.strong_z is not None]


def _tests_of(option: Any) -> dict[str, float | None]:
    return {
        "strong_z": option.strong_z,
        "among_wrong_z": option.among_wrong_z,
        "vs_key_t": option.vs_key_t,
        "key_z_without": option.key_z_without,
    }


def _oracle_tests(rows: pl.DataFrame) -> dict[str, Any]:
    """The flags' tests with the true abilities; the difficulty refitted with them."""
    theta = rows["true_theta"].to_numpy().astype(np.float64)
    right = rows["correct"].to_numpy().astype(np.float64)
    answers = np.asarray(rows["answer"].to_list(), dtype=object)
    expected = expit(theta - refitted_difficulty(theta, right))
    centred = theta - theta.mean()
    wrong = right == 0.0
    wrong_centred = theta[wrong] - theta[wrong].mean()
    out: dict[str, Any] = {"key_z": _slope_z(right, expected, theta), "answers": {}}
    for answer in {a for a, r in zip(answers, right, strict=True) if r == 0.0}:
        chose = answers == answer
        if chose.sum() < DEFAULT_THRESHOLDS.min_choosers:
            continue
        share = chose.sum() / (1.0 - expected).sum()
        out["answers"][answer] = {
            "strong_z": _score_z(chose.astype(np.float64), share * (1.0 - expected), centred),
            "among_wrong_z": _among_wrong_z(chose[wrong], wrong_centred),
            "vs_key_t": _welch_t(theta[chose], theta[right == 1.0]),
            "key_z_without": _score_z(right[~chose], expected[~chose], centred[~chose]),
        }
    return out


def refitted_difficulty(theta: np.ndarray, right: np.ndarray) -> float:
    """The question's Rasch difficulty given its answerers' true abilities."""
    return float(optimize.brentq(lambda b: float((right - expit(theta - b)).sum()), -15.0, 15.0))


def _trap_lr(rows: pl.DataFrame, answer: Any) -> float:
    """Signed root of the likelihood ratio of "a share pi of those who would answer right give
    ``answer``" against pi = 0, with the true abilities, the difficulty and the answer's share
    of the wrong answers fitted under both."""
    theta = rows["true_theta"].to_numpy().astype(np.float64)
    right = rows["correct"].to_numpy()
    answers = np.asarray(rows["answer"].to_list(), dtype=object)
    chose = ~right & (answers == answer)
    other = ~right & ~chose

    def minus_log_likelihood(x: Sequence[float], free: bool) -> float:
        b, share = x[0], expit(x[1])
        pull = expit(x[2]) if free else 0.0
        log_p, log_q = log_expit(theta - b), log_expit(b - theta)
        p = np.exp(log_p[chose])
        total = log_p[right].sum() + right.sum() * np.log1p(-pull)
        total += np.log(pull * p + (1.0 - p) * share).sum()
        total += (log_q[other] + np.log1p(-share)).sum()
        return -float(total)

    share = max(chose.sum() / max(int((~right).sum()), 1), 1e-6)
    options = {"xatol": 1e-5, "fatol": 1e-6, "maxiter": 4000}
    start = [0.0, float(np.log(share / (1.0 - share + 1e-9)))]
    null = optimize.minimize(minus_log_likelihood, start, args=(False,), method="Nelder-Mead")
    best = min(
        (
            optimize.minimize(
                minus_log_likelihood,
                [*null.x, pull],
                args=(True,),
                method="Nelder-Mead",
                options=options,
            )
            for pull in (-3.0, -1.0)
        ),
        key=lambda r: r.fun,
    )
    return float(np.sqrt(max(0.0, 2.0 * (null.fun - best.fun))))


if __name__ == "__main__":
    main()
