"""Spreadsheet formula injection: text cells that a spreadsheet would run are neutralised.

A CSV or xlsx cell whose text begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is read by Excel, LibreOffice and Google Sheets as a formula (``=HYPERLINK(...)``
sends data to a web site when clicked, DDE payloads can start programs). Names in the
tables come from partners' files (subgroups, outcomes, units), so every text cell we write
goes through :func:`neutralise`, the OWASP "CSV injection" rule: such text gets a leading
single quote (``'=HYPERLINK(...)``) and is shown, never evaluated. Numbers are left alone,
also when they are negative or arrive as text that is exactly a number (``-3``, ``+0.5``):
a spreadsheet reads those as numbers, not formulas.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

#: First characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralise(value: Any) -> Any:
    """``value`` safe to put in a spreadsheet cell.

    Text beginning with a formula trigger gets a leading ``'`` unless it is exactly a
    number; every other value (numbers, missing values, safe text) is returned unchanged.
    """
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_TRIGGERS)
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names are :func:`neutralise`\\ d.

    Numeric columns keep their dtype (their values are numbers, never formulas).
    """
    out = frame.rename(columns=lambda c: neutralise(c) if isinstance(c, str) else c)
    for position in range(frame.shape[1]):
        values = frame.iloc[:, position]
        if pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
            continue
        if isinstance(values.dtype, pd.CategoricalDtype):
            values = values.astype(object)
        out.isetitem(position, values.map(neutralise, na_action="ignore"))
    return out
