"""One way to write a number in a report: tables, captions, sentences and figure labels.

Estimates and standard errors are shown to three significant digits (a standard error of
0.0123 is "0.0123", never "0.01"), p-values to three decimals with "< 0.001" below that,
counts as whole numbers with a thousands separator. Tables use the same rule per column
(:func:`column_decimals`), so a column lines up on its decimal point.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Literal

import numpy as np

__all__ = [
    "MINUS",
    "column_decimals",
    "decimals_for",
    "format_number",
    "format_p",
    "log_percent",
    "p_phrase",
    "value_kind",
]

#: The minus sign of sentences (tables keep the ASCII hyphen, which spreadsheets read).
MINUS = "−"
#: Significant digits of estimates, standard errors and intervals.
SIGNIFICANT = 3
#: Most decimals ever shown.
MAX_DECIMALS = 6

Kind = Literal["number", "p", "count", "percent"]

_P_NAMES = ("p_value", "p_adjusted", "pvalue", "p")
_COUNT_PREFIXES = ("n_", "units", "count", "comparison_units", "periods_")


def value_kind(column: str) -> Kind:
    """How a table column is formatted, from its name (``p_value`` → ``"p"``)."""
    name = column.lower()
    if name in _P_NAMES or name.startswith("p_value") or name.endswith("_p_value"):
        return "p"
    if name == "n" or name.startswith(_COUNT_PREFIXES):
        return "count"
    if name.endswith("_pct") or name.startswith("pct_") or name.endswith("_percent"):
        return "percent"
    return "number"


def decimals_for(value: float, digits: int = SIGNIFICANT) -> int:
    """Decimals that show ``value`` to ``digits`` significant digits (never fewer than 0).

    Examples
    --------
    >>> decimals_for(0.0123), decimals_for(1.234), decimals_for(523.4)
    (4, 2, 0)
    """
    if value == 0 or not math.isfinite(value):
        return min(2, MAX_DECIMALS)
    magnitude = math.floor(math.log10(abs(value)))
    return int(min(MAX_DECIMALS, max(0, digits - 1 - magnitude)))


def column_decimals(values: Iterable[float], digits: int = SIGNIFICANT) -> int:
    """Decimals for a whole column: ``digits`` significant digits of its typical magnitude.

    The median absolute non-zero value decides (a value near zero does not stretch the
    whole column), so estimates around 0.05 show four decimals and scores around 500 none;
    at most :data:`MAX_DECIMALS`. Standard errors of 0.0123 are shown as 0.0123, not 0.01.
    """
    array = np.asarray([v for v in values if v is not None], dtype="float64")
    array = np.abs(array[np.isfinite(array) & (array != 0)])
    if array.size == 0:
        return 2
    return decimals_for(float(np.median(array)), digits)


def format_p(p: float) -> str:
    """A p-value as text: ``"< 0.001"``, else three decimals (``"0.012"``); blank if missing."""
    if p is None or not math.isfinite(p):
        return ""
    if p < 0.001:
        return "< 0.001"
    return f"{min(p, 1.0):.3f}"


def format_number(
    value: float | None,
    kind: Kind = "number",
    *,
    decimals: int | None = None,
    digits: int = SIGNIFICANT,
    sentence: bool = False,
) -> str:
    """The one formatter of report numbers.

    Parameters
    ----------
    value : float or None
        Missing (None, NaN) gives ``""``.
    kind : {"number", "p", "count", "percent"}
        ``"p"`` uses :func:`format_p`; ``"count"`` a whole number with thousands separator;
        ``"percent"`` the value followed by "%".
    decimals : int, optional
        Fixed decimals (e.g. a table column's); default: ``digits`` significant digits.
    digits : int
        Significant digits when ``decimals`` is not given.
    sentence : bool
        Use the typographic minus sign (for prose and figure text).

    Examples
    --------
    >>> format_number(0.0123), format_number(-1.23456, sentence=True), format_number(2e-5, "p")
    ('0.0123', '−1.23', '< 0.001')
    """
    if value is None:
        return ""
    number = float(value)
    if not math.isfinite(number):
        return ""
    if kind == "p":
        return format_p(number)
    if kind == "count":
        text = f"{round(number):,d}"
    else:
        d = decimals if decimals is not None else decimals_for(number, digits)
        text = f"{number:,.{d}f}"
        if float(text.replace(",", "")) == 0:
            text = text.lstrip("-")
        if kind == "percent":
            text += "%"
    if sentence and text.startswith("-"):
        text = MINUS + text[1:]
    return text


def p_phrase(p: float) -> str:
    """A p-value to follow "p" in a sentence: ``"= 0.012"``, ``"< 0.001"`` or
    ``"not available"``."""
    text = format_number(p, "p")
    return text if text.startswith("<") else f"= {text}" if text else "not available"


def log_percent(estimate: float) -> float:
    """The approximate percent change of a log-point effect, ``100·(exp(b) − 1)``."""
    return 100.0 * (math.exp(float(estimate)) - 1.0)
