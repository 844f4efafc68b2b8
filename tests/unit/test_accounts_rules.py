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


def test_settings_behind_https_make_cookies_secure() -> None:
    assert load_auth_settings({}).secure_cookies is False
    assert load_auth_settings({"QUIZFLOW_PUBLIC_URL": "https://quiz.example.org"}).secure_cookies
    assert not load_auth_settings(
        {"QUIZFLOW_PUBLIC_URL": "https://quiz.example.org", "QUIZFLOW_SECURE_COOKIES": "false"}
    ).secure_cookies


@pytest.mark.parametrize(
    "environ",
    [
        {"QUIZFLOW_SESSION_IDLE_TIMEOUT": "soon"},
        {"QUIZFLOW_PASSWORD_MIN_LENGTH": "4"},
        {"QUIZFLOW_SECURE_COOKIES": "maybe"},
        {"QUIZFLOW_OIDC_ISSUER": "https://login.example.org"},
    ],
)
def test_unusable_settings_are_named_in_the_error(environ: dict[str, str]) -> None:
    with pytest.raises(SettingError, match=next(iter(environ))):
        load_auth_settings(environ)
