"""Reading untyped course data (parsed JSON or YAML) while collecting every problem.

Content editors fix a course file faster when they see all its problems at once, so the
reader records a problem and carries on instead of raising at the first one.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

_IDENTIFIER = re.compile(r"\S+")


class DataReader:
    def __init__(self, *, allow_unknown_keys: bool) -> None:
        self.allow_unknown_keys = allow_unknown_keys
        self.problems: list[str] = []

    def problem(self, message: str) -> None:
        self.problems.append(message)

    def record(self, data: object, where: str, keys: Iterable[str]) -> Mapping[str, Any] | None:
        if not isinstance(data, Mapping):
            self.problem(f"{where}: expected a mapping, got {type(data).__name__}")
            return None
        unknown = sorted(str(key) for key in data if key not in set(keys))
        if unknown and not self.allow_unknown_keys:
            self.problem(f"{where}: unknown keys {', '.join(map(repr, unknown))}")
        return data

    def identifier(self, record: Mapping[str, Any], key: str, where: str) -> str | None:
        value = record.get(key)
        if not isinstance(value, str) or not _IDENTIFIER.fullmatch(value):
            self.problem(f"{where}: {key} must be non-empty text without spaces, got {value!r}")
            return None
        return value

    def text(self, record: Mapping[str, Any], key: str, where: str) -> str | None:
        value = record.get(key)
        if not isinstance(value, str) or not value.strip():
            self.problem(f"{where}: {key} must be non-empty text, got {value!r}")
            return None
        return value

    def positive_int(self, record: Mapping[str, Any], key: str, where: str) -> int | None:
        value = record.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.problem(f"{where}: {key} must be a whole number >= 1, got {value!r}")
            return None
        return value

    def items(self, record: Mapping[str, Any], key: str, where: str) -> list[tuple[str, object]]:
        """The entries of a required, non-empty list, each with a name like ``question 3``."""
        value = record.get(key)
        if not isinstance(value, list) or not value:
            self.problem(f"{where}: {key} must be a non-empty list, got {value!r}")
            return []
        singular = key.removesuffix("s")
        return [(f"{singular} {index}", item) for index, item in enumerate(value, start=1)]

    def unique(self, values: Iterable[str], what: str) -> None:
        for value, count in Counter(values).items():
            if count > 1:
                self.problem(f"duplicate {what} {value!r} ({count} times)")

    def keyed_by_fields(
        self, data: object, called: Mapping[str, str], where: str
    ) -> dict[str, object]:
        """A mapping with exactly one entry per input field; the entries for known fields.

        ``called`` maps each field's name to how a sentence names it (by its label): the
        names are the data's plumbing, so only a key that is no field is quoted as written.
        """
        if not isinstance(data, Mapping):
            self.problem(f"{where}: expected a mapping of field name to value, got {data!r}")
            return {}
        for key in data:
            if key not in called:
                self.problem(f"{where}: {key!r} is not a field of the question")
        for name, field in called.items():
            if name not in data:
                self.problem(f"{where}: missing {field}")
        return {name: data[name] for name in called if name in data}

    def strings(self, values: object, where: str) -> list[str]:
        if not isinstance(values, list):
            self.problem(f"{where}: expected a list of texts, got {values!r}")
            return []
        strings: list[str] = []
        for value in values:
            if not isinstance(value, str) or not value.strip():
                self.problem(f"{where}: {value!r} must be non-empty text (quote numbers in YAML)")
            else:
                strings.append(value)
        return strings
