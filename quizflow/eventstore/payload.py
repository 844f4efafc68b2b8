"""How event data and metadata become JSON, and what the store gives back for them.

Both stores keep payloads as PostgreSQL's jsonb does: tuples come back as lists, and values JSON
has no type for (datetimes, UUIDs, decimals) as their ``str()``. The in-memory store applies the
same round trip, so a test on it sees what production sees.
"""

from __future__ import annotations

import json
from typing import Any

# One encoder for every append: json.dumps(..., default=str) builds a new encoder per call.
_ENCODER = json.JSONEncoder(default=str)


def encode(value: Any) -> str:
    return _ENCODER.encode(value)


def as_stored(value: Any) -> Any:
    """``value`` as the store gives it back: a fresh copy, as jsonb keeps it."""
    return json.loads(_ENCODER.encode(value))
