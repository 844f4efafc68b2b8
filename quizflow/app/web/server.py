"""Running the web app: the store, the handler and the read model wired, then uvicorn."""

from __future__ import annotations

import json
import logging
import os
import sys
from functools import partial
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

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
    store: PostgresEventStore,
    settings: Settings,
    signin_url: str | None = None,
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
        commands_url=settings.pooled_url("web"),
        sessions_url=settings.pooled_url("signin"),
    )


# How ``serve`` hands its options to worker processes, which uvicorn starts by importing
# ``worker_app``: an environment variable, as every other setting reaches them.
_WORKER_OPTIONS = "QUIZFLOW_SERVE_WORKER_OPTIONS"


def serve(
    settings: Settings,
    host: str,
    port: int,
    *,
    pool_size: int = 10,
    access_log: bool = False,
    log_level: str = "warning",
    workers: int = 1,
) -> None:
    """Serve until interrupted. Each process holds a read model of its own; with ``workers``
    above 1, uvicorn's supervisor runs that many on one port (the kernel spreads connections
    over them) and replaces one that dies."""
    from quizflow.database import login_database_url

    if workers < 1:
        raise ValueError("workers must be at least 1")
    # Done once, before any worker starts: the migrations, the login roles and their
    # passwords, and the cookie secret (workers writing a new secret file at once would sign
    # cookies with different keys). Workers get the results as settings.
    web_url = login_database_url("web", settings)
    signin_url = login_database_url("signin", settings)
    secret = session_secret(settings.home)
    options = {"pool_size": pool_size, "log_level": log_level, "host": host, "port": port}
    config_args: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": log_level,
        "access_log": access_log,
        "loop": "auto",
        "http": "auto",
        "proxy_headers": False,
        "server_header": False,
        "timeout_keep_alive": 30,
        "backlog": 2048,
    }
    if workers == 1:
        app = _app(settings, web_url, signin_url, secret, options)
        _AnnouncingServer(uvicorn.Config(app, **config_args)).run()
        return
    os.environ.update(
        {
            "QUIZFLOW_WEB_DATABASE_URL": web_url,
            "QUIZFLOW_SIGNIN_DATABASE_URL": signin_url,
            "QUIZFLOW_SECRET": secret,
            _WORKER_OPTIONS: json.dumps(options),
        }
    )
    config = uvicorn.Config(
        "quizflow.app.web.server:worker_app", factory=True, workers=workers, **config_args
    )
    Multiprocess(config, sockets=[config.bind_socket()]).run()


def worker_app() -> Any:
    """The app of one worker process (``serve`` with several workers), from the settings and
    options the supervisor left in the environment."""
    from quizflow.settings import load_settings

    settings = load_settings()
    options = json.loads(os.environ[_WORKER_OPTIONS])
    web_url = settings.login_url_override("web")
    signin_url = settings.login_url_override("signin")
    if not web_url or not signin_url:
        raise RuntimeError("a worker needs the login URLs that quizflow serve sets before it")
    return _app(settings, web_url, signin_url, session_secret(settings.home), options)


def _app(
    settings: Settings, web_url: str, signin_url: str, secret: str, options: dict[str, Any]
) -> Any:
    # Commands are awaited on the event loop, but the read model's subscriber and the
    # notifier are threads that wake from PostgreSQL I/O; with the default 5 ms GIL switch
    # interval the loop can wait 5 ms behind one of them (and they behind it). 0.5 ms trades
    # a little throughput for shorter tails.
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    logging.basicConfig(
        level=getattr(logging, str(options["log_level"]).upper(), logging.WARNING),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Commands go through the app's async pool (``pool_size``: each holds a connection for two
    # short statements; a few more than cores keeps it from queueing without letting
    # PostgreSQL thrash). The sync pool is left the read model's reads, the odd health check
    # and course lookup; the subscription's LISTEN has a connection of its own.
    store = PostgresEventStore(web_url, role=None, min_size=1, max_size=4)
    where = f"http://{options['host']}:{options['port']}/"
    return create_app(
        context_for(store, settings, signin_url),
        secret,
        command_pool_size=int(options["pool_size"]),
        freeze_gc=True,
        close_store=True,
        on_ready=partial(_announce, where),
    )


def _announce(where: str) -> None:
    print(f"Quizflow process {os.getpid()} ready on {where}", file=sys.stderr, flush=True)


class _AnnouncingServer(uvicorn.Server):
    """Says where it serves once it accepts connections (after the read model caught up and
    the port is bound), not before: a script may wait for that line."""

    async def startup(self, sockets: list[Any] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            host, port = self.config.host, self.config.port
            print(f"Quizflow serving on http://{host}:{port}/", file=sys.stderr, flush=True)
