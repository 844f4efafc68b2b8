"""Figures rounded for reading, never for keeping.

A facility of 0.6666666666666666 reads as 0.667; a median of 48213.5 ms as 48214. People get
three significant digits (whole numbers from 1,000 on, so no digit of a large figure is lost to
rounding); JSON, CSV and the published tables keep every digit.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the CLI formats numbers with this module and must not load polars for it
    import polars as pl

SIGNIFICANT_DIGITS = 3
_WHOLE_FROM = 10**SIGNIFICANT_DIGITS


def readable_number(value: float) -> str:
    """``value`` as a person reads it: 0.667, 12.3, 0.00123, 48214."""
    if not math.isfinite(value):
        return str(value)
    if value == 0:
        return "0"
    if abs(value) >= _WHOLE_FROM:
        return f"{value:.0f}"
    decimals = SIGNIFICANT_DIGITS - 1 - math.floor(math.log10(abs(value)))
    text = f"{round(value, decimals):.{max(decimals, 0)}f}"
    # 0.5 reads as 0.5, not 0.500: the trailing zeros claim a precision nobody measured.
    return text.rstrip("0").rstrip(".") if "." in text else text


def rounded(frame: pl.DataFrame) -> pl.DataFrame:
    """A copy of ``frame`` for showing: its float columns rounded as ``readable_number`` does.
    Keep computing with ``frame`` itself."""
    import polars as pl

    return frame.with_columns(
        pl.when(pl.col(name).abs() >= _WHOLE_FROM)
        .then(pl.col(name).round(0))
        .otherwise(pl.col(name).round_sig_figs(SIGNIFICANT_DIGITS))
        .alias(name)
        for name, dtype in frame.schema.items()
        if dtype.is_float()
    )
