"""Every error a client can cause, as a clear 4xx: JSON under /api, a small page elsewhere.

Rejections from the quiz rules map to HTTP statuses by their stable code. The catch-all
handler exists for bugs and outages only; the tests drive every known bad input to a 4xx.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from psycopg_pool import PoolTimeout
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from quizflow.app.handler import COMMAND_ID_REUSED, QUIZ_NEEDS_ATTENTION, CommandResult
from quizflow.app.readmodel import QuizNeedsAttention
from quizflow.app.web.answer_views import refusal
from quizflow.quiz import Code

log = logging.getLogger("quizflow.web")

_NOT_FOUND = {Code.UNKNOWN_COURSE, Code.UNKNOWN_CHAPTER, Code.UNKNOWN_QUESTION}
_UNPROCESSABLE = {Code.UNKNOWN_FIELDS, Code.MISSING_FIELDS}


class WebError(Exception):
    """A request the app refuses on purpose: ``status``, a stable ``code`` and a sentence."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail
        self.extra = extra or {}
        self.headers = headers


class BodyTooLarge(HTTPException):
    """Raised while a body streams in; an HTTPException so FastAPI passes it on unchanged."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request bodies are limited to {limit} bytes")


def status_for(result: CommandResult) -> int:
    if result.status == "ok":
        # An answer that could not be read is refused (422), though its refusal is stored.
        return 422 if refusal(result) is not None else 200
    if result.code in _NOT_FOUND:
        return 404
    if result.code in _UNPROCESSABLE:
        return 422
    if result.code == COMMAND_ID_REUSED:
        return 409  # the id names another command: this one conflicts with it
    return 409  # the other rule rejections, and conflicts: the quiz is not in that state


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api") or request.url.path in ("/openapi.json",)


def error_response(
    request: Request,
    status: int,
    code: str,
    detail: str,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    if wants_json(request):
        return JSONResponse(
            {"error": code, "detail": detail, **(extra or {})}, status_code=status, headers=headers
        )
    # Imported here: the page templates import this module's WebError.
    from quizflow.app.web.templating import templates

    return templates.TemplateResponse(
        request,
        "error.html",
        {"status": status, "code": code, "detail": detail},
        status_code=status,
        headers=headers,
    )


def _validation_detail(error: RequestValidationError) -> tuple[int, str, list[dict[str, Any]]]:
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item.get("loc", ()) if part != "body")
        problems.append({"field": where or "body", "problem": str(item.get("msg", ""))})
        if item.get("type") == "json_invalid":
            return 400, "the request body is not valid JSON", problems
    return 422, "the request does not have the expected fields and types", problems


def install(app: FastAPI) -> None:
    @app.exception_handler(WebError)
    async def on_web_error(request: Request, error: WebError) -> Response:
        if error.status == 401 and request.method == "GET" and not wants_json(request):
            return RedirectResponse("/signin", status_code=303)
        return error_response(
            request, error.status, error.code, error.detail, error.extra, headers=error.headers
        )

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, error: RequestValidationError) -> Response:
        status, detail, problems = _validation_detail(error)
        code = "invalid-json" if status == 400 else "invalid-request"
        return error_response(request, status, code, detail, {"problems": problems})

    @app.exception_handler(HTTPException)
    async def on_http(request: Request, error: HTTPException) -> Response:
        codes = {404: "not-found", 405: "method-not-allowed", 413: "body-too-large"}
        detail = str(error.detail) if error.detail else "request refused"
        return error_response(
            request,
            error.status_code,
            codes.get(error.status_code, "http-error"),
            detail,
            headers=dict(error.headers or {}),
        )

    @app.exception_handler(QuizNeedsAttention)
    async def on_poisoned_quiz(request: Request, error: QuizNeedsAttention) -> Response:
        # 409, not 503: the stored events are what they are, so retrying cannot help; the
        # quiz stays refused until someone repairs it (the detail says what is wrong).
        return error_response(request, 409, QUIZ_NEEDS_ATTENTION, error.detail)

    async def on_unexpected(request: Request, error: Exception) -> Response:
        incident = uuid.uuid4().hex[:12]
        if isinstance(error, psycopg.OperationalError | PoolTimeout):
            log.warning("database unavailable (incident %s): %s", incident, error)
            return error_response(
                request,
                503,
                "database-unavailable",
                f"the database is not reachable; try again (incident {incident})",
                headers={"Retry-After": "2"},
            )
        log.exception(
            "unexpected error (incident %s) on %s %s", incident, request.method, request.url.path
        )
        return error_response(
            request,
            500,
            "internal-error",
            f"something went wrong on our side (incident {incident})",
        )

    # Starlette gives a handler of ``Exception`` to its outermost middleware, which answers and
    # then raises the error again, and uvicorn closes the connection of a request that raised:
    # a client's next request on that keep-alive connection met a reset. ``AnswerErrors`` sits
    # just outside the routes' exception middleware and answers with the same handler, and the
    # error ends there. The ``Exception`` registration stays for errors raised outside it.
    app.add_exception_handler(Exception, on_unexpected)
    app.add_middleware(AnswerErrors, handler=on_unexpected)


ErrorHandler = Callable[[Request, Exception], Awaitable[Response]]


class AnswerErrors:
    """Answers an error a route raised without raising it again, so the server keeps the
    client's keep-alive connection open (a response already begun cannot be replaced: then the
    error goes on up, and the connection is closed)."""

    def __init__(self, app: ASGIApp, handler: ErrorHandler) -> None:
        self.app = app
        self.handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as error:
            if started:
                raise
            response = await self.handler(Request(scope, receive), error)
            await response(scope, receive, send)
