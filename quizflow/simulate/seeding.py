"""Reproducible randomness: one independent random stream per purpose, derived from the seed.

Streams are keyed by (seed, purpose, index) through SHA-256 rather than ``hash()`` (salted per
process) or one shared generator (whose draws would depend on the order threads ran in). So a
student's draws are the same whoever runs first, and adding students never changes the others.
"""

from __future__ import annotations

import hashlib
import random
import uuid


def stream(seed: int, purpose: str, *key: object) -> random.Random:
    material = "/".join(str(part) for part in (seed, purpose, *key)).encode()
    return random.Random(int.from_bytes(hashlib.sha256(material).digest()[:16], "big"))


def uuid_from(rng: random.Random) -> uuid.UUID:
    """A version-4 uuid drawn from ``rng``: unique in practice, identical on a re-run."""
    return uuid.UUID(int=rng.getrandbits(128), version=4)
