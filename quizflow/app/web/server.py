"""Running the web app: the store, the handler and the read model wired, then uvicorn."""

from __future__ import annotations

import logging
import sys
from typing import Any

import uvicorn

from quizflow.accounts.settings import load_auth_settings
from quizflow.app.auth import session_secret
from quizflow.app.catalog import CourseCatalog
from quizflow.app.handler import CommandHandler
from quizflow.app.readmodel import ReadModel
from quizflow.app.web.app import create_app
from quizflow.app.web.context import WebContext
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.quiz import Course
from quizflow.settings import Settings

SWITCH_INTERVAL_S = 0.0005


class ModelCatalog(CourseCatalog):
    """Courses from the live read model, so a command never re-reads and re-validates a
    course (~100 kB of JSON) when the handler's short cache expires; the store is the fallback
    for a course the model has not seen yet."""

    def __init__(self, store: PostgresEventStore, model: ReadModel) -> None:
        super().__init__(store)
        self._model = model

    def get(self, course_id: str) -> Course | None:
        return self._model.course(course_id) or super().get(course_id)


def context_for(
    store: PostgresEventStore, settings: Settings, signin_url: str | None = None
) -> WebContext:
    model = ReadModel(store)
    return WebContext(
        store=store,
        handler=CommandHandler(store, ModelCatalog(store, model)),
        model=model,
        reports_dir=settings.reports_dir,
        signin_url=signin_url,
        snapshot_path=settings.published_path,
        auth=load_auth_settings(),
    )


def serve(
    settings: Settings,
    host: str,
    port: int,
    *,
    pool_size: int = 10,
    access_log: bool = False,
    log_level: str = "warning",
) -> None:
    """Serve until interrupted. One process: the read model lives in it."""
    from quizflow.database import login_database_url, open_store

    # Commands are awaited on the event loop, but the read model's subscriber and the
    # notifier are threads that wake from PostgreSQL I/O; with the default 5 ms GIL switch
    # interval the loop can wait 5 ms behind one of them (and they behind it). 0.5 ms trades
    # a little throughput for shorter tails.
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    logging.basicConfig(
        level=getattr(logging, log_level.upper(), logging.WARNING),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Commands go through the app's async pool (``pool_size``: each holds a connection for two
    # short statements; a few more than cores keeps it from queueing without letting
    # PostgreSQL thrash). The sync pool is left the odd health check and course lookup.
    store = open_store(settings, min_size=1, max_size=4)
    signin_url = login_database_url("signin", settings)
    app = create_app(
        context_for(store, settings, signin_url),
        session_secret(settings.home),
        command_pool_size=pool_size,
        freeze_gc=True,
    )
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=access_log,
        loop="auto",
        http="auto",
        proxy_headers=False,
        server_header=False,
        timeout_keep_alive=30,
        backlog=2048,
    )
    try:
        _AnnouncingServer(config).run()
    finally:
        store.close()


class _AnnouncingServer(uvicorn.Server):
    """Says where it serves once it accepts connections (after the read model caught up and
    the port is bound), not before: a script may wait for that line."""

    async def startup(self, sockets: list[Any] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            host, port = self.config.host, self.config.port
            print(f"Quizflow serving on http://{host}:{port}/", file=sys.stderr, flush=True)
