"""Single sign-on with the school's OpenID Connect provider: ``/signin/sso`` sends the browser
there (authorization code flow with PKCE and a nonce), ``/signin/sso/callback`` takes it back.

Only identities an admin has linked (``quizflow accounts link``) sign in; an unknown one is
refused with its ``sub`` shown, so the admin can link it. No account is ever created here.
The flow's state (state, nonce, PKCE verifier) lives in the signed session cookie, as authlib's
Starlette client keeps it; whatever the provider or a hostile link sends back ends in a 4xx
page (a provider that cannot be reached: 502), never a 500.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import httpx
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError
from fastapi import APIRouter, Request
from fastapi.responses import Response
from joserfc.errors import JoseError
from starlette.concurrency import run_in_threadpool

from quizflow.accounts.settings import Oidc
from quizflow.app.web.context import accounts_of, context, who_is_asking
from quizflow.app.web.errors import WebError
from quizflow.app.web.forms import page, redirect
from quizflow.app.web.signin import start_session

log = logging.getLogger("quizflow.web")

router = APIRouter(include_in_schema=False)

CALLBACK_PATH = "/signin/sso/callback"
_CLIENT_NAME = "school"
_ERROR_CODE = re.compile(r"[a-z_]{1,40}")

NOT_LINKED = (
    "This school account (ID “{sub}”) is not linked to a Quizflow account yet, or "
    "that account is not active. Ask your school's Quizflow admin to link it; tell "
    "them this ID."
)
START_AGAIN = (
    "This sign-in did not start in this browser, has expired or was already used. "
    "Start again with “Sign in with your school account”."
)
NOT_CONFIRMED = (
    "Your school's sign-in could not be confirmed. Try again; if it keeps "
    "happening, tell your school's Quizflow admin."
)
UNREACHABLE = (
    "Your school's sign-in service cannot be reached right now. Try again later, or "
    "sign in with your username and password."
)


def _oidc(request: Request) -> Oidc:
    oidc = context(request).auth.oidc
    if oidc is None:
        raise WebError(404, "not-found", "single sign-on is not set up on this site")
    return oidc


def _client(request: Request, oidc: Oidc) -> Any:
    """The app's OpenID client, registered once (the provider's metadata and keys are fetched
    on first use and kept)."""
    state = request.app.state
    client = getattr(state, "sso_client", None)
    if client is None:
        # Imported here: half a second, and only sites with single sign-on need it.
        from authlib.integrations.starlette_client import OAuth

        client = OAuth().register(
            name=_CLIENT_NAME,
            server_metadata_url=f"{oidc.issuer}/.well-known/openid-configuration",
            client_id=oidc.client_id,
            client_secret=oidc.client_secret,
            client_kwargs={"scope": "openid profile email", "code_challenge_method": "S256"},
        )
        state.sso_client = client
    return client


def callback_url(request: Request) -> str:
    """The redirect URI to register at the provider: under QUIZFLOW_PUBLIC_URL when set (behind
    a proxy the request's own URL is not what the browser sees), else from the request."""
    public_url = context(request).auth.public_url
    if public_url:
        return public_url.rstrip("/") + CALLBACK_PATH
    return str(request.url_for("sso_callback"))


async def _refused(request: Request, status: int, message: str) -> Response:
    await who_is_asking(request)
    return page(request, "signin.html", status=status, sso=True, error=message)


@router.get("/signin/sso")
async def sso_start(request: Request) -> Response:
    oidc = _oidc(request)
    client = _client(request, oidc)
    try:
        response: Response = await client.authorize_redirect(request, callback_url(request))
    except (httpx.HTTPError, ValueError, AuthlibBaseError, RuntimeError) as error:
        # The discovery document could not be fetched or makes no sense.
        log.warning("single sign-on: the provider %s cannot be used: %r", oidc.issuer, error)
        return await _refused(request, 502, UNREACHABLE)
    return response


@router.get(CALLBACK_PATH, name="sso_callback")
async def sso_callback(request: Request) -> Response:
    oidc = _oidc(request)
    client = _client(request, oidc)
    params = request.query_params
    error = params.get("error")
    if error is not None:
        # e.g. access_denied: the person cancelled, or the provider refused them.
        state = params.get("state")
        if state:
            await client.framework.clear_state_data(request.session, state)
        code = error if _ERROR_CODE.fullmatch(error) else "error"
        return await _refused(
            request,
            401,
            f"Your school's sign-in did not let you in "
            f"({code}). Try again, or sign in with your username and password.",
        )
    if not params.get("code") or not params.get("state"):
        return await _refused(request, 400, START_AGAIN)
    iss = params.get("iss")  # RFC 9207: providers that send it say who they are
    if iss is not None and iss.rstrip("/") != oidc.issuer:
        log.warning("single sign-on: a callback from issuer %r, expected %r", iss, oidc.issuer)
        return await _refused(request, 400, START_AGAIN)
    try:
        # Checks the state against this session, redeems the code (with the PKCE verifier)
        # and validates the id_token: signature (the provider's JWKS), iss, aud, exp, nonce.
        token = await client.authorize_access_token(request)
    except MismatchingStateError:
        return await _refused(request, 400, START_AGAIN)
    except httpx.HTTPError as problem:
        log.warning("single sign-on: the provider %s cannot be reached: %r", oidc.issuer, problem)
        return await _refused(request, 502, UNREACHABLE)
    except (AuthlibBaseError, JoseError, ValueError, KeyError) as problem:
        # A code refused at the token endpoint, an id_token that does not verify, ...
        log.warning("single sign-on: refused a callback: %r", problem)
        return await _refused(request, 401, NOT_CONFIRMED)
    claims = token.get("userinfo")  # set only for an id_token that validated
    subject = claims.get("sub") if claims else None
    issuer = claims.get("iss") if claims else None
    if (
        not isinstance(subject, str)
        or not subject
        or not isinstance(issuer, str)
        or issuer.rstrip("/") != oidc.issuer
    ):
        log.warning("single sign-on: no usable id_token (issuer %r)", issuer)
        return await _refused(request, 401, NOT_CONFIRMED)
    issuer = issuer.rstrip("/")
    account_id = await run_in_threadpool(
        accounts_of(request).authenticator.sso_account, issuer, subject
    )
    if account_id is None:
        log.info("single sign-on: no active account linked to subject %r at %s", subject, issuer)
        return await _refused(request, 403, NOT_LINKED.format(sub=subject[:255]))
    try:
        await start_session(request, account_id, "sso")
    except WebError as refused:
        return await _refused(
            request, refused.status, "This account is not active; ask your school."
        )
    return redirect("/")
