"""Events to and from the ``(type, data)`` pairs the event store keeps as JSON.

``from_payload`` is strict about what it needs and lenient about the rest: a missing or
mistyped field is an error naming the type and the field, while extra fields are ignored so
that events may gain fields (docs/events.md) without breaking older readers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from quizflow.quiz.course import Course, CourseError
from quizflow.quiz.events import EVENT_TYPES, TYPE_NAMES, CoursePublished, Event, Sealed


class PayloadError(ValueError):
    """Stored data that is not a valid event of its type."""


class UnknownEventType(PayloadError):
    pass


_COUNTS = frozenset({"attempt", "streak", "question_version"})
_FREE_TEXT = frozenset({"name", "teacher_name"})
_TEXT_MAPS = frozenset({"inputs", "reasons"})
_ROLE_LISTS = frozenset({"roles"})
# A class may be registered before it has a teacher: then its teacher_id is "".
_OPTIONAL_IDS = frozenset({"teacher_id"})
# Personal text that may be removed again: null, text, or sealed text.
_REMOVABLE_TEXT = frozenset({"email"})


def to_payload(event: Event) -> tuple[str, dict[str, Any]]:
    """The event's type name and JSON-ready data."""
    type_name = TYPE_NAMES.get(type(event))
    if type_name is None:
        raise TypeError(f"not a Quizflow event: {event!r}")
    if isinstance(event, CoursePublished):
        return type_name, event.course.to_data()
    data = {f.name: getattr(event, f.name) for f in dataclasses.fields(event)}
    for name in _TEXT_MAPS & data.keys():
        data[name] = dict(data[name])
    for name in _ROLE_LISTS & data.keys():
        data[name] = list(data[name])
    for name, value in data.items():
        if isinstance(value, Sealed):
            data[name] = sealed_payload(value)
    return type_name, data


def from_payload(type_name: str, data: Mapping[str, Any]) -> Event:
    """The event stored as ``(type_name, data)``; raises ``PayloadError`` if it is not one."""
    cls = EVENT_TYPES.get(type_name)
    if cls is None:
        raise UnknownEventType(
            f"unknown event type {type_name!r} (known: {', '.join(sorted(EVENT_TYPES))})"
        )
    if not isinstance(data, Mapping):
        raise PayloadError(f"{type_name}: data must be a JSON object, got {type(data).__name__}")
    if cls is CoursePublished:
        try:
            return CoursePublished(Course.from_data(data))
        except CourseError as error:
            raise PayloadError(f"{type_name}: {error}") from error
    problems: list[str] = []
    # A field the event gained later has a default: older events without it read that.
    values = {
        f.name: _field_value(f.name, data, problems)
        for f in dataclasses.fields(cls)
        if f.name in data or f.default is dataclasses.MISSING
    }
    if problems:
        raise PayloadError(f"{type_name}: {'; '.join(problems)}")
    return cls(**values)


def _field_value(name: str, data: Mapping[str, Any], problems: list[str]) -> Any:
    if name not in data:
        problems.append(f"missing field {name!r}")
        return None
    value = data[name]
    if name in _COUNTS:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            problems.append(f"{name} must be a whole number >= 1, got {value!r}")
    elif name in _TEXT_MAPS:
        if not isinstance(value, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            problems.append(f"{name} must map field names to texts, got {value!r}")
    elif name in _ROLE_LISTS:
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(role, str) and role for role in value)
        ):
            problems.append(f"{name} must be a non-empty list of role names, got {value!r}")
        else:
            value = tuple(value)
    elif name in _REMOVABLE_TEXT and value is None:
        pass
    elif name in _FREE_TEXT | _REMOVABLE_TEXT and isinstance(value, Mapping):
        value = _sealed(name, value, problems)
    elif name in _FREE_TEXT | _REMOVABLE_TEXT | _OPTIONAL_IDS:
        if not isinstance(value, str):
            problems.append(f"{name} must be text, got {value!r}")
    elif not isinstance(value, str) or not value:
        problems.append(f"{name} must be a non-empty id, got {value!r}")
    return value


SEALED_WITH = "aes-256-gcm"


def sealed_payload(value: Sealed) -> dict[str, str]:
    return {
        "sealed": SEALED_WITH,
        "key_id": value.key_id,
        "nonce": value.nonce,
        "ciphertext": value.ciphertext,
    }


def _sealed(name: str, value: Mapping[str, Any], problems: list[str]) -> Sealed | None:
    key_id, nonce, ciphertext = (value.get(k) for k in ("key_id", "nonce", "ciphertext"))
    if value.get("sealed") != SEALED_WITH or not (
        isinstance(key_id, str) and isinstance(nonce, str) and isinstance(ciphertext, str)
    ):
        problems.append(f"{name} must be text or sealed text ({SEALED_WITH}), got {value!r}")
        return None
    return Sealed(key_id, nonce, ciphertext)
