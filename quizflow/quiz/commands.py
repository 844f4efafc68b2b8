"""What a student asks the chapter quiz to do. Each command names the quiz it is for."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class StartQuiz:
    """Begin the chapter quiz, or a new attempt after passing it."""

    student_id: str
    course_id: str
    chapter_id: str


@dataclass(frozen=True)
class SubmitAnswer:
    """Answer the assigned question; ``inputs`` maps each input field to what was typed."""

    student_id: str
    course_id: str
    chapter_id: str
    question_id: str
    inputs: Mapping[str, str]

    def __post_init__(self) -> None:
        object.__setattr__(self, "inputs", dict(self.inputs))


@dataclass(frozen=True)
class NextQuestion:
    """Go on after a correct answer."""

    student_id: str
    course_id: str
    chapter_id: str


@dataclass(frozen=True)
class StartOver:
    """Begin a new streak after a wrong answer."""

    student_id: str
    course_id: str
    chapter_id: str


Command = StartQuiz | SubmitAnswer | NextQuestion | StartOver
