"""The test OpenID provider does a full authorization-code sign-in with authlib as the client."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import httpx
import pytest
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet

from tests.oidc_provider import ProviderInfo, sign_in_at_provider, start_oidc_provider

pytestmark = pytest.mark.sso

# Never fetched: sign_in_at_provider stops at the redirect back to the app.
REDIRECT_URI = "http://127.0.0.1:9/auth/callback"


@pytest.fixture(scope="module")
def provider() -> Iterator[ProviderInfo]:
    with start_oidc_provider([REDIRECT_URI]) as info:
        yield info


@pytest.fixture(scope="module")
def metadata(provider: ProviderInfo) -> dict:
    response = httpx.get(provider.metadata_url)
    response.raise_for_status()
    return response.json()


def _authorize(
    provider: ProviderInfo, metadata: dict, *, secret: str | None = None, method: str
) -> tuple[OAuth2Client, str, str, str]:
    """A signed-in authorization response: (client, its URL, the code_verifier, the nonce)."""
    client = OAuth2Client(
        client_id=provider.client_id,
        client_secret=secret or provider.client_secret,
        token_endpoint_auth_method=method,
        scope="openid profile email",
        redirect_uri=REDIRECT_URI,
        code_challenge_method="S256",
    )
    verifier = secrets.token_urlsafe(48)
    nonce = secrets.token_urlsafe(16)
    url, _state = client.create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    with httpx.Client() as browser:
        redirect = sign_in_at_provider(browser, url, "student-42")
    assert redirect.startswith(REDIRECT_URI + "?")
    return client, redirect, verifier, nonce


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
def test_sign_in_gives_a_valid_id_token(
    provider: ProviderInfo, metadata: dict, method: str
) -> None:
    client, redirect, verifier, nonce = _authorize(provider, metadata, method=method)
    with client:
        token = client.fetch_token(
            metadata["token_endpoint"], authorization_response=redirect, code_verifier=verifier
        )
        jwks = client.get(metadata["jwks_uri"]).json()

    # What authlib's Starlette/httpx OpenID clients do in parse_id_token.
    decoded = jwt.decode(token["id_token"], KeySet.import_key_set(jwks))
    claims = CodeIDToken(
        decoded.claims,
        decoded.header,
        {"iss": {"values": [provider.issuer]}},
        {"nonce": nonce, "client_id": provider.client_id, "access_token": token["access_token"]},
    )
    claims.validate(leeway=120)

    assert claims["sub"] == "student-42"
    assert claims["aud"] in (provider.client_id, [provider.client_id])
    assert claims["name"] == "Test User student-42"
    assert claims["email"] == "student-42@example.test"


def test_wrong_client_secret_is_refused(provider: ProviderInfo, metadata: dict) -> None:
    client, redirect, verifier, _ = _authorize(
        provider, metadata, secret="not-the-secret", method="client_secret_basic"
    )
    with client, pytest.raises(OAuthError) as refused:
        client.fetch_token(
            metadata["token_endpoint"], authorization_response=redirect, code_verifier=verifier
        )
    assert refused.value.error == "invalid_client"


def test_tampered_id_token_is_rejected(provider: ProviderInfo, metadata: dict) -> None:
    """The JWKS really is what verifies the signature (not a decode that trusts anything)."""
    client, redirect, verifier, _ = _authorize(provider, metadata, method="client_secret_basic")
    with client:
        token = client.fetch_token(
            metadata["token_endpoint"], authorization_response=redirect, code_verifier=verifier
        )
        jwks = client.get(metadata["jwks_uri"]).json()
    header, payload, signature = token["id_token"].split(".")
    forged = f"{header}.{payload}.{signature[:-4]}AAAA"
    with pytest.raises(BadSignatureError):
        jwt.decode(forged, KeySet.import_key_set(jwks))
