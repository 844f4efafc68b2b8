"""The HTML pages: sign in, chapters, the quiz. Plain forms; no JavaScript needed.

Every form carries the session's CSRF token and, for quiz commands, a command id made when
the page was rendered: submitting the same page twice (a retry, a double click) runs the
command once.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import Response

from quizflow.app.auth import Identity
from quizflow.app.web.answer_views import (
    refusal,
    refusal_sentence,
    shown_question,
    unreadable_hints,
)
from quizflow.app.web.commands import ACTIONS, build, execute, parse_command_id
from quizflow.app.web.context import caught_up, chapter_of, context, signed_in, who_is_asking
from quizflow.app.web.errors import WebError, status_for
from quizflow.app.web.forms import page as _page
from quizflow.app.web.forms import read_form
from quizflow.app.web.forms import redirect as _redirect
from quizflow.app.web.views import chapters_view, passed_chapters, quiz_view

router = APIRouter(include_in_schema=False)
INPUT_PREFIX = "answer."


_HOMES = {"student": "/chapters", "teacher": "/teacher", "admin": "/admin", "editor": "/editor"}


@router.get("/")
async def home(request: Request) -> Response:
    who = await who_is_asking(request)
    if who is None:
        return _redirect("/signin")
    return _redirect(_HOMES.get(who.role, "/account"))


@router.get("/account")
async def account(request: Request) -> Response:
    who = await signed_in(request)
    return _page(request, "account.html", who=who)


@router.get("/chapters")
async def chapters(request: Request) -> Response:
    who = await signed_in(request, "student")
    await caught_up(request, who)
    return _page(
        request,
        "chapters.html",
        who=who,
        courses=chapters_view(context(request).model, who.user_id),
    )


def _quiz_page(
    request: Request,
    who: Identity,
    course_id: str,
    chapter_id: str,
    status: int = 200,
    error: str | None = None,
    fresh: bool = True,
    field_errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
) -> Response:
    model = context(request).model
    course, chapter = chapter_of(model, course_id, chapter_id)
    passed = passed_chapters(model, who.user_id, course_id)
    view = quiz_view(model.quiz(who.user_id, course_id, chapter_id), course, chapter, passed)
    return _page(
        request,
        "quiz.html",
        status=status,
        who=who,
        quiz=view,
        error=error,
        fresh=fresh,
        command_id=uuid.uuid4(),
        input_prefix=INPUT_PREFIX,
        field_errors=field_errors or {},
        typed=typed or {},
    )


@router.get("/quiz/{course_id}/{chapter_id}")
async def quiz(request: Request, course_id: str, chapter_id: str) -> Response:
    who = await signed_in(request, "student")
    fresh = await caught_up(request, who)
    return _quiz_page(request, who, course_id, chapter_id, fresh=fresh)


@router.post("/quiz/{course_id}/{chapter_id}/{action}")
async def quiz_command(request: Request, course_id: str, chapter_id: str, action: str) -> Response:
    who = await signed_in(request, "student")
    if action not in ACTIONS:
        raise WebError(404, "not-found", f"no action {action[:40]!r}")
    form = await read_form(request)
    command_id = parse_command_id(form.get("command_id"))
    inputs = {
        key[len(INPUT_PREFIX) :]: value
        for key, value in form.multi_items()
        if key.startswith(INPUT_PREFIX)
    }
    question_id = form.get("question_id")
    command = build(
        action,
        who.user_id,
        course_id,
        chapter_id,
        question_id if isinstance(question_id, str) else None,
        inputs,
    )
    result = await execute(request, context(request), who, command, command_id)
    status = status_for(result)
    if status == 404:
        raise WebError(404, str(result.code), result.reason or "not found")
    if result.status != "ok":
        await caught_up(request, who)
        return _quiz_page(request, who, course_id, chapter_id, status=status, error=result.reason)
    refused = refusal(result)
    if refused is not None:
        # Shown at once (no redirect): the student corrects what they typed, which is kept.
        course, chapter = chapter_of(context(request).model, course_id, chapter_id)
        state = result.state
        shown = shown_question(course, chapter, state.question_id, state.question_version)
        hints = unreadable_hints(refused, shown)
        return _quiz_page(
            request,
            who,
            course_id,
            chapter_id,
            status=status,
            error=refusal_sentence(hints),
            field_errors=hints,
            typed={k: v for k, v in inputs.items() if isinstance(v, str)},
        )
    return _redirect(f"/quiz/{course_id}/{chapter_id}")
