"""An answer as a person reads it: the one way every page, report, query and notebook shows one.

Field names such as ``_INPUT_1_`` are the content's plumbing; people read the field labels.
A one-field answer is its value alone (``0.5``); a several-field answer names each value by
its field's label, in the question's field order: ``answer 8; second 11``. A field without a
label is called by its place (``field 2``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from quizflow.quiz.course import Field

SEPARATOR = "; "


def field_label(field: Field, place: int) -> str:
    """What a person calls a field: its label, else ``field <place>`` (1-based)."""
    return field.label.strip() or f"field {place}"


def display_answer(values: Mapping[str, str], fields: Sequence[Field] | None = None) -> str:
    """``values`` (field name -> text) as a person reads them.

    Without the question's fields (content unknown) the names are sorted, so the order is
    the same wherever the answer is shown.
    """
    if fields is None:
        fields = [Field(name) for name in sorted(values)]
    known = [field for field in fields if field.name in values]
    extra = [Field(name) for name in sorted(values) if name not in {f.name for f in fields}]
    shown = [*known, *extra]
    if len(shown) == 1:
        return str(values[shown[0].name])
    places = {field.name: place for place, field in enumerate(fields, start=1)}
    parts = []
    for field in shown:
        label = field_label(field, places.get(field.name, len(places) + 1))
        parts.append(f"{label} {values[field.name]}")
    return SEPARATOR.join(parts)


def display_normalised(answer: str, fields: Sequence[Field] | None) -> str:
    """A normalised answer text (``_INPUT_1_=8; _INPUT_2_=11``, as the warehouse's ``answer``
    column holds it) as a person reads it (``answer 8; second 11``)."""
    values = split_normalised(answer, [field.name for field in fields or ()])
    return display_answer(values, fields) if values else answer


def split_normalised(answer: str, names: Sequence[str]) -> dict[str, str]:
    """The values of a normalised answer by field name; one field's text is its value alone.

    A value may itself hold ``; `` or ``=`` (free text), so pairs are cut only where a known
    field name begins one; with no names known, at every ``; name=``.
    """
    if len(names) == 1:
        return {names[0]: answer}
    pattern = (
        "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
        if names
        else r"[^;=\s]+"
    )
    starts = list(re.finditer(rf"(?:^|{SEPARATOR})({pattern})=", answer))
    if not starts or starts[0].start() != 0:
        return {}
    values: dict[str, str] = {}
    for match, following in zip(starts, [*starts[1:], None], strict=True):
        end = following.start() if following is not None else len(answer)
        values[match.group(1)] = answer[match.end() : end]
    return values
