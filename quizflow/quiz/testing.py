"""Given/when/then for the chapter quiz: ``given(events, course=c).when(cmd).then([...])``.

Events are plain data without ids or timestamps, so expected events are written down as
dataclasses and compared with ``==``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from quizflow.quiz.commands import Command
from quizflow.quiz.course import Course
from quizflow.quiz.decide import RandomSource, Rejected, decide
from quizflow.quiz.events import QuizEvent
from quizflow.quiz.state import QuizState, fold

T = TypeVar("T")


class FirstChoice:
    """A random source that always picks the first candidate (in chapter order)."""

    def choice(self, seq: Sequence[T], /) -> T:
        return seq[0]


@dataclass(frozen=True)
class Decided:
    state: QuizState
    command: Command
    result: list[QuizEvent] | Rejected

    @property
    def events(self) -> list[QuizEvent]:
        if isinstance(self.result, Rejected):
            raise AssertionError(f"expected events, but {self.command} was {self.result}")
        return self.result

    def then(self, expected: Sequence[QuizEvent]) -> Decided:
        if list(expected) != self.events:
            raise AssertionError(
                f"after {self.command}:\n  expected {_lines(expected)}\n  got      "
                f"{_lines(self.events)}"
            )
        return self

    def then_rejected(self, code: str) -> Rejected:
        if not isinstance(self.result, Rejected):
            raise AssertionError(
                f"expected {self.command} to be rejected with {code!r}, got {_lines(self.result)}"
            )
        if self.result.code != code:
            raise AssertionError(
                f"expected {self.command} to be rejected with {code!r}, got {self.result}"
            )
        return self.result


@dataclass(frozen=True)
class Given:
    history: tuple[QuizEvent, ...]
    course: Course | None
    rng: RandomSource

    def when(self, command: Command) -> Decided:
        state = fold(self.history)
        return Decided(state, command, decide(state, command, self.course, self.rng))


def given(
    events: Iterable[QuizEvent] = (), *, course: Course | None, rng: RandomSource | None = None
) -> Given:
    """A quiz stream holding ``events``; questions are picked by ``rng`` (``FirstChoice``)."""
    return Given(tuple(events), course, rng if rng is not None else FirstChoice())


def tiny_course() -> Course:
    """A small course for tests: chapter ``basics`` (four questions, one with two fields)
    and chapter ``solo`` (one question)."""

    def question(qid: str, accepted: dict[str, str], kind: str) -> dict[str, object]:
        return {
            "question_id": qid,
            "text": f"Question {qid}",
            "fields": [{"name": name, "label": name} for name in accepted],
            "accepted": {name: [value] for name, value in accepted.items()},
            "equivalence": dict.fromkeys(accepted, kind),
        }

    return Course.from_data(
        {
            "course_id": "maths",
            "title": "Maths",
            "version": 1,
            "chapters": [
                {
                    "chapter_id": "basics",
                    "title": "Basics",
                    "questions": [
                        question("q1", {"_INPUT_1_": "3/4"}, "fraction"),
                        question("q2", {"_INPUT_1_": "6"}, "number"),
                        question("q3", {"_INPUT_1_": "Paris"}, "text"),
                        question("q4", {"_INPUT_1_": "7", "_INPUT_2_": "3"}, "number"),
                    ],
                },
                {
                    "chapter_id": "solo",
                    "title": "Solo",
                    "questions": [question("s1", {"_INPUT_1_": "1"}, "number")],
                },
            ],
        }
    )


def _lines(events: Sequence[QuizEvent]) -> str:
    return "\n           ".join(map(repr, events)) if events else "no events"
