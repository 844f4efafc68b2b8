"""Single sign-on against a real OpenID Connect provider (tests/oidc, node oidc-provider).

The site's port is chosen before the site starts (the ``site_port`` fixture), so the provider,
started first, can register the site's callback as its client's redirect URI; the site is then
configured with the provider's issuer and client. httpx drives the flow (the app's client and
a separate "browser" client for the provider's login and consent forms); one test clicks
through it in chromium.
"""

from __future__ import annotations

import secrets
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import psycopg
import pytest

from quizflow.accounts import credentials
from quizflow.accounts.settings import AuthSettings, Oidc
from quizflow.app.web.accounts import ACCOUNTS_GROUP
from tests.e2e.browser import open_tab, requires_chromium
from tests.oidc_provider import ProviderInfo, sign_in_at_provider, start_oidc_provider

pytestmark = pytest.mark.sso

Site = Any  # the `site` fixture of tests/e2e/conftest.py
CALLBACK = "/signin/sso/callback"


# -- fixtures: provider first, then the site configured for it -----------------------------
@pytest.fixture
def site_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def public_host() -> str | None:
    """A host name for QUIZFLOW_PUBLIC_URL (with the site's port); None: not set."""
    return None


@pytest.fixture
def configured_secret() -> str | None:
    """The client secret the site is given; None: the right one."""
    return None


@pytest.fixture
def provider(site_port: int) -> Iterator[ProviderInfo]:
    with start_oidc_provider(
        [f"http://127.0.0.1:{site_port}{CALLBACK}", f"http://localhost:{site_port}{CALLBACK}"]
    ) as info:
        yield info


@pytest.fixture
def auth_settings(
    provider: ProviderInfo, site_port: int, public_host: str | None, configured_secret: str | None
) -> AuthSettings:
    public_url = f"http://{public_host}:{site_port}" if public_host else None
    return AuthSettings(
        public_url=public_url,
        oidc=Oidc(provider.issuer, provider.client_id, configured_secret or provider.client_secret),
    )


# -- helpers --------------------------------------------------------------------------------
def link(pg_url: str, issuer: str, subject: str, account_id: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"set role {ACCOUNTS_GROUP}")
        credentials.link_sso(conn, issuer, subject, account_id)


def sso_links(pg_url: str) -> list[tuple[str, str, str]]:
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute(
            "select issuer, subject, account_id from quizflow_auth.sso_links order by 1, 2"
        ).fetchall()
    return [(str(issuer), str(subject), str(account)) for issuer, subject, account in rows]


def session_methods(pg_url: str) -> list[tuple[str, str]]:
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute(
            "select account_id, method from quizflow_auth.sessions order by 1, 2"
        ).fetchall()
    return [(str(account), str(method)) for account, method in rows]


def credential_count(pg_url: str) -> int:
    with psycopg.connect(pg_url) as conn:
        row = conn.execute("select count(*) from quizflow_auth.credentials").fetchone()
    return int(row[0]) if row else 0


def start(app: httpx.Client, provider: ProviderInfo) -> str:
    """``/signin/sso``: the redirect to the provider's authorization endpoint."""
    response = app.get("/signin/sso")
    assert response.status_code == 302, response.text
    authorize = response.headers["location"]
    assert authorize.startswith(provider.issuer + "/"), authorize
    return authorize


def through_provider(app: httpx.Client, provider: ProviderInfo, login: str) -> str:
    """Start at the site, sign in at the provider as ``login``: the callback URL (not fetched)."""
    authorize = start(app, provider)
    with httpx.Client(timeout=10) as browser:
        return sign_in_at_provider(browser, authorize, login)


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


def signed_in_as(app: httpx.Client) -> str | None:
    me = app.get("/api/me")
    if me.status_code == 401:
        return None
    assert me.status_code == 200, me.text
    return str(me.json()["user_id"])


# -- the tests ------------------------------------------------------------------------------
def test_a_linked_student_signs_in_with_her_school_account(
    site: Site, provider: ProviderInfo, pg_url: str
) -> None:
    link(pg_url, provider.issuer, "alice@hill.example", "alice")
    with site.client() as app:
        page = app.get("/signin")
        assert 'href="/signin/sso"' in page.text

        authorize = start(app, provider)
        asked = parse_qs(urlsplit(authorize).query)
        assert asked["redirect_uri"] == [f"{site.url}{CALLBACK}"]
        assert asked["response_type"] == ["code"]
        assert asked["client_id"] == [provider.client_id]
        assert set(asked["scope"][0].split()) == {"openid", "profile", "email"}
        assert asked["code_challenge_method"] == ["S256"]
        assert asked["nonce"] and asked["state"]

        with httpx.Client(timeout=10) as browser:
            back = sign_in_at_provider(browser, authorize, "alice@hill.example")
        assert back.startswith(f"{site.url}{CALLBACK}?")
        done = app.get(back)
        assert done.status_code == 303, done.text
        assert done.headers["location"] == "/"
        me = app.get("/api/me").json()
        assert (me["user_id"], me["name"], me["role"]) == ("alice", "Alice", "student")
        assert session_methods(pg_url) == [("alice", "sso")]
        home = app.get("/", follow_redirects=True)
        assert home.status_code == 200
        assert "Alice" in home.text

        # The callback cannot be replayed (its state is used up); she stays signed in.
        replay = app.get(back)
        assert replay.status_code == 400
        assert "did not start in this browser" in replay.text
        assert signed_in_as(app) == "alice"


def test_an_unlinked_school_account_is_refused_and_no_account_is_made(
    site: Site, provider: ProviderInfo, pg_url: str
) -> None:
    # Linked, but at another provider: an identity is its issuer and subject together.
    link(pg_url, "https://other-idp.example", "stranger-7", "bob")
    before = credential_count(pg_url)
    events = site.event_count()
    with site.client() as app:
        back = through_provider(app, provider, "stranger-7")
        refused = app.get(back)
        assert refused.status_code == 403
        assert "not linked to a Quizflow account yet" in refused.text
        assert "stranger-7" in refused.text  # for the admin to link
        assert 'href="/signin/sso"' in refused.text  # the sign-in page, to try again
        assert signed_in_as(app) is None
    assert session_methods(pg_url) == []
    assert credential_count(pg_url) == before
    assert site.event_count() == events
    assert sso_links(pg_url) == [("https://other-idp.example", "stranger-7", "bob")]


def test_a_deactivated_account_cannot_sign_in_with_sso(
    site: Site, provider: ProviderInfo, pg_url: str
) -> None:
    link(pg_url, provider.issuer, "carol@hill.example", "carol")
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"set role {ACCOUNTS_GROUP}")
        credentials.set_disabled(conn, "carol", True)
    with site.client() as app:
        refused = app.get(through_provider(app, provider, "carol@hill.example"))
        assert refused.status_code == 403
        assert signed_in_as(app) is None


def test_a_tampered_state_is_refused(site: Site, provider: ProviderInfo, pg_url: str) -> None:
    link(pg_url, provider.issuer, "alice@hill.example", "alice")
    with site.client() as app:
        back = through_provider(app, provider, "alice@hill.example")
        forged = app.get(with_query(back, state=secrets.token_urlsafe(20)))
        assert forged.status_code == 400
        assert "did not start in this browser" in forged.text
        assert signed_in_as(app) is None
        # A forged callback does not use up the genuine one.
        assert app.get(back).status_code == 303
        assert signed_in_as(app) == "alice"


def test_a_callback_from_another_browser_is_refused(
    site: Site, provider: ProviderInfo, pg_url: str
) -> None:
    """Login CSRF: someone else's callback (their code and state) signs nobody in here."""
    link(pg_url, provider.issuer, "t-ada@hill.example", "t-ada")
    with site.client() as attacker:
        back = through_provider(attacker, provider, "t-ada@hill.example")
    with site.client() as victim:
        refused = victim.get(back)
        assert refused.status_code == 400
        assert signed_in_as(victim) is None
    assert session_methods(pg_url) == []


def test_a_tampered_code_is_refused(site: Site, provider: ProviderInfo, pg_url: str) -> None:
    link(pg_url, provider.issuer, "alice@hill.example", "alice")
    with site.client() as app:
        back = through_provider(app, provider, "alice@hill.example")
        refused = app.get(with_query(back, code="not-" + secrets.token_urlsafe(30)))
        assert refused.status_code == 401
        assert "could not be confirmed" in refused.text
        assert signed_in_as(app) is None


@pytest.mark.parametrize("configured_secret", ["not-the-client-secret"])
def test_a_token_the_provider_refuses_is_a_clear_401(
    site: Site, provider: ProviderInfo, pg_url: str
) -> None:
    link(pg_url, provider.issuer, "alice@hill.example", "alice")
    with site.client() as app:
        refused = app.get(through_provider(app, provider, "alice@hill.example"))
        assert refused.status_code == 401
        assert "could not be confirmed" in refused.text
        assert signed_in_as(app) is None


def test_an_error_from_the_provider_is_a_clear_page(site: Site, provider: ProviderInfo) -> None:
    with site.client() as app:
        state = parse_qs(urlsplit(start(app, provider)).query)["state"][0]
        denied = app.get(
            CALLBACK,
            params={"error": "access_denied", "state": state, "error_description": "<b>nope</b>"},
        )
        assert denied.status_code == 401
        assert "did not let you in (access_denied)" in denied.text
        assert "<b>" not in denied.text
        odd = app.get(CALLBACK, params={"error": "<script>x</script>"})
        assert odd.status_code == 401
        assert "<script>x" not in odd.text
        for params in ({}, {"code": "c"}, {"state": "s"}):
            assert app.get(CALLBACK, params=params).status_code == 400
        # A callback naming another issuer (RFC 9207 mix-up) is refused before any token.
        wrong_iss = app.get(
            CALLBACK, params={"code": "c", "state": state, "iss": "https://evil.example"}
        )
        assert wrong_iss.status_code == 400
        assert signed_in_as(app) is None


def test_a_provider_that_cannot_be_reached_is_a_clear_502(
    site: Site, provider: ProviderInfo
) -> None:
    provider.process.terminate()
    provider.process.wait(timeout=10)
    with site.client() as app:
        down = app.get("/signin/sso")
        assert down.status_code == 502
        assert "cannot be reached" in down.text
        assert signed_in_as(app) is None


@pytest.mark.parametrize("public_host", ["localhost"])
def test_the_callback_is_under_the_public_url_when_set(
    site: Site, provider: ProviderInfo, pg_url: str, site_port: int
) -> None:
    link(pg_url, provider.issuer, "bob@hill.example", "bob")
    public = f"http://localhost:{site_port}"
    with site.client() as app:
        asked = parse_qs(urlsplit(start(app, provider)).query)
        assert asked["redirect_uri"] == [f"{public}{CALLBACK}"]
    with httpx.Client(base_url=public, timeout=10) as app:
        back = through_provider(app, provider, "bob@hill.example")
        assert back.startswith(f"{public}{CALLBACK}?")
        assert app.get(back).status_code == 303
        assert signed_in_as(app) == "bob"


@pytest.mark.parametrize("auth_settings", [AuthSettings()])
def test_without_oidc_settings_there_is_no_sso(site: Site) -> None:
    with site.client() as app:
        assert "/signin/sso" not in app.get("/signin").text
        assert app.get("/signin/sso").status_code == 404
        assert app.get(CALLBACK, params={"code": "c", "state": "s"}).status_code == 404


def test_the_cli_links_an_account(
    site: Site, provider: ProviderInfo, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from quizflow.cli import app as cli

    # Given URLs are used as they are: no login roles created or changed on the shared server.
    for name in (
        "QUIZFLOW_DATABASE_URL",
        "QUIZFLOW_WEB_DATABASE_URL",
        "QUIZFLOW_SIGNIN_DATABASE_URL",
    ):
        monkeypatch.setenv(name, pg_url)
    monkeypatch.setenv("QUIZFLOW_OIDC_ISSUER", provider.issuer + "/")
    monkeypatch.setenv("QUIZFLOW_OIDC_CLIENT_ID", provider.client_id)
    monkeypatch.setenv("QUIZFLOW_OIDC_CLIENT_SECRET", provider.client_secret)
    runner = CliRunner()
    linked = runner.invoke(cli, ["accounts", "link", "bob", "--subject", "bob@hill.example"])
    assert linked.exit_code == 0, linked.output
    unknown = runner.invoke(cli, ["accounts", "link", "nobody", "--subject", "x"])
    assert unknown.exit_code != 0
    assert sso_links(pg_url) == [(provider.issuer, "bob@hill.example", "bob")]

    with site.client() as app:
        assert app.get(through_provider(app, provider, "bob@hill.example")).status_code == 303
        assert signed_in_as(app) == "bob"


def in_a_browser(test: Any) -> Any:
    for mark in requires_chromium:
        test = mark(test)
    return test


@in_a_browser
def test_a_student_clicks_through_school_sign_in_in_a_browser(
    site: Site, provider: ProviderInfo, pg_url: str, request: pytest.FixtureRequest
) -> None:
    pytest.importorskip("playwright.sync_api")
    link(pg_url, provider.issuer, "carol@hill.example", "carol")
    with open_tab(request, width=390, height=800) as tab:
        tab.goto(f"{site.url}/signin")
        tab.click("text=Sign in with your school account")
        tab.wait_for_url(f"{provider.issuer}/**")
        tab.fill("input[name=login]", "carol@hill.example")
        tab.click("button[type=submit]")
        tab.click("text=Allow")  # the provider's consent form
        tab.wait_for_selector(".who")
        assert tab.url.startswith(f"{site.url}/")
        assert tab.inner_text(".who") == "Carol"
    assert session_methods(pg_url) == [("carol", "sso")]
