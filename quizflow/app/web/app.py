"""The web app: FastAPI with server-rendered pages, a JSON API under /api, OpenAPI at /docs."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from quizflow.app.web import (
    admin,
    api,
    attempts,
    editor,
    error_docs,
    errors,
    pages,
    reports,
    signin,
    sso,
    teacher,
)
from quizflow.app.web.accounts import WebAccounts
from quizflow.app.web.context import WebContext
from quizflow.app.web.middleware import MAX_BODY, Guard
from quizflow.app.web.session_cookie import SessionCookie
from quizflow.app.web.templating import HERE
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.eventstore.postgres_async import AsyncPostgresEventStore

log = logging.getLogger("quizflow.web")

SESSION_COOKIE = "quizflow_session"


def create_app(
    ctx: WebContext,
    secret: str,
    *,
    catch_up_timeout: float = 60.0,
    manage_model: bool = True,
    max_body: int = MAX_BODY,
    command_pool_size: int = 10,
    freeze_gc: bool = False,
    close_store: bool = False,
    on_ready: Callable[[], None] | None = None,
) -> FastAPI:
    """The app; with ``manage_model`` it starts the read model on startup and stops it after.
    Over a PostgreSQL store it opens an async pool for commands (``ctx.commands``) while it
    serves. ``freeze_gc`` (for a server process of its own) exempts everything alive once the
    model has caught up from the garbage collector's full collections. ``close_store``: the
    app owns the store and closes it on shutdown; ``on_ready`` is called once it serves."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        opened = None
        opened_accounts = None
        if ctx.accounts is None and ctx.signin_url is not None:
            opened_accounts = WebAccounts(
                ctx.sessions_url or ctx.signin_url,
                ctx.auth,
                ctx.model,
                # The pooled URL names the sign-in login itself; ``signin_role`` is for a
                # direct URL of another role.
                role=None if ctx.sessions_url else ctx.signin_role,
                pooled=ctx.sessions_url is not None,
            )
            await opened_accounts.open()
            ctx.accounts = opened_accounts
        if ctx.commands is None and isinstance(ctx.store, PostgresEventStore):
            opened = AsyncPostgresEventStore(
                ctx.store,
                min_size=min(2, command_pool_size),
                max_size=command_pool_size,
                pooled_url=ctx.commands_url,
            )
            await opened.open()
            ctx.commands = opened
        try:
            # Serving starts once the model has caught up, so the first sign-in finds the
            # roster.
            if manage_model and not await run_in_threadpool(ctx.model.start, catch_up_timeout):
                log.warning(
                    "read model still catching up after %ss; serving anyway", catch_up_timeout
                )
            if freeze_gc:
                # A full collection walks every object in the process (modules, roster,
                # courses) with the event loop stopped; under load those pauses were most of
                # the write p99 (bench/README.md). What is alive now lives as long as the
                # process, so it is moved out of the collector's sight.
                gc.collect()
                gc.freeze()
            if on_ready is not None:
                on_ready()
            yield
        finally:
            if manage_model:
                ctx.model.stop()
            if opened is not None:
                ctx.commands = None
                await opened.close()
            if opened_accounts is not None:
                ctx.accounts = None
                await opened_accounts.close()
            if close_store:
                ctx.store.close()

    app = FastAPI(
        title="Quizflow",
        summary="Chapter quizzes for students; every step stored as an event.",
        version="0.1.0",
        lifespan=lifespan,
        # Swagger UI loads its assets from a CDN: off unless asked for (the OpenAPI document
        # itself is always at /openapi.json).
        docs_url="/docs" if ctx.auth.api_docs else None,
        redoc_url=None,
    )
    app.state.ctx = ctx
    errors.install(app)
    error_docs.install(app)
    app.include_router(signin.router)
    app.include_router(signin.pages)
    app.include_router(sso.router)
    app.include_router(api.router)
    app.include_router(api.writes)
    app.include_router(pages.router)
    app.include_router(attempts.pages)
    app.include_router(attempts.api)
    app.include_router(reports.router)
    app.include_router(admin.router)
    app.include_router(teacher.router)
    app.include_router(editor.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    # Outermost first: the size limit and headers see every request, the session every route.
    # The cookie only carries the session's token (and the CSRF token); the server decides
    # whether the session is alive. HttpOnly always; Secure when served over HTTPS.
    app.add_middleware(
        SessionCookie,
        secret_key=secret,
        session_cookie=SESSION_COOKIE,
        max_age=ctx.auth.session_max_age_s,
        same_site="lax",
        https_only=ctx.auth.secure_cookies,
    )
    app.add_middleware(Guard, max_body=max_body, docs=ctx.auth.api_docs)
    return app
