"""Pseudonyms: what the warehouse and the analysts' snapshot call a student instead of their id.

HMAC-SHA-256 of the id under a random secret kept in the database (the migration made it),
the first 64 bits in hex, prefixed ``p-``. The same id always gives the same pseudonym, so an
analysis can follow a student over time; without the secret, which is neither in the
warehouse nor in the snapshot, a pseudonym cannot be turned back into an id. The pipeline's
role computes them in PostgreSQL (``quizflow_privacy.pseudonym``) without reading the secret;
the roles that may open names compute them here, to join a report's figures to names.
"""

from __future__ import annotations

import hmac


def pseudonym(person_id: str, secret: bytes) -> str:
    return "p-" + hmac.new(secret, person_id.encode(), "sha256").hexdigest()[:16]
