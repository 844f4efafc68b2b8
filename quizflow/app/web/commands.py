"""Turning a student's request into a quiz command and running it through the handler.

The student id comes from the session only. Each request names a command id, so a retry
after a timeout returns the first result instead of answering twice.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Mapping
from typing import Final

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from quizflow.app.auth import Identity, remember_cursor
from quizflow.app.handler import CommandResult
from quizflow.app.web.context import ID_RE, WebContext, check_id, loaded
from quizflow.app.web.errors import WebError
from quizflow.quiz import Command, NextQuestion, StartOver, StartQuiz, SubmitAnswer

ACTIONS: Final = ("start", "answer", "next", "start-over")
MAX_FIELDS = 20
MAX_INPUT = 500


def parse_command_id(value: object) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, str):
        try:
            return uuid.UUID(value)
        except ValueError:
            pass
    raise WebError(
        422,
        "invalid-command-id",
        "every command needs a command_id: a UUID the client generates once per "
        "action and repeats when it retries",
    )


# What PostgreSQL's jsonb cannot hold: the NUL character, and UTF-16 surrogates, which are no
# characters of their own (a JSON pair such as "\ud83d\ude00" decodes to the one character it
# encodes, so a surrogate left in a string is a lone one).
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


def check_inputs(inputs: Mapping[str, object]) -> dict[str, str]:
    if len(inputs) > MAX_FIELDS:
        raise WebError(422, "too-many-inputs", f"at most {MAX_FIELDS} input fields")
    checked: dict[str, str] = {}
    for name, value in inputs.items():
        if not isinstance(value, str) or len(name) > 100 or len(value) > MAX_INPUT:
            raise WebError(
                422,
                "invalid-inputs",
                f"inputs map field names to texts of at most {MAX_INPUT} characters",
            )
        if _UNSTORABLE.search(name) or _UNSTORABLE.search(value):
            raise WebError(
                422,
                "unstorable-text",
                "an answer cannot be stored with a NUL character or an unpaired "
                "surrogate (\\u0000, \\ud800-\\udfff) in it; remove it and "
                "answer again",
            )
        checked[name] = value
    return checked


def build(
    action: str,
    student_id: str,
    course_id: str,
    chapter_id: str,
    question_id: str | None = None,
    inputs: Mapping[str, object] | None = None,
) -> Command:
    check_id(course_id, "course")
    check_id(chapter_id, "chapter")
    ids = (student_id, course_id, chapter_id)
    if action == "start":
        return StartQuiz(*ids)
    if action == "next":
        return NextQuestion(*ids)
    if action == "start-over":
        return StartOver(*ids)
    if action == "answer":
        if not isinstance(question_id, str) or not question_id:
            raise WebError(422, "missing-question-id", "an answer names its question_id")
        if not ID_RE.fullmatch(question_id):
            raise WebError(404, "unknown-question", f"no question {question_id[:100]!r}")
        return SubmitAnswer(*ids, question_id, check_inputs(inputs or {}))
    raise WebError(404, "not-found", f"no action {action[:40]!r}; actions: {', '.join(ACTIONS)}")


async def execute(
    request: Request, ctx: WebContext, who: Identity, command: Command, command_id: uuid.UUID
) -> CommandResult:
    """Run the command and remember its cursor: awaited on the event loop when the app has an
    async store (no thread hop), else in the thread pool (the sync store blocks). A student
    over the command limit is refused (429) before anything is read or appended."""
    if ctx.accounts is not None:
        wait = ctx.accounts.limiter.take(who.user_id)
        if wait is not None:
            seconds = max(1, math.ceil(wait))
            raise WebError(
                429,
                "too-many-commands",
                f"slow down: too many commands at once; try again in {seconds} s",
                headers={"Retry-After": str(seconds)},
            )
    if ctx.commands is not None:
        course = ctx.model.course(command.course_id)
        if course is None:  # not in the model (yet): the catalog may read the store
            course = await run_in_threadpool(ctx.handler.catalog.get, command.course_id)
        result = await ctx.handler.handle_async(
            command, ctx.commands, course, command_id=command_id, user_id=who.user_id
        )
    else:
        result = await run_in_threadpool(
            ctx.handler.handle, command, command_id=command_id, user_id=who.user_id
        )
    if result.status == "ok":
        await loaded(ctx, [who.user_id])
        ctx.model.apply_own(result.events)
    remember_cursor(request.session, result.cursor)
    return result
