"""Accounts' e-mail addresses: where a teacher's weekly report goes.

An address is personal text, so it is an event sealed with its person's key
(``accounts/EmailAddressChanged``): erasing the person shreds it with their names.
"""

from __future__ import annotations

import re

from quizflow.accounts.admin import AdminError, append, events_of_types
from quizflow.eventstore import EventStore
from quizflow.privacy.keys import names_of
from quizflow.quiz import AccountCreated, EmailAddressChanged, PayloadError, from_payload

# Deliberately loose: the mail server is the judge of an address; this catches typing slips
# (a name where the address goes, two addresses in one field).
_ADDRESS = re.compile(r"[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>.]+")
_TYPES = ("accounts/AccountCreated", "accounts/EmailAddressChanged", "accounts/PersonErased")


def checked_address(address: str) -> str:
    """The address without surrounding blanks; ``AdminError`` when it cannot be one."""
    address = address.strip()
    if len(address) > 254 or not _ADDRESS.fullmatch(address):
        raise AdminError(f"{address[:60]!r} is not an e-mail address")
    return address


def set_email(
    store: EventStore, account_id: str, address: str | None, actor: str = "admin"
) -> bool:
    """Give the account an address (``None`` removes it); False when nothing changes."""
    checked = checked_address(address) if address is not None else None
    accounts, addresses = _read(store)
    if account_id not in accounts:
        raise AdminError(f"there is no account {account_id!r}")
    if addresses.get(account_id) == checked:
        return False
    sealed = names_of(store).seal(checked, account_id) if checked is not None else None
    append(store, [EmailAddressChanged(account_id, sealed)], actor)
    return True


def email_addresses(store: EventStore) -> dict[str, str]:
    """Every account's current address, opened; erased people have none."""
    return _read(store)[1]


def _read(store: EventStore) -> tuple[set[str], dict[str, str]]:
    """The accounts there are, and their current addresses, in one pass over their events."""
    names = names_of(store)
    accounts: set[str] = set()
    found: dict[str, str] = {}
    for recorded in events_of_types(store, _TYPES):
        try:
            fact = from_payload(recorded.type, recorded.data)
        except PayloadError:
            continue
        account_id = getattr(fact, "account_id", "")
        if isinstance(fact, AccountCreated):
            accounts.add(account_id)
            continue
        found.pop(account_id, None)
        if isinstance(fact, EmailAddressChanged) and fact.email is not None:
            opened = names.reveal(fact.email, account_id)
            if opened:
                found[account_id] = opened
    return accounts, found
