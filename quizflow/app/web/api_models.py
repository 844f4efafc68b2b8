"""What the JSON API answers on success, as pydantic models, so the OpenAPI document describes
every body.

The views are built as plain dicts (quizflow.app.web.views and friends, shared with the pages);
a route names its model in ``response_model=`` and FastAPI checks the dict against it. The
models are strict and forbid unknown keys: a view that gains, loses or retypes a key fails
loudly instead of being filtered or coerced into another body. Routes answer with
``response_model_exclude_unset=True`` (``ANSWERED``), so a key a view leaves out stays out.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Reply(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


# The keyword arguments of every route answering one of these models.
ANSWERED: dict[str, Any] = {"response_model_exclude_unset": True}


# -- /api/health ---------------------------------------------------------------------------
class AnonymousStanding(Reply):
    """What an anonymous caller (a load balancer) learns of the read model."""

    running: bool
    head: str | None = Field(None, description="The store's head; absent when unreadable.")
    cursor: str | None = Field(None, description="How far the read model has applied.")
    behind: bool | None = None
    stalled_seconds: float | None = None


class Standing(Reply):
    """The read model's position, lag and counters, for a signed-in caller."""

    cursor: str
    running: bool
    events_applied: int
    events_skipped: int
    events_unknown_type: int
    events_malformed: int
    events_of_imported_history: int
    quizzes_needing_attention: int
    subscription_failures: int
    views_waited: int
    view_wait_timeouts: int
    view_wait_max_ms: float
    seconds_since_last_event: float | None
    seconds_since_progress: float | None
    courses: int
    students: int
    classes: int
    students_loaded: int
    quizzes: int
    head: str | None = Field(None, description="The store's head; absent when unreadable.")
    behind: bool | None = None
    stalled_seconds: float | None = None


class Health(Reply):
    """/api/health: whether the live read model serves, and where it stands."""

    ok: bool
    read_model: Standing | AnonymousStanding
    process: int | None = Field(None, description="The web process that answered (signed in).")
    problem: str | None = Field(None, description="What is wrong, when ok is false.")


# -- quizzes -------------------------------------------------------------------------------
class ChapterRef(Reply):
    chapter_id: str
    title: str


class ChapterStanding(Reply):
    chapter_id: str
    title: str
    questions: int
    status: str
    attempt: int
    streak: int


class CourseStanding(Reply):
    course_id: str
    title: str
    chapters: list[ChapterStanding]


class FieldShown(Reply):
    name: str
    label: str


class QuestionShown(Reply):
    """The question to answer: its text and fields, never its answers."""

    question_id: str
    text: str
    fields: list[FieldShown]


class LastAnswer(Reply):
    """The answer just graded; the right answer, solution and feedback after a wrong one."""

    question_id: str | None
    correct: bool
    inputs: dict[str, str]
    question_text: str | None
    answer_display: str
    correct_answer: str | None
    solution: str | None
    feedback: str | None


class Quiz(Reply):
    course_id: str
    course_title: str
    chapter_id: str
    chapter_title: str
    status: str
    attempt: int
    streak: int
    streak_to_pass: int
    version: int
    question: QuestionShown | None
    last_answer: LastAnswer | None
    message: str | None
    actions: list[str] = Field(description="The commands the quiz accepts now.")
    next_chapter: ChapterRef | None
    cursor: str


class QuizPage(Quiz):
    fresh: bool = Field(description="Whether the read model had caught up with your commands.")


class EventOut(Reply):
    event_id: str
    type: str
    version: int
    position: int
    cursor: str
    data: dict[str, Any]
    occurred_at: str


class CommandReply(Reply):
    """A command that was handled: its events and the quiz as it left it."""

    status: str
    code: str | None
    reason: str | None
    stream_id: str
    version: int
    replayed: bool = Field(description="Handled before (a retry): these are its events.")
    events: list[EventOut]
    quiz: Quiz


# -- attempts ------------------------------------------------------------------------------
class AttemptAnswer(Reply):
    occurred_at: str
    question_id: str
    question_text: str | None
    answer_display: str
    correct: bool


class Attempt(Reply):
    course_id: str
    chapter_id: str
    chapter_title: str
    attempt: int
    started_at: str
    passed: bool
    answers: list[AttemptAnswer]


# -- teachers ------------------------------------------------------------------------------
class ClassSummary(Reply):
    class_id: str
    name: str
    school_id: str
    students: int


class ChapterProgress(Reply):
    chapter_id: str
    title: str
    progress: str = Field(description="not-started, in-progress or passed")
    status: str
    attempt: int
    streak: int
    streak_to_pass: int
    answers: int
    mistakes: int


class CourseProgress(Reply):
    course_id: str
    title: str
    chapters: list[ChapterProgress]


class AnswerField(Reply):
    field: str
    label: str
    value: str


class RecentAnswer(Reply):
    time: str
    time_shown: str = Field(description="The time as the school reads it.")
    course_id: str
    course_title: str
    chapter_id: str
    chapter_title: str
    question_id: str
    question_text: str | None
    answer: list[AnswerField]
    answer_display: str
    correct: bool


class StudentReport(Reply):
    student_id: str
    name: str
    class_id: str
    class_name: str
    answers: int
    mistakes: int
    courses: list[CourseProgress]
    recent_answers: list[RecentAnswer]


# -- accounts ------------------------------------------------------------------------------
class Who(Reply):
    """The person signed in."""

    user_id: str
    name: str
    role: str
    roles: list[str]
    school_id: str


class SignedOut(Reply):
    signed_out: bool
