"""Faulty questions planted on purpose, so the editors' flags can be measured against truth.

Three faults, each a change to what the data looks like rather than a label in it:

- ``wrong_key``: the published course accepts one of the question's typical wrong answers
  and no longer the right one. Students answer as they always would; the command handler
  then grades those who know the answer wrong, and those with that misconception right.
- ``ambiguous``: the question can be read two ways, so knowing the topic does not help:
  every student gets it right with the chance an average student has.
- ``strong_distractor``: one typical wrong answer is a trap for students who know the
  topic: a share of those who would answer right give it instead.

Which questions, and which wrong answer each fault uses, follow from the seed alone.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from quizflow.quiz import Course, Question
from quizflow.quiz.equivalence import comparable
from quizflow.simulate.seeding import stream

WRONG_KEY = "wrong_key"
AMBIGUOUS = "ambiguous"
STRONG_DISTRACTOR = "strong_distractor"
FAULTS = (WRONG_KEY, AMBIGUOUS, STRONG_DISTRACTOR)
# Of the students who would answer a strong-distractor question right, this share falls for
# the trap. A real trap of this size changes a question's figures visibly; a much smaller one
# would be no fault worth an editor's time.
STRONG_DISTRACTOR_PULL = 0.4


@dataclass(frozen=True)
class PlantedFault:
    question_id: str
    fault: str
    # wrong_key: the wrong answer the published key accepts; strong_distractor: the trap.
    answer: Mapping[str, str] | None = None

    def as_json(self) -> dict[str, str]:
        return {"question_id": self.question_id, "fault": self.fault}


def choose_faults(seed: int, course: Course, count: int) -> tuple[PlantedFault, ...]:
    """``count`` questions of ``course``, each with one fault, the kinds taken in turn."""
    if count < 0:
        raise ValueError("the number of faults to plant cannot be negative")
    if count == 0:
        return ()
    questions = [q for chapter in course.chapters for q in chapter.questions]
    rng = stream(seed, "faults")
    rng.shuffle(questions)
    planted: list[PlantedFault] = []
    for question in questions:
        if len(planted) == count:
            break
        kind = FAULTS[len(planted) % len(FAULTS)]
        wrong = _usable_wrong_answers(question, kind)
        if kind != AMBIGUOUS and not wrong:
            continue
        answer = dict(wrong[0 if kind == WRONG_KEY else -1].answer) if wrong else None
        planted.append(PlantedFault(question.question_id, kind, answer))
    if len(planted) < count:
        raise ValueError(
            f"cannot plant {count} faults: the course has questions for only {len(planted)}"
        )
    return tuple(planted)


def _usable_wrong_answers(question: Question, kind: str) -> Sequence[Any]:
    if kind != WRONG_KEY:
        return question.wrong_answers
    # The key must be a value the field can accept (a number for a number field).
    return [
        w
        for w in question.wrong_answers
        if set(w.answer) == set(question.field_names)
        and all(comparable(question.equivalence[n], v) is not None for n, v in w.answer.items())
    ]


def with_wrong_keys(data: Mapping[str, Any], planted: Sequence[PlantedFault]) -> dict[str, Any]:
    """Course data as published with the planted wrong keys: the wrong answer accepted in
    place of the right one (and no longer listed as a typical wrong answer)."""
    keys = {p.question_id: p.answer for p in planted if p.fault == WRONG_KEY and p.answer}
    faulty = copy.deepcopy(dict(data))
    for chapter in faulty["chapters"]:
        for question in chapter["questions"]:
            key = keys.get(question["question_id"])
            if key is None:
                continue
            question["accepted"] = {name: [value] for name, value in key.items()}
            question["wrong_answers"] = [
                w for w in question.get("wrong_answers", []) if dict(w["answer"]) != dict(key)
            ]
    return faulty
