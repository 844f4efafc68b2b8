"""A real OpenID Connect provider for the single sign-on tests.

`start_oidc_provider` runs tests/oidc/provider.mjs (panva's oidc-provider on Node.js) on a
free 127.0.0.1 port with one confidential client; `sign_in_at_provider` walks its login and
consent forms with httpx, so tests without a browser can do a full authorization-code sign-in.

Needs `node` and `npm ci --prefix tests/oidc`; without them the test is skipped. Mark such
tests `@pytest.mark.sso`.
"""

from __future__ import annotations

import os
import queue
import secrets
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest

OIDC_DIR = Path(__file__).resolve().parent / "oidc"
PROGRAM = OIDC_DIR / "provider.mjs"
READY_TIMEOUT = 30.0


@dataclass(frozen=True)
class ProviderInfo:
    issuer: str  # e.g. http://127.0.0.1:41234 (no trailing slash)
    client_id: str
    client_secret: str
    process: subprocess.Popen[str]

    @property
    def metadata_url(self) -> str:
        """The discovery document, as authlib's `server_metadata_url` wants it."""
        return f"{self.issuer}/.well-known/openid-configuration"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@contextmanager
def start_oidc_provider(
    redirect_uris: list[str],
    *,
    client_id: str = "quizflow-test",
    client_secret: str | None = None,
) -> Iterator[ProviderInfo]:
    """Run the provider until the `with` block ends; skips the test if it cannot run here."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("SSO tests need Node.js: `node` is not on PATH")
    if not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.skip(
            "SSO tests need the test OpenID provider's packages: run `npm ci --prefix tests/oidc`"
        )
    if not redirect_uris:
        raise ValueError("at least one redirect URI is needed")

    port = _free_port()
    issuer = f"http://127.0.0.1:{port}"
    secret = client_secret or secrets.token_urlsafe(24)
    env = {
        **os.environ,
        "PORT": str(port),
        "ISSUER": issuer,
        "CLIENT_ID": client_id,
        "CLIENT_SECRET": secret,
        "REDIRECT_URIS": ",".join(redirect_uris),
    }
    # stderr goes to a file (no pipe to fill up) and is shown if start-up fails; stdout is
    # read by a thread, which keeps draining it after `ready` for the same reason.
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as stderr:
        process = subprocess.Popen(
            [node, str(PROGRAM)],
            cwd=OIDC_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
        lines: queue.Queue[str | None] = queue.Queue()

        def pump() -> None:
            assert process.stdout is not None
            for line in process.stdout:
                lines.put(line)
            lines.put(None)

        threading.Thread(target=pump, name="oidc-provider-stdout", daemon=True).start()
        try:
            deadline = time.monotonic() + READY_TIMEOUT
            while True:
                remaining = deadline - time.monotonic()
                try:
                    line = lines.get(timeout=max(remaining, 0.01))
                except queue.Empty:
                    line = ""
                if line is not None and line.strip() == "ready":
                    break
                if line is None or remaining <= 0:
                    _stop(process)
                    stderr.seek(0)
                    why = "exited" if line is None else f"was not ready in {READY_TIMEOUT:.0f}s"
                    raise RuntimeError(
                        f"the test OpenID provider {why} (exit code {process.returncode});"
                        f" its stderr:\n{stderr.read()}"
                    )
            yield ProviderInfo(issuer, client_id, secret, process)
        finally:
            _stop(process)


class _FormParser(HTMLParser):
    """The first <form> of a page: its action, method and named inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.method = "get"
        self.fields: dict[str, str] = {}
        self._in_form = False
        self._done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {k: v or "" for k, v in attrs}
        if tag == "form" and not self._done:
            self._in_form = True
            self.action = attr.get("action", "")
            self.method = attr.get("method", "get").lower()
        elif (
            tag in ("input", "button")
            and self._in_form
            and attr.get("name")
            and (attr.get("type", "").lower() not in ("checkbox", "radio") or "checked" in attr)
        ):
            self.fields.setdefault(attr["name"], attr.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._in_form:
            self._in_form = False
            self._done = True


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


def sign_in_at_provider(
    client: httpx.Client, authorize_url: str, login: str, *, max_steps: int = 10
) -> str:
    """Sign in as `login` and consent; return the redirect back to the app (not fetched).

    Follows the provider's redirects and posts each form it shows (filling in `login`) until
    the provider redirects off its own origin, i.e. to one of the client's redirect_uris. That
    URL carries `code`, `state` (and `iss`). `client` keeps the provider's cookies, so a second
    call with the same client reuses the provider session. Raises AssertionError if the
    provider answers with an error or the redirect has no code.
    """
    provider = _origin(authorize_url)
    response = client.get(authorize_url, follow_redirects=False)
    for _ in range(max_steps):
        if response.is_redirect:
            target = urljoin(str(response.url), response.headers["location"])
            if _origin(target) != provider:
                query = parse_qs(urlsplit(target).query)
                if "code" not in query:
                    raise AssertionError(f"the provider redirected back without a code: {target}")
                return target
            response = client.get(target, follow_redirects=False)
            continue
        if response.status_code != 200:
            raise AssertionError(
                f"the provider answered {response.status_code} at {response.url}:"
                f" {response.text[:2000]}"
            )
        form = _FormParser()
        form.feed(response.text)
        if form.action is None:
            raise AssertionError(f"no form at {response.url}: {response.text[:2000]}")
        if "login" in form.fields:
            form.fields["login"] = login
        action = urljoin(str(response.url), form.action)
        if form.method == "post":
            response = client.post(action, data=form.fields, follow_redirects=False)
        else:
            response = client.get(action, params=form.fields, follow_redirects=False)
    raise AssertionError(f"no redirect back to the app after {max_steps} steps")
