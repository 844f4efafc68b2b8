"""The HTML pages: sign in, chapters, the quiz. Plain forms; no JavaScript needed.

Every form carries the session's CSRF token and, for quiz commands, a command id made when
the page was rendered: submitting the same page twice (a retry, a double click) runs the
command once.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from quizflow.app import auth
from quizflow.app.auth import Identity
from quizflow.app.web.commands import ACTIONS, build, execute, parse_command_id
from quizflow.app.web.context import caught_up, chapter_of, context, signed_in
from quizflow.app.web.errors import WebError, status_for
from quizflow.app.web.templating import templates
from quizflow.app.web.views import chapters_view, classes_view, quiz_view

router = APIRouter(include_in_schema=False)
INPUT_PREFIX = "answer."


def _page(request: Request, name: str, status: int = 200, **values: Any) -> Response:
    values.setdefault("who", auth.current_identity(request.session, context(request).model))
    values["csrf"] = auth.csrf_token(request.session)
    return templates.TemplateResponse(request, name, values, status_code=status)


async def _form(request: Request) -> FormData:
    form = await request.form(max_files=0, max_fields=50)
    if not auth.csrf_ok(request.session, form.get("csrf")):
        raise WebError(403, "bad-form-token", "this form has expired or did not come from "
                       "this site; reload the page and try again")
    return form


def _redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


@router.get("/")
async def home(request: Request) -> Response:
    who = auth.current_identity(request.session, context(request).model)
    if who is None:
        return _redirect("/signin")
    return _redirect("/chapters" if who.role == "student" else "/teacher")


@router.get("/signin")
async def sign_in_page(request: Request) -> Response:
    return _page(request, "signin.html")


@router.post("/signin")
async def sign_in(request: Request) -> Response:
    form = await _form(request)
    user_id = form.get("user_id")
    who = auth.identify(context(request).model, user_id.strip()) if isinstance(user_id, str) \
        else None
    if who is None:
        return _page(request, "signin.html", status=401,
                     error="No student or teacher has that id. Check it and try again.")
    auth.sign_in(request.session, who)
    return _redirect("/")


@router.post("/signout")
async def sign_out(request: Request) -> Response:
    await _form(request)
    auth.sign_out(request.session)
    return _redirect("/signin")


@router.get("/chapters")
async def chapters(request: Request) -> Response:
    who = signed_in(request, "student")
    await caught_up(request, who)
    return _page(request, "chapters.html", who=who,
                 courses=chapters_view(context(request).model, who.user_id))


def _quiz_page(request: Request, who: Identity, course_id: str, chapter_id: str,
               status: int = 200, error: str | None = None, fresh: bool = True) -> Response:
    model = context(request).model
    course, chapter = chapter_of(model, course_id, chapter_id)
    view = quiz_view(model.quiz(who.user_id, course_id, chapter_id), course, chapter)
    return _page(request, "quiz.html", status=status, who=who, quiz=view, error=error,
                 fresh=fresh, command_id=uuid.uuid4(), input_prefix=INPUT_PREFIX)


@router.get("/quiz/{course_id}/{chapter_id}")
async def quiz(request: Request, course_id: str, chapter_id: str) -> Response:
    who = signed_in(request, "student")
    fresh = await caught_up(request, who)
    return _quiz_page(request, who, course_id, chapter_id, fresh=fresh)


@router.post("/quiz/{course_id}/{chapter_id}/{action}")
async def quiz_command(request: Request, course_id: str, chapter_id: str, action: str) -> Response:
    who = signed_in(request, "student")
    if action not in ACTIONS:
        raise WebError(404, "not-found", f"no action {action[:40]!r}")
    form = await _form(request)
    command_id = parse_command_id(form.get("command_id"))
    inputs = {key[len(INPUT_PREFIX):]: value for key, value in form.multi_items()
              if key.startswith(INPUT_PREFIX)}
    question_id = form.get("question_id")
    command = build(action, who.user_id, course_id, chapter_id,
                    question_id if isinstance(question_id, str) else None, inputs)
    result = await execute(request, context(request), who, command, command_id)
    status = status_for(result)
    if status == 404:
        raise WebError(404, str(result.code), result.reason or "not found")
    if result.status != "ok":
        await caught_up(request, who)
        return _quiz_page(request, who, course_id, chapter_id, status=status,
                          error=result.reason)
    return _redirect(f"/quiz/{course_id}/{chapter_id}")


@router.get("/teacher")
async def teacher_home(request: Request) -> Response:
    who = signed_in(request, "teacher")
    return _page(request, "teacher.html", who=who,
                 classes=classes_view(context(request).model, who.user_id))
