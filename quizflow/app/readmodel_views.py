"""The values the live read model serves: frozen, so readers never see one change under them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from quizflow.eventstore import START, Cursor
from quizflow.quiz import INITIAL, QuizState

AnswerOutcome = Literal["correct", "incorrect"]
QuizKey = tuple[str, str]  # (course_id, chapter_id)


@dataclass(frozen=True)
class QuizView:
    """One student's chapter quiz as the pages show it."""

    state: QuizState = INITIAL
    last_outcome: AnswerOutcome | None = None
    last_inputs: Mapping[str, str] = field(default_factory=dict)
    cursor: Cursor = START
    version: int = 0  # stream version of the last event folded in
    answers: int = 0  # answers given in this chapter, every attempt
    mistakes: int = 0  # of which wrong


@dataclass(frozen=True, slots=True)
class RecentAnswer:
    """One answer a student gave, as a teacher reviews it. Slotted and with its ids interned:
    the model keeps the last few of every student in the school."""

    occurred_at: datetime
    course_id: str
    chapter_id: str
    question_id: str
    inputs: tuple[tuple[str, str], ...]  # (field name, what the student typed), in order
    correct: bool


@dataclass(frozen=True)
class Student:
    student_id: str
    name: str
    school_id: str
    class_id: str


@dataclass(frozen=True)
class SchoolClass:
    class_id: str
    school_id: str
    name: str
    teacher_id: str
    teacher_name: str
    student_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Account:
    """Who may sign in: their roles, and whether the account is active."""

    account_id: str
    school_id: str
    name: str
    roles: frozenset[str]
    active: bool = True


@dataclass(frozen=True)
class Teacher:
    teacher_id: str
    name: str
    class_ids: tuple[str, ...] = ()
