"""When two typed answers mean the same thing: the three equivalences a field can declare.

- ``text``: equal after trimming, case folding and collapsing whitespace.
- ``number``: equal as decimal numbers (``0.5``, ``.5``, ``0,5``, ``5e-1``, ``50%`` of a
  field measured in percent).
- ``fraction``: equal as rational numbers (``1/2``, ``2/4``, ``0.5``, ``1 1/2`` == ``3/2``).

Comparisons are exact (``fractions.Fraction``, ``decimal.Decimal``), never floating point,
so ``0.1 + 0.2``-style surprises cannot mark a right answer wrong.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Final, Literal, TypeGuard

Equivalence = Literal["text", "number", "fraction"]
EQUIVALENCES: Final[tuple[Equivalence, ...]] = ("text", "number", "fraction")

# Longer inputs are compared as text only: parsing them as numbers buys nothing and a huge
# exponent (1e999999999) would make Fraction build an enormous integer.
_MAX_NUMBER_LENGTH: Final = 64
_MAX_EXPONENT: Final = 100

_LOOKALIKES: Final = str.maketrans(
    {
        "\u2212": "-",  # minus sign
        "\u2013": "-",  # en dash, which some keyboards produce for minus
        "\u2044": "/",  # fraction slash (what NFKC turns ½ into)
        "\u2215": "/",  # division slash
        "\u00f7": "/",  # division sign
    }
)
_SPACE_AROUND_OPERATOR: Final = re.compile(r"\s*([-+/:=*×])\s*")
_WHITESPACE: Final = re.compile(r"\s+")
_DECIMAL: Final = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[+-]?[0-9]+)?")
_GROUPED: Final = re.compile(r"[+-]?[0-9]{1,3}(?: [0-9]{3})+(?:[.,][0-9]+)?")
_SIMPLE_FRACTION: Final = re.compile(r"([+-]?)([0-9]+)/([0-9]+)")
_MIXED_NUMBER: Final = re.compile(r"([+-]?)([0-9]+) ([0-9]+)/([0-9]+)")


def is_equivalence(value: object) -> TypeGuard[Equivalence]:
    return value in EQUIVALENCES


def canonical_text(raw: str) -> str:
    """Trimmed, case-folded, single-spaced, with look-alike symbols unified.

    Spaces around operators are dropped so ``3 / 4`` and ``3/4`` (or ``x = 2`` and ``x=2``)
    are the same text; the space inside a mixed number ``1 1/2`` is kept.
    """
    text = unicodedata.normalize("NFKC", raw).translate(_LOOKALIKES).casefold()
    text = _WHITESPACE.sub(" ", text).strip()
    return _SPACE_AROUND_OPERATOR.sub(r"\1", text)


def has_number_symbols(raw: str) -> bool:
    """Whether ``raw`` holds a character that is a number of its own (``½``, ``²``, ``①``).

    Normalising turns ``1½`` into ``11/2`` and ``2²`` into ``22``: read as numbers those would
    be wrong values, so such inputs are no numbers at all.
    """
    return any(unicodedata.category(char) == "No" for char in raw)


def parse_number(raw: str) -> Decimal | None:
    """The decimal number ``raw`` spells, or None.

    A leading currency sign and a trailing ``%`` are ignored: a field's unit lives in its
    label, and students type it anyway. A single comma is a decimal comma (Dutch ``0,5``);
    spaces may group thousands (``12 500``).
    """
    if has_number_symbols(raw):
        return None
    text = canonical_text(raw)
    if len(text) > _MAX_NUMBER_LENGTH:
        return None
    text = text.removesuffix("%").lstrip("€$£").strip()
    if _GROUPED.fullmatch(text):
        text = text.replace(" ", "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    if not _DECIMAL.fullmatch(text):
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    exponent = number.as_tuple().exponent
    if not isinstance(exponent, int) or abs(exponent) > _MAX_EXPONENT:
        return None
    return number


def parse_fraction(raw: str) -> Fraction | None:
    """The rational number ``raw`` spells (``3/4``, ``1 1/2``, ``-2/3``, ``0.75``), or None."""
    if has_number_symbols(raw):
        return None
    text = canonical_text(raw)
    if len(text) > _MAX_NUMBER_LENGTH:
        return None
    if mixed := _MIXED_NUMBER.fullmatch(text):
        sign, whole, numerator, denominator = mixed.groups()
        if int(denominator) == 0:
            return None
        value = int(whole) + Fraction(int(numerator), int(denominator))
        return -value if sign == "-" else value
    if simple := _SIMPLE_FRACTION.fullmatch(text):
        sign, numerator, denominator = simple.groups()
        if int(denominator) == 0:
            return None
        value = Fraction(int(numerator), int(denominator))
        return -value if sign == "-" else value
    number = parse_number(text)
    return None if number is None else Fraction(number)


def parses(equivalence: Equivalence, raw: str) -> bool:
    """Whether ``raw`` is a well-formed answer for a field of this equivalence."""
    return comparable(equivalence, raw) is not None


def comparable(equivalence: Equivalence, raw: str) -> str | Fraction | None:
    """The value two answers share exactly when they are equivalent; None if unparseable."""
    if equivalence == "text":
        return canonical_text(raw)
    if equivalence == "number":
        number = parse_number(raw)
        return None if number is None else Fraction(number)
    return parse_fraction(raw)


def canonical(equivalence: Equivalence | None, raw: str) -> str:
    """One text per equivalence class, for grouping answers; falls back to canonical text.

    With no equivalence (the question is unknown), anything that reads as a decimal number
    is written as one, everything else as text: so ``1/2`` stays ``1/2``.
    """
    if equivalence == "fraction":
        fraction = parse_fraction(raw)
        if fraction is not None:
            return str(fraction)
    elif equivalence in ("number", None):
        number = parse_number(raw)
        if number is not None:
            return _decimal_text(number)
    return canonical_text(raw)


def _decimal_text(number: Decimal) -> str:
    # format(..., "f") is exact; Decimal.normalize() would round to the context precision.
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "+0", "") else text
