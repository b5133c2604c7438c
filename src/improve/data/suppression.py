"""Parse numbers out of published education files: suppression, missing codes, bounds, ranges.

State and federal files rarely hold clean numbers. A cell may be suppressed for privacy
(``*``, ``<10``, ``n<10``, ``PS``), missing (``N/A``, ``--``, ``.``, Common Core of Data
negative codes ``-1``/``-2``/``-9``), top- or bottom-coded (``GE50``, ``LT5``, ``<5%``,
``>95%``) or given as a range (``11-17``). :func:`parse_numeric` turns such a column into
numbers (NaN where no value is published), keeps whatever bounds the marker gives, and
counts each kind of marker so the load report can say what happened.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from improve.data.distinct import distinct

#: Markers meaning "withheld to protect privacy".
SUPPRESSION_MARKERS: frozenset[str] = frozenset(
    {"*", "**", "***", "****", "n<10", "n < 10", "ps", "s", "supp", "suppressed", "dnr", "nr<10"}
)
#: Markers meaning "not available".
MISSING_MARKERS: frozenset[str] = frozenset(
    {"", "n/a", "na", "nan", "null", "none", "--", "-", "---", ".", "#n/a", "†", "‡", "n.a.", "nd"}
)
#: Common Core of Data style negative codes (missing, not applicable, suppressed).
NEGATIVE_MISSING_CODES: frozenset[float] = frozenset({-1.0, -2.0, -3.0, -4.0, -9.0})

#: Flag values written to ``<column>_flag``.
FLAG_SUPPRESSED = "suppressed"
FLAG_MISSING = "missing"
FLAG_MISSING_CODE = "missing_code"
FLAG_LOWER_BOUND = "at_least"
FLAG_UPPER_BOUND = "at_most"
FLAG_RANGE = "range"

_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_NUMBER_RE = re.compile(rf"^\s*({_NUMBER})\s*%?\s*$")
_THOUSANDS_RE = re.compile(r"^\s*[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?\s*%?\s*$")
_LESS_RE = re.compile(rf"^\s*(?:<|<=|≤|lt|le|less than)\s*({_NUMBER})\s*%?\s*$", re.I)
_GREATER_RE = re.compile(rf"^\s*(?:>|>=|≥|gt|ge|greater than)\s*({_NUMBER})\s*%?\s*$", re.I)
_RANGE_RE = re.compile(rf"^\s*({_NUMBER})\s*%?\s*(?:-|–|to)\s*({_NUMBER})\s*%?\s*$", re.I)


@dataclass(frozen=True)
class ParsedColumn:
    """The result of parsing one column.

    Attributes
    ----------
    values : pandas.Series
        Float values, NaN where no number was published.
    lower, upper : pandas.Series
        Bounds implied by a marker (NaN where none); equal to ``values`` where a number was
        published. ``None`` when the column had no bound or range markers.
    flag : pandas.Series
        What each cell held (``None`` for a plain number). ``None`` when nothing was flagged.
    counts : dict
        Number of cells of each flag kind.
    bad_values : list
        Up to five distinct values that are neither numbers nor known markers.
    n_bad : int
        How many cells held such values.
    """

    values: pd.Series
    lower: pd.Series | None
    upper: pd.Series | None
    flag: pd.Series | None
    counts: dict[str, int] = field(default_factory=dict)
    bad_values: list[str] = field(default_factory=list)
    n_bad: int = 0


def _classify(
    text: str, extra_suppression: frozenset[str]
) -> tuple[str | None, float, float, float]:
    """Classify one distinct string: (flag, value, lower, upper); flag 'bad' if unknown."""
    nan = np.nan
    stripped = text.strip()
    low = stripped.lower()
    if low in MISSING_MARKERS:
        return FLAG_MISSING, nan, nan, nan
    if low in SUPPRESSION_MARKERS or low in extra_suppression:
        return FLAG_SUPPRESSED, nan, nan, nan
    m = _NUMBER_RE.match(stripped)
    if m:
        v = float(m.group(1))
        return None, v, v, v
    if _THOUSANDS_RE.match(stripped):
        v = float(stripped.replace(",", "").rstrip("%").strip())
        return None, v, v, v
    m = _LESS_RE.match(stripped)
    if m:
        # "<10" on a count is the classic suppression of a small group; it still bounds the value
        flag = (
            FLAG_SUPPRESSED
            if stripped.startswith("<") and "%" not in stripped
            else FLAG_UPPER_BOUND
        )
        return flag, nan, nan, float(m.group(1))
    m = _GREATER_RE.match(stripped)
    if m:
        return FLAG_LOWER_BOUND, nan, float(m.group(1)), nan
    m = _RANGE_RE.match(stripped)
    if m:
        a, b = float(m.group(1)), float(m.group(2))
        if a <= b:
            return FLAG_RANGE, nan, a, b
    if re.fullmatch(r"\*+", stripped):
        return FLAG_SUPPRESSED, nan, nan, nan
    return "bad", nan, nan, nan


def _missing_codes(
    values: np.ndarray, negative_missing_codes: bool | Iterable[float] | None
) -> frozenset[float]:
    """The negative codes that mean missing in a column with these (distinct) ``values``."""
    if negative_missing_codes is None:
        finite = values[~np.isnan(values)]
        negatives = finite[finite < 0]
        only_codes = negatives.size > 0 and bool(
            np.isin(negatives, list(NEGATIVE_MISSING_CODES)).all()
        )
        return NEGATIVE_MISSING_CODES if only_codes else frozenset()
    if negative_missing_codes is True:
        return NEGATIVE_MISSING_CODES
    if negative_missing_codes is False:
        return frozenset()
    return frozenset(float(c) for c in negative_missing_codes)


def _parse_text(
    series: pd.Series, extra: frozenset[str], negative_missing_codes: bool | Iterable[float] | None
) -> ParsedColumn:
    """:func:`parse_numeric` of a text column: every distinct text is classified once and
    every per-row result is a lookup into those (missing cells read as empty text)."""
    index = series.index
    codes, seen = distinct(series)
    texts = ["" if pd.isna(u) else str(u) for u in seen]  # as astype("string").fillna("")
    table = [_classify(t, extra) for t in texts]
    u_flag = np.array([t[0] for t in table], dtype=object)
    u_val = np.array([t[1] for t in table], dtype="float64")
    u_low = np.array([t[2] for t in table], dtype="float64")
    u_up = np.array([t[3] for t in table], dtype="float64")
    rows = np.bincount(codes, minlength=len(texts))  # rows holding each distinct text
    is_bad = u_flag == "bad"
    n_bad = int(rows[is_bad].sum())
    bad = list(dict.fromkeys(t for t, b in zip(texts, is_bad, strict=True) if b))[:5]
    u_flag[is_bad] = None
    has_bounds = bool(np.isin(u_flag, [FLAG_LOWER_BOUND, FLAG_UPPER_BOUND, FLAG_RANGE]).any())
    has_bounds = has_bounds or bool(((u_flag == FLAG_SUPPRESSED) & ~np.isnan(u_up)).any())
    codes_to_use = _missing_codes(u_val, negative_missing_codes)
    if codes_to_use:
        is_code = np.isin(u_val, list(codes_to_use))
        u_val[is_code] = np.nan
        u_flag[is_code] = FLAG_MISSING_CODE
        u_low[is_code] = np.nan
        u_up[is_code] = np.nan
    counts: Counter[str] = Counter()
    for flag, n_rows in zip(u_flag, rows, strict=True):
        if flag is not None and n_rows:
            counts[flag] += int(n_rows)
    flag_series = None
    if counts:
        flag_series = pd.Series(u_flag[codes], index=index, dtype=object).astype("string")
    return ParsedColumn(
        values=pd.Series(u_val[codes], index=index, dtype="float64"),
        lower=pd.Series(u_low[codes], index=index) if has_bounds else None,
        upper=pd.Series(u_up[codes], index=index) if has_bounds else None,
        flag=flag_series,
        counts=dict(sorted(counts.items())),
        bad_values=bad,
        n_bad=n_bad,
    )


def parse_numeric(
    series: pd.Series,
    *,
    extra_markers: Iterable[str] = (),
    negative_missing_codes: bool | Iterable[float] | None = None,
) -> ParsedColumn:
    """Turn a column of published values into numbers, keeping what markers say.

    Parameters
    ----------
    series : pandas.Series
        Raw values (strings from a text file, or numbers from a typed file).
    extra_markers : iterable of str
        Further strings to treat as suppressed (case-insensitive).
    negative_missing_codes : bool or iterable of float, optional
        Treat Common Core of Data codes (-1, -2, -3, -4, -9) as missing. ``None`` (default)
        decides per column: the codes count as missing only when the column holds no other
        negative number, so a genuine change score of -1 is kept. ``True``/``False`` forces
        the choice; an iterable gives the codes.

    Returns
    -------
    ParsedColumn
    """
    extra = frozenset(str(m).strip().lower() for m in extra_markers)
    numeric = pd.api.types.is_numeric_dtype(series.dtype)
    if not numeric or pd.api.types.is_bool_dtype(series.dtype):
        return _parse_text(series, extra, negative_missing_codes)
    index = series.index
    values = series.astype("float64").to_numpy(copy=True)
    flags = np.full(len(series), None, dtype=object)
    flags[np.isnan(values)] = FLAG_MISSING
    codes_to_use = _missing_codes(values, negative_missing_codes)
    if codes_to_use:
        is_code = np.isin(values, list(codes_to_use))
        values[is_code] = np.nan
        flags[is_code] = FLAG_MISSING_CODE
    counts = Counter(f for f in flags if f is not None)
    flag_series = pd.Series(flags, index=index, dtype=object) if counts else None
    if flag_series is not None:
        flag_series = flag_series.astype("string")
    return ParsedColumn(
        values=pd.Series(values, index=index, dtype="float64"),
        lower=None,
        upper=None,
        flag=flag_series,
        counts=dict(sorted(counts.items())),
        bad_values=[],
        n_bad=0,
    )
