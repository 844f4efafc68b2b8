"""The JSON API under /api: the same commands and views as the pages.

Every POST needs ``Content-Type: application/json`` (a cross-site form cannot send it, which
keeps the session cookie from being used by another site) and a ``command_id``.
"""

from __future__ import annotations

import logging
import os
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictStr
from starlette.concurrency import run_in_threadpool

from quizflow.app.auth import Identity
from quizflow.app.readmodel import ReadModel
from quizflow.app.web.answer_views import (
    UNREADABLE_CODE,
    refusal,
    refusal_sentence,
    shown_question,
    unreadable_hints,
)
from quizflow.app.web.api_models import (
    ANSWERED,
    ClassSummary,
    CommandReply,
    CourseStanding,
    Health,
    QuizPage,
    StudentReport,
)
from quizflow.app.web.commands import build, execute
from quizflow.app.web.context import (
    caught_up,
    chapter_of,
    context,
    student,
    teacher,
    who_is_asking,
)
from quizflow.app.web.error_docs import FOR_A_ROLE, JSON_BODY, ErrorBody, errors
from quizflow.app.web.errors import WebError, status_for
from quizflow.app.web.teacher_views import loaded_if_yours, student_report
from quizflow.app.web.views import (
    chapters_view,
    classes_view,
    passed_chapters,
    quiz_view,
    view_from_result,
)
from quizflow.env_settings import EnvironmentSettings, read_environment

Id = Annotated[StrictStr, Field(min_length=1, max_length=100)]


async def require_json(request: Request) -> None:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/json":
        raise WebError(415, "json-required", "send the body as application/json")


router = APIRouter(prefix="/api", tags=["api"])
writes = APIRouter(prefix="/api", tags=["api"], dependencies=[Depends(require_json)])


class Strict(BaseModel):
    # Unknown keys are refused: above all a student_id, which only the session provides.
    model_config = ConfigDict(extra="forbid")


class CommandBody(Strict):
    command_id: uuid.UUID = Field(description="Generated once per action; repeat it on retry.")


class Answer(CommandBody):
    question_id: Id
    inputs: dict[
        Annotated[StrictStr, Field(max_length=100)], Annotated[StrictStr, Field(max_length=500)]
    ] = Field(max_length=20)


log = logging.getLogger(__name__)

# How long the read model may be behind the store's head without applying anything before
# /api/health answers 503 (it is stuck on an event, or its subscription keeps failing).
HEALTH_MAX_LAG_SETTING = "QUIZFLOW_HEALTH_MAX_LAG_SECONDS"
HEALTH_MAX_LAG_DEFAULT_S = 30.0


class _HealthEnvironment(EnvironmentSettings):
    max_lag_s: float = Field(
        HEALTH_MAX_LAG_DEFAULT_S,
        gt=0,
        validation_alias=HEALTH_MAX_LAG_SETTING,
        description="a number of seconds above 0",
    )


def health_max_lag_s() -> float:
    """Read at each health check (``quizflow serve`` checks it once before it starts)."""
    return read_environment(_HealthEnvironment).max_lag_s


def _measure(model: ReadModel, max_lag_s: float) -> tuple[dict[str, Any], str | None]:
    """Where the model stands against the store's head (a query or two), and what is wrong
    with it, if anything, in a sentence."""
    running = bool(model.status()["running"])
    try:
        head = model.head()
        cursor = model.cursor
        stalled = model.stalled_seconds(head)
    except Exception:
        log.exception("health: the event store could not be read")
        return {"running": running}, "the event store cannot be read"
    lag = {
        "head": str(head),
        "cursor": str(cursor),
        "behind": cursor < head,
        "stalled_seconds": round(stalled, 1),
    }
    if not running:
        return lag, "the read model is not running"
    if stalled > max_lag_s:
        return lag, (
            f"the read model is behind the store and has applied nothing for "
            f"{stalled:.0f}s (limit {max_lag_s:.0f}s, {HEALTH_MAX_LAG_SETTING})"
        )
    return lag, None


@router.get(
    "/health",
    summary="The live read model: its position, lag and counters",
    response_model=Health,
    **ANSWERED,
    responses={
        503: {
            "model": Health | ErrorBody,
            "description": "the read model is not running, or stuck behind the store "
            "(`problem` says which); or the database is not reachable (`error`, `detail`)",
        }
    },
)
async def health(request: Request, response: Response) -> dict[str, Any]:
    model = context(request).model
    lag, problem = await run_in_threadpool(_measure, model, health_max_lag_s())
    if await who_is_asking(request) is None:
        # Anonymous callers (a load balancer) learn whether it serves, not the roster's size.
        read_model: dict[str, Any] = {"running": model.status()["running"], **lag}
    else:
        read_model = {**model.status(), **lag}
    document: dict[str, Any] = {"ok": problem is None, "read_model": read_model}
    if "students" in read_model:
        # Which web process answered, when several serve one address.
        document["process"] = os.getpid()
    if problem is not None:
        document["problem"] = problem
    response.status_code = 200 if problem is None else 503
    return document


@router.get(
    "/courses",
    summary="Published courses, chapters and your standing in each",
    response_model=list[CourseStanding],
    **ANSWERED,
    responses=errors(*FOR_A_ROLE),
)
async def courses(
    request: Request, who: Annotated[Identity, Depends(student)]
) -> list[dict[str, Any]]:
    await caught_up(request, who)
    return chapters_view(context(request).model, who.user_id)


@router.get(
    "/quizzes/{course_id}/{chapter_id}",
    summary="Your chapter quiz: the question to answer",
    response_model=QuizPage,
    **ANSWERED,
    responses=errors(
        *FOR_A_ROLE,
        404,
        409,
        s404="no such course or chapter",
        s409="the quiz needs attention: its stream holds an event this version cannot read",
    ),
)
async def quiz(
    request: Request, course_id: str, chapter_id: str, who: Annotated[Identity, Depends(student)]
) -> dict[str, Any]:
    fresh = await caught_up(request, who)
    model = context(request).model
    course, chapter = chapter_of(model, course_id, chapter_id)
    passed = passed_chapters(model, who.user_id, course_id)
    view = quiz_view(model.quiz(who.user_id, course_id, chapter_id), course, chapter, passed)
    return {**view, "fresh": fresh}


async def _command(
    request: Request, who: Identity, action: str, course_id: str, chapter_id: str, body: CommandBody
) -> dict[str, Any] | JSONResponse:
    """The command's reply: on success a ``CommandReply`` (checked by the route's model), else
    the refusal as a response of its own (an ``ErrorBody``, not held to that model)."""
    question_id = body.question_id if isinstance(body, Answer) else None
    inputs = body.inputs if isinstance(body, Answer) else None
    command = build(action, who.user_id, course_id, chapter_id, question_id, inputs)
    ctx = context(request)
    result = await execute(request, ctx, who, command, body.command_id)
    document: dict[str, Any] = result.as_json()
    if result.status == "ok":  # so the chapter exists
        course, chapter = chapter_of(ctx.model, course_id, chapter_id)
        passed = passed_chapters(ctx.model, who.user_id, course_id)
        document["quiz"] = quiz_view(view_from_result(result), course, chapter, passed)
        refused = refusal(result)
        if refused is not None:
            state = result.state
            shown = shown_question(course, chapter, state.question_id, state.question_version)
            hints = unreadable_hints(refused, shown)
            document = {
                "error": UNREADABLE_CODE,
                "detail": refusal_sentence(hints),
                "fields": hints,
                **document,
            }
    else:
        document = {"error": result.code, "detail": result.reason, **document}
    status = status_for(result)
    return document if status == 200 else JSONResponse(document, status_code=status)


Student = Annotated[Identity, Depends(student)]
_RESPONSES = errors(
    *FOR_A_ROLE,
    *JSON_BODY,
    404,
    409,
    429,
    s404="unknown course, chapter or question",
    s409="the quiz is not in a state for this command (the rules say why), the command id "
    "was used for another command, or the quiz needs attention",
    s422="malformed request, unknown or missing input fields, text that cannot be stored, or "
    "an answer that cannot be read as its fields expect (`unreadable-answer`: `fields` holds "
    "a hint per field; the refusal is stored for analytics but the quiz is unchanged)",
    s429="too many commands at once; see Retry-After",
)


@writes.post(
    "/quizzes/{course_id}/{chapter_id}/start",
    responses=_RESPONSES,
    response_model=CommandReply,
    **ANSWERED,
    summary="Start the chapter quiz (or a new attempt after passing)",
)
async def start(
    request: Request, course_id: str, chapter_id: str, body: CommandBody, who: Student
) -> dict[str, Any] | JSONResponse:
    return await _command(request, who, "start", course_id, chapter_id, body)


@writes.post(
    "/quizzes/{course_id}/{chapter_id}/answer",
    responses=_RESPONSES,
    response_model=CommandReply,
    **ANSWERED,
    summary="Answer the assigned question",
)
async def answer(
    request: Request, course_id: str, chapter_id: str, body: Answer, who: Student
) -> dict[str, Any] | JSONResponse:
    return await _command(request, who, "answer", course_id, chapter_id, body)


@writes.post(
    "/quizzes/{course_id}/{chapter_id}/next",
    responses=_RESPONSES,
    response_model=CommandReply,
    **ANSWERED,
    summary="Go on to the next question after a correct answer",
)
async def next_question(
    request: Request, course_id: str, chapter_id: str, body: CommandBody, who: Student
) -> dict[str, Any] | JSONResponse:
    return await _command(request, who, "next", course_id, chapter_id, body)


@writes.post(
    "/quizzes/{course_id}/{chapter_id}/start-over",
    responses=_RESPONSES,
    response_model=CommandReply,
    **ANSWERED,
    summary="Start over with a new question after a wrong answer",
)
async def start_over(
    request: Request, course_id: str, chapter_id: str, body: CommandBody, who: Student
) -> dict[str, Any] | JSONResponse:
    return await _command(request, who, "start-over", course_id, chapter_id, body)


@router.get(
    "/teacher/classes",
    summary="Your classes (teachers)",
    responses=errors(*FOR_A_ROLE),
    response_model=list[ClassSummary],
    **ANSWERED,
)
async def teacher_classes(
    request: Request, who: Annotated[Identity, Depends(teacher)]
) -> list[dict[str, Any]]:
    return classes_view(context(request).model, who.user_id)


@router.get(
    "/teacher/students/{student_id}",
    responses=errors(*FOR_A_ROLE, 404, s404="not a student of one of your classes"),
    summary="One of your students: progress per chapter and recent answers (teachers)",
    response_model=StudentReport,
    **ANSWERED,
)
async def teacher_student(
    request: Request, student_id: str, who: Annotated[Identity, Depends(teacher)]
) -> dict[str, Any]:
    await loaded_if_yours(request, who, student_id)
    return student_report(context(request).model, who, student_id)
