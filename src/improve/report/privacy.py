"""Small-cell suppression for every table that shows counts or group results."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

#: Default minimum number of units (or students) behind any published cell.
DEFAULT_MIN_CELL_SIZE = 10
#: Columns that label a cell rather than measure it; never blanked by default.
LABEL_COLUMNS: tuple[str, ...] = (
    "cohort",
    "group",
    "period",
    "time",
    "year",
    "event_time",
    "baseline_period",
    "first_period",
    "last_period",
    "subgroup",
)
SUPPRESSED_NOTE = "Cells based on fewer than {n} units are suppressed (shown as blank)."


def suppress_small_cells(
    table: pd.DataFrame,
    count_column: str,
    min_n: int = DEFAULT_MIN_CELL_SIZE,
    value_columns: Iterable[str] | None = None,
    keep_counts: bool = False,
    label_columns: Iterable[str] = LABEL_COLUMNS,
) -> pd.DataFrame:
    """Blank out values whose cell is based on fewer than ``min_n`` units.

    Parameters
    ----------
    table : pandas.DataFrame
        Table with one count column.
    count_column : str
        Column holding the number of units behind each row.
    min_n : int
        Minimum cell size; rows with ``0 < count < min_n`` are suppressed.
    value_columns : iterable of str, optional
        Columns to blank; defaults to every numeric column except the count and the
        label columns.
    keep_counts : bool
        Keep the small counts themselves (by default they are blanked too).
    label_columns : iterable of str
        Columns that identify the cell (cohort, period, ...), left as they are.

    Returns
    -------
    pandas.DataFrame
        A copy with suppressed cells set to NaN and a boolean ``suppressed`` column.
    """
    if min_n < 1:
        raise ValueError("min_n must be at least 1")
    out = table.copy()
    counts = out[count_column].astype("float64")
    small = (counts > 0) & (counts < min_n)
    labels = set(label_columns)
    if value_columns is None:
        value_columns = [
            c
            for c in out.columns
            if c != count_column
            and c not in labels
            and pd.api.types.is_numeric_dtype(out[c].dtype)
            and not pd.api.types.is_bool_dtype(out[c].dtype)
        ]
    for col in [*value_columns, *([] if keep_counts else [count_column])]:
        out[col] = _blank(out[col], small)
    out["suppressed"] = small.to_numpy()
    return out


def _blank(column: pd.Series, mask: pd.Series) -> pd.Series:
    """Set masked cells missing, keeping whole numbers whole (nullable Int64)."""
    if pd.api.types.is_integer_dtype(column.dtype):
        return column.astype("Int64").mask(mask, pd.NA)
    return column.astype("float64").mask(mask, np.nan)
