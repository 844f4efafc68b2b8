"""The rules of accounts without a database: passwords, throttling delays, the command limit
and the settings."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from quizflow.accounts import passwords
from quizflow.accounts.passwords import PasswordPolicy, PasswordRejected
from quizflow.accounts.settings import SettingError, load_auth_settings
from quizflow.accounts.throttle import ACCOUNT, ADDRESS
from quizflow.app.web.accounts import CommandLimiter


@pytest.mark.parametrize(
    "password", ["short", "password1234", "Password2024!", "qwerty123456", "WELKOM01!!!!!"]
)
def test_short_and_common_passwords_are_refused(password: str) -> None:
    with pytest.raises(PasswordRejected):
        PasswordPolicy(min_length=12).check(password)


def test_a_password_equal_to_the_username_is_refused() -> None:
    with pytest.raises(PasswordRejected):
        PasswordPolicy(min_length=8).check("Anna.deVries", "anna.devries")


def test_a_long_passphrase_passes_without_composition_rules() -> None:
    PasswordPolicy(min_length=12).check("purple tiger eats soup")


def test_a_hash_verifies_only_its_password() -> None:
    stored = passwords.hash_password("purple tiger eats soup")
    assert stored.startswith("$argon2id$")
    assert passwords.verify(stored, "purple tiger eats soup") == (True, None)
    assert passwords.verify(stored, "purple tiger eats soap") == (False, None)
    assert passwords.verify(None, "anything") == (False, None)
    assert passwords.verify("not a hash", "anything") == (False, None)


def test_a_hash_made_with_older_parameters_is_rehashed_on_sign_in() -> None:
    old = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash("a passphrase")
    matches, rehashed = passwords.verify(old, "a passphrase")
    assert matches and rehashed is not None and rehashed != old
    assert passwords.verify(rehashed, "a passphrase") == (True, None)


def test_an_account_is_delayed_after_four_failures_and_locked_out_at_ten() -> None:
    assert [ACCOUNT.block_s(n) for n in range(1, 11)] == [0, 0, 0, 0, 1, 2, 4, 8, 16, 900]
    assert ADDRESS.block_s(15) == 0 and ADDRESS.block_s(16) == 1 and ADDRESS.block_s(50) == 900


def test_the_command_limit_allows_a_burst_then_a_steady_rate() -> None:
    limiter = CommandLimiter(rate=1.0, burst=3)
    assert [limiter.take("ann") for _ in range(3)] == [None, None, None]
    wait = limiter.take("ann")
    assert wait is not None and 0 < wait <= 1.0
    assert limiter.take("bob") is None  # one student's burst is not another's


def test_settings_behind_https_make_cookies_secure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QUIZFLOW_PUBLIC_URL", raising=False)
    monkeypatch.delenv("QUIZFLOW_SECURE_COOKIES", raising=False)
    assert load_auth_settings().secure_cookies is False
    monkeypatch.setenv("QUIZFLOW_PUBLIC_URL", "https://quiz.example.org")
    assert load_auth_settings().secure_cookies
    monkeypatch.setenv("QUIZFLOW_SECURE_COOKIES", "false")
    assert not load_auth_settings().secure_cookies


@pytest.mark.parametrize(
    ("environ", "sentence"),
    [
        (
            {"QUIZFLOW_SESSION_IDLE_TIMEOUT": "soon"},
            "QUIZFLOW_SESSION_IDLE_TIMEOUT must be a whole number of seconds, 10 or more, "
            "got 'soon'",
        ),
        (
            {"QUIZFLOW_PASSWORD_MIN_LENGTH": "4"},
            "QUIZFLOW_PASSWORD_MIN_LENGTH must be a whole number of characters, 8 or more, got '4'",
        ),
        (
            {"QUIZFLOW_SECURE_COOKIES": "maybe"},
            "QUIZFLOW_SECURE_COOKIES must be true or false, got 'maybe'",
        ),
        (
            {"QUIZFLOW_OIDC_ISSUER": "https://login.example.org"},
            "QUIZFLOW_OIDC_ISSUER is set: set QUIZFLOW_OIDC_CLIENT_ID and "
            "QUIZFLOW_OIDC_CLIENT_SECRET too",
        ),
    ],
)
def test_unusable_settings_are_named_in_one_sentence(
    environ: dict[str, str], sentence: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("QUIZFLOW_OIDC_CLIENT_ID", "QUIZFLOW_OIDC_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingError) as failed:
        load_auth_settings()
    assert str(failed.value) == sentence


def test_settings_are_read_when_asked_for_and_blank_ones_keep_their_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("QUIZFLOW_SESSION_MAX_AGE", " 3600 ")
    monkeypatch.setenv("QUIZFLOW_COMMAND_BURST", "")
    monkeypatch.setenv("QUIZFLOW_API_DOCS", " Yes ")
    settings = load_auth_settings()
    assert (settings.session_max_age_s, settings.command_burst, settings.api_docs) == (
        3600,
        20,
        True,
    )
    monkeypatch.setenv("QUIZFLOW_SESSION_MAX_AGE", "7200")
    assert load_auth_settings().session_max_age_s == 7200
