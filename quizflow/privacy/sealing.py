"""Sealing and opening personal text with AES-256-GCM, a key per person.

The subject's id is the associated data: a sealed name copied into another person's event
does not open.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from quizflow.quiz import PersonalText, Sealed

ERASED = "erased student"

# key_id -> key, or None when the key is destroyed (or was never there).
KeyLookup = Callable[[str], bytes | None]


def seal(text: str, subject_id: str, key_id: str, key: bytes) -> Sealed:
    nonce = os.urandom(12)
    ciphertext = AESGCM(key).encrypt(nonce, text.encode(), subject_id.encode())
    return Sealed(key_id, base64.b64encode(nonce).decode(), base64.b64encode(ciphertext).decode())


def reveal(value: PersonalText, subject_id: str, lookup: KeyLookup) -> str | None:
    """The text; None when its key is destroyed (the person is erased) or it does not open."""
    if isinstance(value, str):
        return value  # a log from before names were sealed
    key = lookup(value.key_id)
    if key is None:
        return None
    try:
        plain = AESGCM(key).decrypt(
            base64.b64decode(value.nonce), base64.b64decode(value.ciphertext), subject_id.encode()
        )
    except (InvalidTag, ValueError):
        return None
    return plain.decode()
