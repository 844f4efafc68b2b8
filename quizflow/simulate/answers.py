"""What a student types: an accepted answer, a typical wrong one, or a slip of the keyboard.

Wrong answers mostly come from the question's listed misconceptions, the more prevalent ones
more often, so content editors find them in the warehouse. Some are slips (a digit off, two
characters swapped, a sign lost), so not every wrong answer is a known misconception.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass

from quizflow.quiz import Course, Question, check
from quizflow.simulate.seeding import stream

SLIP_SHARE = 0.15  # of wrong answers; all of them when a question lists no wrong answers
_SLIP_TRIES = 8
_NEIGHBOURS = {
    "0": "9", "1": "2", "2": "13", "3": "24", "4": "35", "5": "46", "6": "57", "7": "68",
    "8": "79", "9": "80",
}  # fmt: skip


@dataclass(frozen=True)
class WrongAnswerModel:
    """Per question, how prevalent each listed wrong answer is (fixed by the seed)."""

    weights: Mapping[str, tuple[float, ...]]

    @classmethod
    def build(cls, seed: int, course: Course) -> WrongAnswerModel:
        weights = {}
        for chapter in course.chapters:
            for question in chapter.questions:
                rng = stream(seed, "misconceptions", question.question_id)
                # Authors list the most typical mistake first; the seed varies the rest.
                weights[question.question_id] = tuple(
                    rng.gammavariate(2.0, 1.0) / (rank + 1)
                    for rank in range(len(question.wrong_answers))
                )
        return cls(weights)

    def wrong(self, rng: random.Random, question: Question) -> dict[str, str]:
        listed = question.wrong_answers
        if listed and rng.random() >= SLIP_SHARE:
            weights = self.weights.get(question.question_id) or tuple(1.0 for _ in listed)
            return dict(rng.choices(listed, weights=weights)[0].answer)
        for _ in range(_SLIP_TRIES):
            inputs = slip(rng, right(rng, question))
            if not check(question, inputs):
                return inputs
        # A slip that happens to be right again (e.g. "0.50" for "0.5"): give up typing.
        return dict(listed[0].answer) if listed else {n: "?" for n in question.field_names}


def right(rng: random.Random, question: Question) -> dict[str, str]:
    return {name: rng.choice(question.accepted[name]) for name in question.field_names}


def slip(rng: random.Random, inputs: Mapping[str, str]) -> dict[str, str]:
    """``inputs`` with one field mistyped."""
    typed = dict(inputs)
    name = rng.choice(sorted(typed))
    typed[name] = typo(rng, typed[name])
    return typed


def typo(rng: random.Random, text: str) -> str:
    digits = [i for i, c in enumerate(text) if c.isdigit()]
    kind = rng.randrange(4)
    if kind == 0 and digits:  # a neighbouring key
        i = rng.choice(digits)
        return text[:i] + rng.choice(_NEIGHBOURS[text[i]]) + text[i + 1 :]
    if kind == 1 and len(text) > 1:  # two characters swapped
        i = rng.randrange(len(text) - 1)
        swapped = text[:i] + text[i + 1] + text[i] + text[i + 2 :]
        if swapped != text:
            return swapped
    if kind == 2 and len(text) > 1:  # a character lost
        i = rng.randrange(len(text))
        dropped = (text[:i] + text[i + 1 :]).strip()
        if dropped:
            return dropped
    # The sign: lost when there is one, added when there is none.
    return text[1:] if text.startswith("-") and len(text) > 1 else "-" + text
