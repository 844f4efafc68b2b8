"""`quizflow bench flags`: the editors' fault flags scored against faults planted on purpose.

Per seed, two simulations through the real command handler on an in-memory store: one with
planted faults, and one without (the baseline: every fault flag raised there is false). The
answers are read from the events the way the warehouse reads them (the quiz's normalising),
and the hard-questions analysis runs over every question. The pipeline itself is left out
to keep the runs quick; tests/integration/test_flag_calibration.py covers that path.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import polars as pl

from quizflow.analysis import hard_questions
from quizflow.analysis.calibration import FlagScore, flag_scores, share_interval
from quizflow.analysis.flags import FAULT_FLAGS
from quizflow.app.catalog import CourseCatalog
from quizflow.eventstore import InMemoryEventStore
from quizflow.quiz.answers import normalise
from quizflow.simulate import SimulationConfig, simulate
from quizflow.simulate.runner import SAMPLE_COURSE_ID

_ANSWERED = ("QuestionAnsweredCorrectly", "QuestionAnsweredIncorrectly")


def run(
    seeds: Sequence[int],
    *,
    students: int,
    days: int,
    faults: int,
    progress: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    runs = []
    planted_total = {flag: FlagScore() for flag in FAULT_FLAGS}
    clean_raised = {flag: 0 for flag in FAULT_FLAGS}
    for seed in seeds:
        for plant in (faults, 0):
            started = time.perf_counter()
            items, planted, answers, analysis_s = _flags_of_one_run(seed, students, days, plant)
            scores = flag_scores(items, planted)
            for flag, score in scores.items():
                if plant:
                    planted_total[flag].add(score)
                else:
                    clean_raised[flag] += score.raised
            runs.append(
                {
                    "seed": seed,
                    "planted": plant,
                    "answers": answers,
                    "questions": len(items),
                    "flags": {flag: s.as_json() for flag, s in scores.items()},
                    "seconds": round(time.perf_counter() - started, 1),
                    # The analysis alone (Rasch fit, evidence, flags): what the editor pages
                    # compute on their first load after a new snapshot.
                    "analysis_seconds": round(analysis_s, 2),
                }
            )
            found = ", ".join(
                f"{flag} {s.hits}/{s.raised}/{s.planted}" for flag, s in scores.items()
            )
            progress(f"seed {seed}, {plant} planted (hits/raised/planted): {found}")
    return {
        "students": students,
        "days": days,
        "faults_per_run": faults,
        "seeds": list(seeds),
        **totals(planted_total, clean_raised),
        "runs": runs,
    }


def totals(with_faults: Mapping[str, FlagScore], clean_raised: Mapping[str, int]) -> dict[str, Any]:
    """Per flag, the scores over the runs with faults, the false flags of the runs without, and
    the precision over both: what an editor meets over both kinds of course."""
    return {
        "with_faults": {flag: s.as_json() for flag, s in with_faults.items()},
        "baseline_without_faults": {"false_flags": dict(clean_raised)},
        "precision_over_all_runs": {
            flag: _share(s.hits, s.raised + clean_raised[flag]) for flag, s in with_faults.items()
        },
        "precision_over_all_runs_interval": {
            flag: share_interval(s.hits, s.raised + clean_raised[flag])
            for flag, s in with_faults.items()
        },
    }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def _flags_of_one_run(
    seed: int, students: int, days: int, plant: int
) -> tuple[list[dict[str, Any]], list[dict[str, str]], int, float]:
    store = InMemoryEventStore()
    summary = simulate(
        store,
        SimulationConfig(students=students, days=days, seed=seed, plant_faults=plant),
    )
    course = CourseCatalog(store).get(SAMPLE_COURSE_ID)
    questions = {q.question_id: q for c in course.chapters for q in c.questions} if course else {}
    rows = []
    for event in store.read_all(limit=10**9):
        if event.type.rsplit("/", 1)[-1] not in _ANSWERED:
            continue
        data = event.data
        rows.append(
            {
                "student_id": str(data["student_id"]),
                "question_id": str(data["question_id"]),
                "correct": event.type.endswith("Correctly"),
                "answer": normalise(questions.get(str(data["question_id"])), data["inputs"]),
                "response_ms": None,
                "occurred_at": event.occurred_at,
            }
        )
    frame = pl.DataFrame(rows)
    started = time.perf_counter()
    items = hard_questions(frame, limit=len(questions) or 10**6, min_answers=1)
    return items, summary.planted, frame.height, time.perf_counter() - started
