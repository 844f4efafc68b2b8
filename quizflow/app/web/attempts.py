"""A student's own past attempts: every chapter quiz they ran, with each answer they gave.

Read from the event store (the student's quiz streams, one per chapter of each published
course), so the page shows the whole history and not only what the live model keeps. The
student id comes from the session: nobody sees another student's attempts here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from quizflow.app.auth import Identity
from quizflow.app.web.answer_views import shown_question
from quizflow.app.web.api_models import ANSWERED, Attempt
from quizflow.app.web.context import context, signed_in, student
from quizflow.app.web.error_docs import FOR_A_ROLE, errors
from quizflow.app.web.forms import page as _page
from quizflow.eventstore import EventStore, RecordedEvent
from quizflow.quiz import (
    Chapter,
    Course,
    PayloadError,
    QuestionAnsweredCorrectly,
    QuestionAnsweredIncorrectly,
    QuizPassed,
    QuizStarted,
    from_payload,
    quiz_stream_id,
)
from quizflow.quiz.display import display_answer
from quizflow.school_time import shown

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["api"])


def chapter_attempts(
    course: Course, chapter: Chapter, events: Sequence[RecordedEvent]
) -> list[dict[str, Any]]:
    """The attempts in one chapter quiz's events, each with its answers in order."""
    attempts: dict[int, dict[str, Any]] = {}
    for event in events:
        try:
            domain = from_payload(event.type, event.data)
        except PayloadError:
            continue  # another version's event, or one the live side already flags
        number = getattr(domain, "attempt", None)
        if not isinstance(number, int):
            continue
        attempt = attempts.setdefault(
            number,
            {
                "course_id": course.course_id,
                "chapter_id": chapter.chapter_id,
                "chapter_title": chapter.title,
                "attempt": number,
                "started_at": event.occurred_at.isoformat(),
                "passed": False,
                "answers": [],
            },
        )
        if isinstance(domain, QuizStarted):
            attempt["started_at"] = event.occurred_at.isoformat()
        elif isinstance(domain, QuizPassed):
            attempt["passed"] = True
        elif isinstance(domain, QuestionAnsweredCorrectly | QuestionAnsweredIncorrectly):
            question = shown_question(course, chapter, domain.question_id, domain.question_version)
            fields = question.fields if question is not None else None
            attempt["answers"].append(
                {
                    "occurred_at": event.occurred_at.isoformat(),
                    "question_id": domain.question_id,
                    "question_text": question.text if question is not None else None,
                    "answer_display": display_answer(domain.inputs, fields),
                    "correct": isinstance(domain, QuestionAnsweredCorrectly),
                }
            )
    return list(attempts.values())


def attempts_of(
    store: EventStore, courses: Sequence[Course], student_id: str
) -> list[dict[str, Any]]:
    """Every attempt of the student, newest first."""
    found: list[dict[str, Any]] = []
    for course in courses:
        for chapter in course.chapters:
            events = store.read_stream(
                quiz_stream_id(student_id, course.course_id, chapter.chapter_id)
            )
            found.extend(chapter_attempts(course, chapter, events))
    return sorted(found, key=lambda a: a["started_at"], reverse=True)


async def _attempts(request: Request, who: Identity) -> list[dict[str, Any]]:
    ctx = context(request)
    courses = sorted(ctx.model.courses(), key=lambda c: c.title)
    return await run_in_threadpool(attempts_of, ctx.store, courses, who.user_id)


@api.get(
    "/attempts",
    summary="Your past attempts at every chapter quiz, newest first",
    response_model=list[Attempt],
    **ANSWERED,
    responses=errors(*FOR_A_ROLE),
)
async def attempts_json(
    request: Request, who: Annotated[Identity, Depends(student)]
) -> list[dict[str, Any]]:
    return await _attempts(request, who)


@pages.get("/attempts")
async def attempts_page(request: Request) -> Response:
    who = await signed_in(request, "student")
    zone = context(request).model.time_zone(who.school_id)
    attempts = [
        {**attempt, "started_shown": shown(attempt["started_at"], zone)}
        for attempt in await _attempts(request, who)
    ]
    return _page(request, "attempts.html", who=who, attempts=attempts)
