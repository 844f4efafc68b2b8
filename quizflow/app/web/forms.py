"""What every server-rendered page shares: rendering with the signed-in person and the CSRF
token, reading a form (refused without the session's CSRF token), and redirects."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from quizflow.app import auth
from quizflow.app.web.errors import WebError
from quizflow.app.web.templating import templates


def page(
    request: Request,
    name: str,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **values: Any,
) -> Response:
    """Render a page; ``who`` is the person the request was signed in as (looked up before)."""
    values.setdefault("who", getattr(request.state, "who", None))
    values["csrf"] = auth.csrf_token(request.session)
    return templates.TemplateResponse(request, name, values, status_code=status, headers=headers)


async def read_form(request: Request, max_fields: int = 50) -> FormData:
    form = await request.form(max_files=0, max_fields=max_fields)
    if not auth.csrf_ok(request.session, form.get("csrf")):
        raise WebError(
            403,
            "bad-form-token",
            "this form has expired or did not come from this site; reload the page and try again",
        )
    return form


def redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)
