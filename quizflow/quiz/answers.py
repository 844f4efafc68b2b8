"""Grading a student's inputs against a question, and one comparable text per answer.

``check`` decides right or wrong; ``normalise`` gives the text the warehouse stores as
``answers.answer`` so that equivalent answers (``.5`` and ``0,50``) group together when
content editors study mistakes. Both use the same per-field equivalence, so two inputs
that normalise alike are graded alike.
"""

from __future__ import annotations

from collections.abc import Mapping

from quizflow.quiz.course import Question, WrongAnswer
from quizflow.quiz.equivalence import canonical, comparable


def check(question: Question, inputs: Mapping[str, str]) -> bool:
    """Whether ``inputs`` answer ``question`` correctly: every field, and only its fields.

    Each field is graded on its own against that field's accepted answers.
    """
    if set(inputs) != set(question.field_names):
        return False
    for name in question.field_names:
        value = inputs[name]
        if not isinstance(value, str):
            return False
        kind = question.equivalence[name]
        given = comparable(kind, value)
        if given is None:
            return False
        if all(comparable(kind, accepted) != given for accepted in question.accepted[name]):
            return False
    return True


def known_wrong_answer(question: Question, inputs: Mapping[str, str]) -> WrongAnswer | None:
    """The course's listed wrong answer that ``inputs`` gives, graded as answers are (each
    field by its equivalence, so ``0.40`` matches a listed ``0.4``); None when unlisted."""
    if set(inputs) != set(question.field_names):
        return None
    given = {name: comparable(question.equivalence[name], inputs[name]) for name in inputs}
    if any(value is None for value in given.values()):
        return None
    for wrong in question.wrong_answers:
        if all(
            comparable(question.equivalence[name], wrong.answer[name]) == given[name]
            for name in question.field_names
        ):
            return wrong
    return None


def normalised_values(question: Question | None, inputs: Mapping[str, str]) -> dict[str, str]:
    """Each field's input as its comparable text (what ``normalise`` joins)."""
    equivalence = question.equivalence if question is not None else {}
    return {name: canonical(equivalence.get(name), str(value)) for name, value in inputs.items()}


def normalise(question: Question | None, inputs: Mapping[str, str]) -> str:
    """The inputs as one comparable text.

    One field gives its value alone (``0.5``); several give ``name=value`` pairs sorted by
    field name and joined with ``; ``. Without the question (content unknown) a value that
    reads as a decimal number is written as one and anything else as canonical text.
    """
    values = normalised_values(question, inputs)
    if len(values) == 1:
        return next(iter(values.values()))
    return "; ".join(f"{name}={values[name]}" for name in sorted(values))
