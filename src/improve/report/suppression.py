"""One register of suppressed cells for a whole run, applied to everything it publishes.

A value hidden in one table must not reappear in a figure label, another table, the CSV,
the Excel workbook, ``results.json`` or a sentence. :class:`SuppressionRegistry` records
what is suppressed, keyed by what the value is about:

* ``("all", cohort, outcome, time)``: every value about a cohort (estimates, intervals,
  counts), for one outcome and period or for all (``None``);
* ``("count", cohort, None, None)``: only the number of units in the cohort (hidden
  because it could give away a suppressed count by subtraction: complementary
  suppression);

and the suppressed numbers themselves, so an aggregate that repeats a suppressed cell
(an event-time estimate to which only the small cohort contributes, a calendar-period
effect of one cohort) is found by its value and hidden too. :class:`RunOutputs` applies
it to every frame, figure text, JSON entry and sentence it writes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from improve.report.privacy import LABEL_COLUMNS, suppress_counts

__all__ = ["COUNT_COLUMNS", "SUPPRESSED_TEXT", "SuppressionRegistry"]

#: Written in sentences where a suppressed number would have been.
SUPPRESSED_TEXT = "[suppressed]"
#: Columns holding numbers of units (or students) behind a cell.
COUNT_COLUMNS = frozenset(
    {"n", "count", "units", "n_units", "n_treated", "n_tested", "n_schools", "n_students"}
    | {"rows", "n_rows", "n_obs", "observations"}
)
#: Counts of comparison units: their differences across cohorts give cohort sizes away.
COMPARISON_COUNT_COLUMNS = frozenset({"n_comparison", "comparison_units", "n_control"})
#: Columns counting units (not people): with public units, a small count hides nothing.
UNIT_COUNT_COLUMNS = frozenset({"n_treated", "n_units", "units"}) | COMPARISON_COUNT_COLUMNS
_COHORT_COLUMNS = ("group", "cohort")
_TIME_COLUMNS = ("time", "period", "year")
_COHORT_TERM = re.compile(r"^(?:cohort|group)\s*[= ]\s*(-?\d+(?:\.0+)?)$", re.I)
_NUMBER = re.compile(r"(?<![\w.])[-−]?\d[\d,]*\.\d+(?![\d])")
_REL_TOL = 1e-9


def _as_int(value: Any) -> int | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if math.isfinite(number) and number.is_integer() else None


#: "7 units", "1 treated unit", "26 never-treated units": counts of units in sentences.
_SMALL_UNIT_COUNT = re.compile(
    r"\b(\d[\d,]*) ((?:treated |never-treated |comparison |not-yet-treated )?units?)\b"
)

#: "2018 (12 units)": a cohort and its size in a sentence.
_COHORT_UNIT_COUNT = re.compile(r"\b(-?\d+) \((\d[\d,]*) (units?)\)")


def _decimals(token: str) -> int:
    return len(token.split(".", 1)[1]) if "." in token else 0


@dataclass
class SuppressionRegistry:
    """What a run has suppressed, and the rule that keeps it suppressed everywhere.

    Parameters
    ----------
    min_cell_size : int or None
        Minimum cell size; ``None`` turns suppression off (nothing is registered).
    public_counts : bool
        The units are public (states, districts of a public file, declared in the column
        map): their counts are never hidden, and neither are estimates from a cohort of few
        of them, since each unit is itself a published aggregate. Counts of people (students
        tested, subgroup sizes) are still checked against the minimum.
    """

    min_cell_size: int | None = None
    keys: set[tuple[str, int | None, str | None, int | None]] = field(default_factory=set)
    values: list[float] = field(default_factory=list)
    counts_hidden: bool = False
    public_counts: bool = False

    @property
    def active(self) -> bool:
        """True when a minimum cell size is set."""
        return bool(self.min_cell_size)

    # -- registering ------------------------------------------------------------------
    def register_cohorts(self, sizes: Mapping[int, int], *, public_counts: bool = False) -> None:
        """Register cohorts below the minimum, with complementary suppression of counts.

        Parameters
        ----------
        sizes : mapping of int to int
            Units per cohort (0 = never treated).
        public_counts : bool
            The units are public (e.g. states): counts and small cohorts' estimates stay.
        """
        if not self.active:
            return
        self.public_counts = self.public_counts or public_counts
        shown = suppress_counts({int(k): int(v) for k, v in sizes.items()}, self.min_cell_size)
        for cohort, size in sizes.items():
            cohort = int(cohort)
            small = 0 < int(size) < self.min_cell_size
            if small and cohort != 0 and not public_counts:
                self.keys.add(("all", cohort, None, None))
            if not public_counts and isinstance(shown[cohort], str):
                self.keys.add(("count", cohort, None, None))
                self.counts_hidden = True

    def register_values(self, values: Iterable[Any]) -> None:
        """Numbers that must not be shown anywhere (finite floats only)."""
        for value in values:
            try:
                number = float(value)
            except (TypeError, ValueError):
                continue
            if math.isfinite(number) and not number.is_integer():
                self.values.append(number)

    # -- looking up -------------------------------------------------------------------
    def cohort_hidden(
        self, cohort: int | None, outcome: str | None = None, time: int | None = None
    ) -> bool:
        """Every value about this cohort (for this outcome and period) is suppressed."""
        if cohort is None:
            return False
        return any(
            (stat, g) == ("all", cohort)
            and (o is None or o == outcome)
            and (t is None or t == time)
            for stat, g, o, t in self.keys
        )

    def count_hidden(self, cohort: int | None) -> bool:
        """The number of units in this cohort is suppressed (never when counts are public)."""
        return (
            not self.public_counts
            and cohort is not None
            and (("count", cohort, None, None) in self.keys or self.cohort_hidden(cohort))
        )

    def matches(self, value: Any, decimals: int | None = None) -> bool:
        """``value`` equals a suppressed number (to ``decimals`` when it was rounded)."""
        if not self.values:
            return False
        try:
            number = float(value)
        except (TypeError, ValueError):
            return False
        if not math.isfinite(number):
            return False
        known = np.asarray(self.values)
        if decimals is None:
            return bool(np.any(np.abs(known - number) <= _REL_TOL * np.maximum(1, np.abs(known))))
        return bool(np.any(np.abs(np.round(known, decimals) - number) < 0.5 * 10.0**-decimals))

    # -- applying ---------------------------------------------------------------------
    def apply(
        self,
        frame: pd.DataFrame,
        *,
        outcome: str | None = None,
        count_column: str | None = None,
        label_columns: Iterable[str] = LABEL_COLUMNS,
    ) -> pd.DataFrame:
        """A copy of ``frame`` with everything the run suppresses blanked.

        Rows are suppressed when their own count (``count_column``) is below the minimum
        (unless it counts units the column map declares public),
        when they already carry ``suppressed = True``, when they are about a suppressed
        cohort (a ``group``/``cohort`` column or a "cohort 2019" term), or when one of
        their values repeats a suppressed number. The values of newly suppressed rows are
        registered, so later outputs cannot show them either. Counts of cohorts whose
        size is hidden are blanked, and so are comparison-unit counts once any count is
        hidden (their differences across cohorts are cohort sizes). A boolean
        ``suppressed`` column marks the rows.
        """
        out = frame.copy()
        if not self.active or out.empty:
            return out
        labels = set(label_columns) | {"term", "label", "summary", "method", "outcome"}
        value_cols = [
            c
            for c in out.columns
            if c not in labels
            and c != "suppressed"
            and not _is_count(c)
            and c not in COMPARISON_COUNT_COLUMNS
            and pd.api.types.is_numeric_dtype(out[c].dtype)
            and not pd.api.types.is_bool_dtype(out[c].dtype)
        ]
        counts = [c for c in out.columns if _is_count(c)]
        row_cohort = self._row_cohorts(out)
        row_time = self._row_times(out)
        flagged = np.zeros(len(out), dtype=bool)
        if "suppressed" in out.columns and value_cols:
            # rows suppressed before (here or by suppress_small_cells) have blank values;
            # rows whose count alone was hidden keep their estimates
            blank = out[value_cols].isna().any(axis=1).to_numpy()
            flagged = out["suppressed"].fillna(False).astype(bool).to_numpy() & blank
        public_units = self.public_counts and count_column in UNIT_COUNT_COLUMNS
        if count_column is not None and count_column in out.columns and not public_units:
            n = pd.to_numeric(out[count_column], errors="coerce").to_numpy(dtype="float64")
            flagged = flagged | ((n > 0) & (n < self.min_cell_size))
        hide = flagged.copy()
        for i in range(len(out)):
            if self.cohort_hidden(row_cohort[i], outcome, row_time[i]):
                hide[i] = True
            elif any(self.matches(out.iloc[i][c]) for c in value_cols):
                hide[i] = True
        if hide.any():
            self.register_values(out.loc[hide, value_cols].to_numpy().ravel())
            for i in np.flatnonzero(flagged):
                if row_cohort[i] is not None:
                    self.keys.add(("all", row_cohort[i], outcome, row_time[i]))
        count_hide = np.array([self.count_hidden(g) for g in row_cohort], dtype=bool)
        if not self.public_counts:
            count_hide |= hide
        for col in value_cols:
            out[col] = _blank(out[col], hide)
        for col in counts:
            out[col] = _blank(out[col], count_hide)
        if self.counts_hidden or count_hide.any():
            for col in COMPARISON_COUNT_COLUMNS & set(out.columns):
                out[col] = _blank(out[col], np.ones(len(out), dtype=bool))
        for col in out.columns:
            if col != "suppressed" and not pd.api.types.is_numeric_dtype(out[col].dtype):
                out[col] = out[col].map(lambda v: self.clean_text(v) if isinstance(v, str) else v)
        out["suppressed"] = hide | count_hide
        return out

    def _row_cohorts(self, frame: pd.DataFrame) -> list[int | None]:
        for col in _COHORT_COLUMNS:
            if col in frame.columns:
                return [_as_int(v) for v in frame[col].tolist()]
        if "term" in frame.columns:
            found = []
            for term in frame["term"].astype(str).tolist():
                match = _COHORT_TERM.match(term.strip())
                found.append(_as_int(match.group(1)) if match else None)
            return found
        return [None] * len(frame)

    def _row_times(self, frame: pd.DataFrame) -> list[int | None]:
        for col in _TIME_COLUMNS:
            if col in frame.columns:
                return [_as_int(v) for v in frame[col].tolist()]
        return [None] * len(frame)

    def clean_text(self, text: str, replacement: str = SUPPRESSED_TEXT) -> str:
        """``text`` with every number that shows a suppressed value replaced, and counts of
        units below the minimum ("7 treated units") written as "fewer than 10 ..." (unless
        the units are public)."""
        if not self.active or not text:
            return text
        if not self.public_counts:
            text = _COHORT_UNIT_COUNT.sub(self._hide_cohort_count, text)
            text = _SMALL_UNIT_COUNT.sub(self._hide_small_count, text)
        if not self.values:
            return text

        def swap(match: re.Match[str]) -> str:
            token = match.group(0)
            number = float(token.replace("−", "-").replace(",", ""))
            return replacement if self.matches(number, _decimals(token)) else token

        return _NUMBER.sub(swap, text)

    def _hide_cohort_count(self, match: re.Match[str]) -> str:
        """ "2018 (12 units)" without the 12 when cohort 2018's size is hidden."""
        if self.count_hidden(_as_int(match.group(1))):
            return f"{match.group(1)} (number of {match.group(3).rstrip('s')}s suppressed)"
        return match.group(0)

    def _hide_small_count(self, match: re.Match[str]) -> str:
        n = int(match.group(1).replace(",", ""))
        if 0 < n < int(self.min_cell_size or 0):
            return f"fewer than {self.min_cell_size} {match.group(2)}"
        return match.group(0)

    def clean_json(self, value: Any) -> Any:
        """A results.json entry with suppressed rows, numbers and sentences removed."""
        if not self.active:
            return value
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            frame = pd.DataFrame(value)
            cleaned = self.apply(frame)
            rows = []
            for original, (_, row) in zip(value, cleaned.iterrows(), strict=True):
                rows.append(
                    {
                        k: (None if k in cleaned.columns and _missing(row[k]) else original[k])
                        for k in original
                    }
                )
            return rows
        if isinstance(value, dict):
            cohort = _as_int(value.get("group", value.get("cohort")))
            if cohort is not None and self.cohort_hidden(cohort):
                return {k: (v if k in ("group", "cohort") else None) for k, v in value.items()}
            return {k: self.clean_json(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.clean_json(v) for v in value]
        if isinstance(value, str):
            return self.clean_text(value)
        if isinstance(value, float) and self.matches(value):
            return None
        return value


def _is_count(column: object) -> bool:
    """A count of units, or a share of them (which gives the count away with the total)."""
    name = str(column)
    return name in COUNT_COLUMNS or name.startswith("share_of_")


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _blank(column: pd.Series, mask: np.ndarray) -> pd.Series:
    mask_series = pd.Series(mask, index=column.index)
    if pd.api.types.is_integer_dtype(column.dtype):
        return column.astype("Int64").mask(mask_series, pd.NA)
    if pd.api.types.is_numeric_dtype(column.dtype):
        return column.astype("float64").mask(mask_series, np.nan)
    return column.mask(mask_series, pd.NA)
