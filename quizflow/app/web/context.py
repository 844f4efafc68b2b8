"""What every route needs (store, handler, read model), and who is asking."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from quizflow.accounts.settings import AuthSettings
from quizflow.app.auth import Identity, identity_of, seen_cursor, session_token
from quizflow.app.handler import CommandHandler
from quizflow.app.readmodel import ReadModel
from quizflow.app.web.accounts import WebAccounts
from quizflow.app.web.errors import WebError
from quizflow.eventstore import EventStore
from quizflow.eventstore.postgres_async import AsyncPostgresEventStore
from quizflow.quiz.course import Chapter, Course

# Ids in paths and bodies: what the content and roster use, bounded so a hostile id can
# neither bloat a stream name nor reach outside a directory.
ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}")
# How long a student's view waits for the subscription to bring their own last command before
# it reads their quiz streams itself.
_OWN_WAIT_S = 0.1


@dataclass
class WebContext:
    store: EventStore
    handler: CommandHandler
    model: ReadModel
    reports_dir: Path
    read_wait_s: float = 2.0  # how long a view waits for the session's own last command
    # Commands awaited on the event loop (opened by the app on startup for a PostgreSQL
    # store); None runs them through the synchronous handler in the thread pool.
    commands: AsyncPostgresEventStore | None = None
    # The sign-in code's database: its own login role, the only one that may read credentials
    # (``signin_role`` is SET after connecting, for tests that connect as the owner).
    signin_url: str | None = None
    signin_role: str | None = None
    # The same logins through a transaction-mode pooler (PgBouncer), for the statements that
    # keep no session state: commands (``commands_url``, the web login) and sessions and
    # sign-in (``sessions_url``, the sign-in login). None: direct connections. The read
    # model's subscription (LISTEN) always connects directly.
    commands_url: str | None = None
    sessions_url: str | None = None
    auth: AuthSettings = field(default_factory=AuthSettings)
    accounts: WebAccounts | None = None  # opened by the app while it serves
    # The published warehouse snapshot the editor pages read figures from (None: no figures).
    snapshot_path: Path | None = None


def context(request: Request) -> WebContext:
    ctx: WebContext = request.app.state.ctx
    return ctx


def check_id(value: str, what: str) -> str:
    if not ID_RE.fullmatch(value):
        raise WebError(404, "not-found", f"no {what} {value[:100]!r}")
    return value


def chapter_of(model: ReadModel, course_id: str, chapter_id: str) -> tuple[Course, Chapter]:
    """The published course and chapter these path ids name; 404 when there is none."""
    course = model.course(check_id(course_id, "course"))
    chapter = course.chapter(check_id(chapter_id, "chapter")) if course else None
    if course is None or chapter is None:
        raise WebError(404, "unknown-chapter", f"no chapter {chapter_id!r} in course {course_id!r}")
    return course, chapter


class NotSignedIn(WebError):
    def __init__(self) -> None:
        super().__init__(
            401, "not-signed-in", "sign in first (your session is missing, expired or not valid)"
        )


def accounts_of(request: Request) -> WebAccounts:
    accounts = context(request).accounts
    if accounts is None:
        raise WebError(503, "sign-in-unavailable", "sign-in is not available right now")
    return accounts


async def who_is_asking(request: Request) -> Identity | None:
    """The signed-in person, looked up once per request (a live session of an active
    account), or None."""
    if hasattr(request.state, "who"):
        found: Identity | None = request.state.who
        return found
    found = None
    token = session_token(request.session)
    if token is not None:
        account_id = await accounts_of(request).sessions.lookup(token)
        if account_id is not None:
            found = identity_of(context(request).model, account_id)
    request.state.who = found
    return found


async def signed_in(request: Request, role: str | None = None) -> Identity:
    found = await who_is_asking(request)
    if found is None:
        raise NotSignedIn()
    if role is not None and not found.has(role):
        raise WebError(403, f"{role}s-only", f"only a signed-in {role} can do this")
    return found


# FastAPI dependencies are async on purpose: a plain ``def`` dependency runs in the thread
# pool, one thread hop per dependency per request.
async def identity(request: Request) -> Identity:
    return await signed_in(request)


async def student(request: Request) -> Identity:
    return await signed_in(request, "student")


async def teacher(request: Request) -> Identity:
    return await signed_in(request, "teacher")


async def admin(request: Request) -> Identity:
    return await signed_in(request, "admin")


async def editor(request: Request) -> Identity:
    return await signed_in(request, "editor")


async def loaded(ctx: WebContext, student_ids: Iterable[str]) -> None:
    """The students' quizzes in the read model, read in a thread the first time (the model
    reads a student's quiz streams on first use), so the event loop never waits on the store."""
    missing = [s for s in student_ids if not ctx.model.is_loaded(s)]
    if missing:
        await run_in_threadpool(ctx.model.load, missing)


async def caught_up(request: Request, who: Identity | None = None) -> bool:
    """Read-your-writes: wait (bounded) until the model shows this session's last command.

    With several web processes the command may have run in another one. The subscription
    brings it within milliseconds as a rule; when it has not after ``_OWN_WAIT_S`` (a long
    transaction elsewhere holds every reader back), a student's own quiz streams are read
    again, which holds every event committed before this request came."""
    ctx = context(request)
    student_id = who.user_id if who is not None and who.has("student") else None
    if student_id is not None:
        await loaded(ctx, [student_id])
    seen = seen_cursor(request.session)
    if ctx.model.reached(seen, student_id):
        return True
    if student_id is None:
        return await ctx.model.wait_for_async(seen, ctx.read_wait_s)
    if await ctx.model.wait_for_async(seen, min(_OWN_WAIT_S, ctx.read_wait_s)):
        return True
    await run_in_threadpool(partial(ctx.model.load, [student_id], refresh=True))
    if ctx.model.reached(seen, student_id):
        return True
    # Not a quiz command of theirs (a student who is also an admin): wait for the log.
    return await ctx.model.wait_for_async(seen, ctx.read_wait_s)
