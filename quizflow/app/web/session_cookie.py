"""Starlette's signed-cookie session, hardened: a validly signed cookie whose content is not a
JSON object reads as no session (Starlette itself fails the request with a 500)."""

from __future__ import annotations

import json
from base64 import b64decode
from http.cookies import SimpleCookie

from itsdangerous import BadSignature
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import Receive, Scope, Send


class SessionCookie(SessionMiddleware):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and not self._readable(scope):
            scope = {
                **scope,
                "headers": [(name, value) for name, value in scope["headers"] if name != b"cookie"],
            }
        await super().__call__(scope, receive, send)

    def _readable(self, scope: Scope) -> bool:
        for name, value in scope["headers"]:
            if name != b"cookie":
                continue
            cookie = SimpleCookie()
            try:
                cookie.load(value.decode("latin-1"))
            except Exception:
                return True  # Starlette's own parser decides about the rest
            morsel = cookie.get(self.session_cookie)
            if morsel is None:
                continue
            try:
                raw = self.signer.unsign(morsel.value.encode(), max_age=self.max_age)
            except BadSignature:
                return True  # Starlette reads a bad signature as no session
            try:
                return isinstance(json.loads(b64decode(raw)), dict)
            except ValueError:
                return False
        return True
