"""Whether an answer can be read as what each of its fields expects, and a hint when not.

A typed value that is no number where a number is asked (``abc``, ``1½``, a zero-width
space), or the right value in a form the question does not take (``3/8`` where the decimal
``0.375`` is asked, ``0.45`` where the fraction ``9/20`` is), is not a wrong answer: the
student gets a hint and may type it again, and nothing counts against them. What a field
expects follows from its equivalence, and for a ``text`` field from its accepted answers: when
they are all numbers the field wants a number too, and when they are all fractions (and the
value typed is theirs) a fraction.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from fractions import Fraction
from typing import Final

from quizflow.quiz.course import Question
from quizflow.quiz.equivalence import has_number_symbols, parse_fraction, parse_number

INVISIBLE: Final = "invisible-character"
NUMBER_SYMBOL: Final = "number-symbol"
FRACTION_NOT_DECIMAL: Final = "fraction-not-decimal"
DECIMAL_NOT_FRACTION: Final = "decimal-not-fraction"
NOT_A_NUMBER: Final = "not-a-number"
NOT_A_FRACTION: Final = "not-a-fraction"

_HINTS: Final[Mapping[str, str]] = {
    INVISIBLE: "holds an invisible character (such as a zero-width space); type it again",
    NUMBER_SYMBOL: "uses a symbol such as ½ or ²; type fractions with a slash, like 1 1/2",
    FRACTION_NOT_DECIMAL: "needs a decimal number (like 0.25), not a fraction",
    DECIMAL_NOT_FRACTION: "needs a fraction (like 2/7), not a decimal number",
    NOT_A_NUMBER: "needs a number, like 12, -3 or 0.5",
    NOT_A_FRACTION: "needs a number or a fraction, like 7, 2/7 or 1 1/2",
}
REASONS: Final = tuple(_HINTS)


def _invisible(raw: str) -> bool:
    return any(
        unicodedata.category(char) == "Cf"
        or (unicodedata.category(char) == "Cc" and char not in "\t\n\r")
        for char in raw
    )


def _reason(question: Question, name: str, raw: str) -> str | None:
    if _invisible(raw):
        return INVISIBLE
    kind = question.equivalence[name]
    accepted = question.accepted[name]
    if kind == "text" and not all(parse_fraction(answer) is not None for answer in accepted):
        return None  # free text (a word, an expression): whatever is typed can be compared
    if has_number_symbols(raw):
        return NUMBER_SYMBOL
    value = parse_fraction(raw)
    if kind == "number":
        if parse_number(raw) is not None:
            return None
        if value is None:
            return NOT_A_NUMBER
        # Another value as a fraction is a wrong answer like any other; only the right value
        # in the wrong form is a matter of notation.
        return FRACTION_NOT_DECIMAL if _is_accepted_value(value, accepted) else None
    if value is None:
        return NOT_A_FRACTION
    if (
        kind == "text"
        and all("/" in answer for answer in accepted)
        and "/" not in raw
        and _is_accepted_value(value, accepted)
    ):
        return DECIMAL_NOT_FRACTION
    return None


def _is_accepted_value(value: Fraction, accepted: tuple[str, ...]) -> bool:
    return any(parse_fraction(answer) == value for answer in accepted)


def unreadable_fields(question: Question, inputs: Mapping[str, str]) -> dict[str, str]:
    """Each of ``question``'s fields whose input cannot be read as it expects, with the reason
    (one of ``REASONS``); empty when the whole answer can be graded."""
    return {
        name: reason
        for name in question.field_names
        if isinstance(inputs.get(name), str)
        and (reason := _reason(question, name, inputs[name])) is not None
    }


def hint(reason: str, label: str) -> str:
    """The sentence a student reads about one field, named by its label."""
    return f"{label[:1].upper()}{label[1:]} {_HINTS.get(reason, 'cannot be read; type it again')}."
