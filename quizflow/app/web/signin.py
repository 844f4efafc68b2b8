"""Signing in and out: the JSON API (``/api/signin``, ``/api/activate``, ``/api/signout``,
``/api/me``) and the pages (``/signin``, ``/activate``, ``/signout``).

Every refusal says the same for an unknown username as for a wrong password, and throttled
attempts are answered 429 with ``Retry-After`` before any password is checked.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, StrictStr
from starlette.concurrency import run_in_threadpool

from quizflow.accounts.passwords import MAX_LENGTH, PasswordRejected
from quizflow.accounts.signin import SignInResult
from quizflow.app import auth
from quizflow.app.auth import Identity
from quizflow.app.web.api import require_json
from quizflow.app.web.api_models import ANSWERED, SignedOut, Who
from quizflow.app.web.context import accounts_of, context, identity, who_is_asking
from quizflow.app.web.error_docs import ALWAYS, JSON_BODY, SIGNED_IN, errors
from quizflow.app.web.errors import WebError
from quizflow.app.web.forms import page, read_form, redirect

router = APIRouter(prefix="/api", tags=["accounts"])
pages = APIRouter(include_in_schema=False)

Username = Annotated[StrictStr, Field(min_length=1, max_length=200)]
Secret = Annotated[StrictStr, Field(min_length=1, max_length=MAX_LENGTH)]


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: Username
    password: Secret


class Activate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: Username
    code: Annotated[StrictStr, Field(min_length=1, max_length=40)]
    password: Secret


def who_json(who: Identity) -> dict[str, Any]:
    return {
        "user_id": who.user_id,
        "name": who.name,
        "role": who.role,
        "roles": sorted(who.roles),
        "school_id": who.school_id,
    }


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _refused(outcome: SignInResult, *, code: str = "wrong-credentials") -> WebError:
    if outcome.retry_after is not None:
        return WebError(
            429,
            "too-many-attempts",
            f"too many attempts; try again in {outcome.retry_after} s",
            headers={"Retry-After": str(outcome.retry_after)},
        )
    return WebError(401, code, outcome.problem or "sign-in refused")


async def start_session(request: Request, account_id: str, method: str) -> Identity:
    """A new session for the account, replacing whatever session the browser had."""
    accounts = accounts_of(request)
    await accounts.sessions.end(auth.session_token(request.session))
    token = await accounts.sessions.create(account_id, method)
    auth.sign_in(request.session, token)
    who = auth.identity_of(context(request).model, account_id)
    if who is None:  # deactivated in the last moment
        await accounts.sessions.end(token)
        auth.sign_out(request.session)
        raise WebError(401, "wrong-credentials", "this account is not active; ask your school")
    request.state.who = who
    return who


async def end_session(request: Request) -> None:
    await accounts_of(request).sessions.end(auth.session_token(request.session))
    auth.sign_out(request.session)
    request.state.who = None


async def _password_sign_in(request: Request, username: str, password: str) -> Identity:
    accounts = accounts_of(request)
    async with accounts.checking:
        outcome = await run_in_threadpool(
            accounts.authenticator.sign_in, username, password, _address(request)
        )
    if not outcome.ok or outcome.account_id is None:
        raise _refused(outcome)
    return await start_session(request, outcome.account_id, "password")


async def _activate(request: Request, username: str, code: str, password: str) -> Identity:
    accounts = accounts_of(request)
    try:
        async with accounts.checking:
            outcome = await run_in_threadpool(
                accounts.authenticator.activate, username, code, password, _address(request)
            )
    except PasswordRejected as rejected:
        raise WebError(422, "password-rejected", str(rejected)) from None
    if not outcome.ok or outcome.account_id is None:
        raise _refused(outcome, code="wrong-code")
    return await start_session(request, outcome.account_id, "activation-code")


# -- the JSON API --------------------------------------------------------------------------
@router.post(
    "/signin",
    summary="Sign in with a username and password",
    response_model=Who,
    **ANSWERED,
    dependencies=[Depends(require_json)],
    responses=errors(
        *ALWAYS,
        *JSON_BODY,
        401,
        429,
        s401="wrong username or password (the same for an unknown username)",
    ),
)
async def api_sign_in(request: Request, body: SignIn) -> dict[str, Any]:
    return who_json(await _password_sign_in(request, body.username, body.password))


@router.post(
    "/activate",
    summary="Sign in once with an activation code and choose a password",
    response_model=Who,
    **ANSWERED,
    dependencies=[Depends(require_json)],
    responses=errors(
        *ALWAYS,
        *JSON_BODY,
        401,
        429,
        s401="wrong username or code, or the code expired",
        s422="malformed request, or the new password is refused (too short, common)",
    ),
)
async def api_activate(request: Request, body: Activate) -> dict[str, Any]:
    return who_json(await _activate(request, body.username, body.code, body.password))


@router.post(
    "/signout",
    summary="Sign out: ends the session on the server",
    responses=errors(*ALWAYS),
    response_model=SignedOut,
    **ANSWERED,
)
async def api_sign_out(request: Request) -> dict[str, bool]:
    await end_session(request)
    return {"signed_out": True}


@router.get(
    "/me",
    summary="Who is signed in",
    responses=errors(*SIGNED_IN),
    response_model=Who,
    **ANSWERED,
)
async def me(who: Annotated[Identity, Depends(identity)]) -> dict[str, Any]:
    return who_json(who)


# -- the pages -----------------------------------------------------------------------------
def _sso_enabled(request: Request) -> bool:
    return context(request).auth.oidc is not None


@pages.get("/signin")
async def sign_in_page(request: Request) -> Response:
    await who_is_asking(request)
    return page(request, "signin.html", sso=_sso_enabled(request))


@pages.post("/signin")
async def sign_in_form(request: Request) -> Response:
    form = await read_form(request)
    username, password = form.get("username"), form.get("password")
    if (
        not isinstance(username, str)
        or not isinstance(password, str)
        or not username
        or not password
        or len(password) > MAX_LENGTH
        or len(username) > 200
    ):
        return page(
            request,
            "signin.html",
            status=422,
            sso=_sso_enabled(request),
            error="Fill in your username and password.",
        )
    try:
        await _password_sign_in(request, username, password)
    except WebError as refused:
        return page(
            request,
            "signin.html",
            status=refused.status,
            sso=_sso_enabled(request),
            error=_sentence(refused.detail),
            username=username,
            headers=refused.headers,
        )
    return redirect("/")


@pages.get("/activate")
async def activate_page(request: Request) -> Response:
    await who_is_asking(request)
    return page(request, "activate.html", min_length=context(request).auth.password.min_length)


@pages.post("/activate")
async def activate_form(request: Request) -> Response:
    form = await read_form(request)
    values = {name: form.get(name) for name in ("username", "code", "password", "repeat")}
    username, code, password, repeat = (v if isinstance(v, str) else "" for v in values.values())
    problem = None
    if not username or not code or not password:
        problem = "Fill in your username, your code and a new password."
    elif password != repeat:
        problem = "The two passwords are not the same."
    elif len(password) > MAX_LENGTH or len(username) > 200 or len(code) > 40:
        problem = "That is too long."
    if problem is None:
        try:
            await _activate(request, username, code, password)
            return redirect("/")
        except WebError as refused:
            problem = _sentence(refused.detail)
            status, headers = refused.status, refused.headers
    else:
        status, headers = 422, None
    return page(
        request,
        "activate.html",
        status=status,
        error=problem,
        username=username,
        min_length=context(request).auth.password.min_length,
        headers=headers,
    )


@pages.post("/signout")
async def sign_out_form(request: Request) -> Response:
    await read_form(request)
    await end_session(request)
    return redirect("/signin")


def _sentence(detail: str) -> str:
    return detail[:1].upper() + detail[1:] + ("" if detail.endswith(".") else ".")


__all__ = ["end_session", "pages", "router", "start_session", "who_json"]
