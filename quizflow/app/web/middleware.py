"""Plain ASGI middleware (no per-request task or body buffering): a body size limit,
security headers, and a ``Server-Timing`` header (time spent in the app) on every response.

Every response but the static files is ``Cache-Control: no-store`` (school computers are shared:
the back button must not show the last student's quiz), and every response gets the content
security policy unless it brings a policy of its own (the teacher reports do)."""

from __future__ import annotations

import json
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from quizflow.app.web.errors import BodyTooLarge

MAX_BODY = 16 * 1024
# Paths (exact) that take a larger body: an uploaded roster file.
LARGER_BODIES = {"/admin/import": 2 * 1024 * 1024}
# Path prefixes that do: a question's edit form (texts, feedback and a solution per question),
# so that a long draft is never refused and lost.
LARGER_PREFIXES = (("/editor/", 256 * 1024),)

_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]
# The pages use no inline script. /docs (off unless QUIZFLOW_API_DOCS is set) loads Swagger UI
# from a CDN, so when it is on it gets no CSP.
_CSP = (
    b"content-security-policy",
    b"default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'; "
    b"form-action 'self'; base-uri 'none'",
)
_DOCS_PREFIXES = ("/docs", "/redoc")
_NO_STORE = (b"cache-control", b"no-store")


class Guard:
    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY, docs: bool = False) -> None:
        self.app = app
        self.max_body = max_body
        self.docs = docs

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        path: str = scope.get("path", "")
        limit = max(
            self.max_body,
            LARGER_BODIES.get(path, 0),
            *(size for prefix, size in LARGER_PREFIXES if path.startswith(prefix)),
        )
        length = _content_length(scope)
        if length is not None and length > limit:
            await _refuse(send, path, limit)
            return
        received = 0

        async def counted_receive() -> Message:
            # Bodies without (or lying about) a Content-Length are counted as they arrive.
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        csp = not (self.docs and path.startswith(_DOCS_PREFIXES))
        cacheable = path.startswith("/static/")

        async def guarded_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.extend(_HEADERS)
                # Lets a client tell time in the app from time queued, on the wire, or its own.
                elapsed_ms = (time.perf_counter() - started) * 1000
                headers.append((b"server-timing", f"app;dur={elapsed_ms:.2f}".encode()))
                names = {name.lower() for name, _ in headers}
                if csp and b"content-security-policy" not in names:
                    headers.append(_CSP)
                if not cacheable and b"cache-control" not in names:
                    headers.append(_NO_STORE)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, counted_receive, guarded_send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(send: Send, path: str, limit: int) -> None:
    # Answered before the app reads a byte of the body; the connection is closed after it.
    detail = f"request bodies are limited to {limit} bytes"
    if path.startswith("/api"):
        body = json.dumps({"error": "body-too-large", "detail": detail}).encode()
        kind = b"application/json"
    else:
        body = f"<!doctype html><title>413</title><p>{detail}</p>".encode()
        kind = b"text/html; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", kind),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                _NO_STORE,
                *_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
