"""Parameter values: from command-line text to typed Python values, and results back to JSON.

Values reach DuckDB only as bound parameters; this module only decides their types, so a bad
value is a clear message naming the parameter instead of a DuckDB conversion error.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

TYPES = ("text", "integer", "double", "boolean", "timestamp", "date")

_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


def parse_value(type_: str, text: str) -> Any:
    """``text`` as a value of ``type_``; ``null`` (any case) is None. Raises ValueError."""
    if text.strip().lower() == "null":
        return None
    if type_ == "text":
        return text
    if type_ == "integer":
        try:
            return int(text.strip())
        except ValueError:
            raise ValueError(f"{text!r} is not a whole number") from None
    if type_ == "double":
        try:
            value = float(text.strip())
        except ValueError:
            raise ValueError(f"{text!r} is not a number") from None
        if not math.isfinite(value):
            raise ValueError(f"{text!r} is not a finite number")
        return value
    if type_ == "boolean":
        lowered = text.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ValueError(f"{text!r} is not true or false")
    if type_ == "timestamp":
        try:
            stamp = dt.datetime.fromisoformat(text.strip())
        except ValueError:
            raise ValueError(f"{text!r} is not an ISO timestamp (2025-03-01T08:00:00Z)") from None
        # A time without a zone means UTC: the warehouse keeps every time in UTC.
        return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)
    if type_ == "date":
        try:
            return dt.date.fromisoformat(text.strip())
        except ValueError:
            raise ValueError(f"{text!r} is not an ISO date (2025-03-01)") from None
    raise ValueError(f"unknown type {type_!r}; one of {', '.join(TYPES)}")


def jsonable(value: Any) -> Any:
    """A DuckDB result value as plain JSON data (ISO times, floats, strings for ids)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return str(value)
