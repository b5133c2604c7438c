"""Small-cell suppression for every table that shows counts or group results."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from improve._deprecation import DeprecatedAttribute, renamed_keyword

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


def _cell_size(min_cell_size: int | None, *, check: bool = True) -> int:
    """The minimum cell size to apply (the default when not given); with ``check``, at
    least 1."""
    size = DEFAULT_MIN_CELL_SIZE if min_cell_size is None else min_cell_size
    if check and size < 1:
        raise ValueError("min_cell_size must be at least 1")
    return size


def suppress_small_cells(
    table: pd.DataFrame,
    count_column: str,
    min_cell_size: int | None = None,
    value_columns: Iterable[str] | None = None,
    keep_counts: bool = False,
    label_columns: Iterable[str] = LABEL_COLUMNS,
    complementary: bool = False,
    public: bool = False,
    *,
    min_n: int | None = None,
) -> pd.DataFrame:
    """Blank out values whose cell is based on fewer than ``min_cell_size`` units.

    Parameters
    ----------
    table : pandas.DataFrame
        Table with one count column.
    count_column : str
        Column holding the number of units behind each row.
    min_cell_size : int, optional
        Minimum cell size (default 10); rows with ``0 < count < min_cell_size`` are
        suppressed.
    value_columns : iterable of str, optional
        Columns to blank; defaults to every numeric column except the count and the
        label columns.
    keep_counts : bool
        Keep the small counts themselves (by default they are blanked too).
    label_columns : iterable of str
        Columns that identify the cell (cohort, period, ...), left as they are.
    complementary : bool
        The rows' counts add up to a published total (e.g. units per cohort): when exactly
        one row is suppressed, also suppress the row with the next smallest count, so the
        hidden count cannot be recovered by subtraction.
    public : bool
        The table holds only counts of units the column map declares public
        (``public_counts: [units]``, e.g. states per cohort): nothing is blanked. Pass
        ``panel.spec.counts_public("units")``; never for tables of values computed from
        the units (means, effects), which stay suppressed.
    min_n : int, optional
        Deprecated name of ``min_cell_size``.

    Returns
    -------
    pandas.DataFrame
        A copy with suppressed cells set to NaN and a boolean ``suppressed`` column.
    """
    size = _cell_size(renamed_keyword(min_cell_size, min_n, "min_n", "min_cell_size"))
    out = table.copy()
    counts = out[count_column].astype("float64")
    small = (counts > 0) & (counts < size) & pd.Series(not public, index=out.index)
    if complementary and int(small.sum()) == 1:
        others = counts.where(~small & (counts > 0))
        if others.notna().any():
            small = small | (counts.index == others.idxmin())
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


# --------------------------------------------------------------------------------------
# Complementary suppression, top/bottom coding and table notes
# --------------------------------------------------------------------------------------

COMPLEMENTARY_NOTE = (
    "Further cells are suppressed so that suppressed values cannot be recovered from totals."
)
CODED_NOTE = "Percentages below {low:g}% are shown as <{low:g}% and above {high:g}% as >{high:g}%."


def suppression_note(
    min_cell_size: int | None = None,
    *,
    complementary: bool = False,
    coded: tuple[float, float] | None = None,
    min_n: int | None = None,
) -> str:
    """The note printed under a suppressed table.

    Parameters
    ----------
    min_cell_size : int, optional
        Minimum cell size used (default 10); ``min_n`` is its deprecated name.
    complementary : bool
        Mention complementary suppression.
    coded : (low, high), optional
        Percent thresholds of top/bottom coding, if applied.
    """
    size = renamed_keyword(min_cell_size, min_n, "min_n", "min_cell_size")
    parts = [SUPPRESSED_NOTE.format(n=DEFAULT_MIN_CELL_SIZE if size is None else size)]
    if complementary:
        parts.append(COMPLEMENTARY_NOTE)
    if coded is not None:
        parts.append(CODED_NOTE.format(low=coded[0], high=coded[1]))
    return " ".join(parts)


@dataclass(frozen=True)
class SuppressedTable:
    """A count table after primary and complementary suppression.

    Attributes
    ----------
    table : pandas.DataFrame
        The counts with every suppressed cell missing (``<NA>``); ``attrs["note"]`` holds
        the note to print with it.
    primary : pandas.DataFrame
        Boolean mask of cells suppressed because ``0 < count < min_cell_size``.
    complementary : pandas.DataFrame
        Boolean mask of the further cells suppressed to protect them.
    min_cell_size : int
        The minimum cell size used (deprecated name ``min_n``).
    note : str
        The visible note for the table.
    """

    table: pd.DataFrame
    primary: pd.DataFrame
    complementary: pd.DataFrame
    min_cell_size: int
    note: str

    min_n = DeprecatedAttribute("min_cell_size")

    @property
    def mask(self) -> pd.DataFrame:
        """All suppressed cells."""
        return self.primary | self.complementary

    def display(self, marker: str = "") -> pd.DataFrame:
        """Strings for publication: counts, with ``marker`` (blank by default) in suppressed
        cells; the note (naming the marker) is in ``attrs["note"]``."""
        shown = self.table.astype("object").where(~self.mask, marker)
        shown = shown.map(lambda v: v if isinstance(v, str) else f"{int(v)}")
        note = self.note
        if marker:
            note = note.replace("(shown as blank)", f"(shown as {marker})")
        shown.attrs["note"] = note
        return shown


def _equations(
    shape: tuple[int, int],
    row_total: int | None,
    col_total: int | None,
    row_groups: list[list[int]],
    col_groups: list[list[int]],
    totals_known: bool,
) -> list[tuple[list[int], int | None]]:
    """Additivity constraints as (member cells, total cell or None for a known total)."""
    n_rows, n_cols = shape
    eqs: list[tuple[list[int], int | None]] = []

    def flat(r: int, c: int) -> int:
        return r * n_cols + c

    # rows of a group add up, column by column, to the total row
    if row_total is not None or totals_known:
        for c in range(n_cols):
            for group in row_groups:
                members = [flat(r, c) for r in group]
                total = flat(row_total, c) if row_total is not None else None
                eqs.append((members, total))
    if col_total is not None or totals_known:
        for r in range(n_rows):
            for group in col_groups:
                members = [flat(r, c) for c in group]
                total = flat(r, col_total) if col_total is not None else None
                eqs.append((members, total))
    return [(m, t) for m, t in eqs if len(m) + (t is not None) >= 2]


def _recoverable(values: np.ndarray, mask: np.ndarray, eqs: list) -> list[int]:
    """Suppressed cells whose value is determined by the additivity constraints."""
    hidden = np.flatnonzero(mask)
    if hidden.size == 0:
        return []
    pos = {cell: j for j, cell in enumerate(hidden)}
    rows = []
    for members, total in eqs:
        coef = np.zeros(hidden.size)
        for cell in members:
            if cell in pos:
                coef[pos[cell]] += 1.0
        if total is not None and total in pos:
            coef[pos[total]] -= 1.0
        if coef.any():
            rows.append(coef)
    if not rows:
        return []
    a = np.vstack(rows)
    rank = np.linalg.matrix_rank(a)
    out = []
    for j, cell in enumerate(hidden):
        unit = np.zeros(hidden.size)
        unit[j] = 1.0
        if np.linalg.matrix_rank(np.vstack([a, unit])) == rank:
            out.append(int(cell))
    return out


def _pick(values: np.ndarray, mask: np.ndarray, candidates: list[int]) -> int | None:
    """Smallest unsuppressed candidate, preferring non-zero cells; ties by position."""
    free = [c for c in candidates if not mask[c]]
    if not free:
        return None
    return min(free, key=lambda c: (values[c] == 0, values[c], c))


def suppress_table(
    counts: pd.DataFrame,
    min_cell_size: int | None = None,
    *,
    min_n: int | None = None,
    row_total: object | None = None,
    col_total: object | None = None,
    row_groups: Iterable[Iterable[object]] | None = None,
    col_groups: Iterable[Iterable[object]] | None = None,
    totals_known: bool = True,
    suppress_zeros: bool = False,
) -> SuppressedTable:
    """Primary and complementary suppression of a two-way table of counts.

    Primary suppression blanks every cell with ``0 < count < min_cell_size``. Complementary
    suppression then protects those cells from recovery by subtraction: whenever a
    row, column or subgroup family has exactly one suppressed cell among its members and
    its total, the smallest other cell of that line (non-zero cells first) is suppressed
    too; this is repeated until nothing changes, and a final linear-algebra check
    suppresses further cells until no suppressed value is determined by the totals.

    Parameters
    ----------
    counts : pandas.DataFrame
        Counts, e.g. subgroups (rows) by schools (columns). May contain a total row
        and/or total column.
    min_cell_size : int, optional
        Minimum cell size (default 10); ``min_n`` is its deprecated name.
    row_total, col_total : label, optional
        Index label of the total row (e.g. ``"all_students"``) and column label of the
        total column, when the table shows them.
    row_groups, col_groups : iterable of iterables of labels, optional
        Families of rows (columns) that add up to the total, e.g.
        ``[["female", "male"], ["frl", "not_frl"]]``; default: every non-total row
        (column) forms one family.
    totals_known : bool
        When the table has no total row (column), treat the sums as published elsewhere
        and protect against subtraction from them anyway (the safe default).
    suppress_zeros : bool
        Also suppress zero counts as primary cells (by default zeros are shown).

    Returns
    -------
    SuppressedTable
    """
    size = _cell_size(renamed_keyword(min_cell_size, min_n, "min_n", "min_cell_size"))
    if counts.empty:
        raise ValueError("the count table is empty")
    values_df = counts.apply(pd.to_numeric, errors="coerce")
    if values_df.isna().any().any():
        bad = [str(c) for c in values_df.columns if values_df[c].isna().any()]
        raise ValueError(
            f"suppress_table needs complete counts; columns {bad} have missing or non-numeric "
            "values (fill structural zeros with 0)"
        )
    values = values_df.to_numpy(dtype="float64")
    if (values < 0).any():
        raise ValueError("counts must be >= 0")
    n_rows, n_cols = values.shape
    index, columns = list(counts.index), list(counts.columns)

    def locate(labels: list, label: object, what: str) -> int:
        if label not in labels:
            raise ValueError(f"{what} {label!r} is not in the table; give a label it has")
        return labels.index(label)

    r_tot = None if row_total is None else locate(index, row_total, "row_total")
    c_tot = None if col_total is None else locate(columns, col_total, "col_total")
    if row_groups is None:
        r_groups = [[r for r in range(n_rows) if r != r_tot]]
    else:
        r_groups = [[locate(index, lab, "row") for lab in g] for g in row_groups]
    if col_groups is None:
        c_groups = [[c for c in range(n_cols) if c != c_tot]]
    else:
        c_groups = [[locate(columns, lab, "column") for lab in g] for g in col_groups]
    eqs = _equations(values.shape, r_tot, c_tot, r_groups, c_groups, totals_known)

    flat = values.ravel()
    primary = (flat < size) & ((flat > 0) | suppress_zeros)
    mask = primary.copy()
    while True:
        changed = False
        for members, total in eqs:
            cells = members + ([total] if total is not None else [])
            if int(mask[cells].sum()) == 1:
                pick = _pick(flat, mask, cells)
                if pick is not None:
                    mask[pick] = True
                    changed = True
        if changed:
            continue
        exposed = _recoverable(flat, mask, eqs)
        if not exposed:
            break
        for cell in exposed:  # protect the first exposed cell that can be, then re-check
            lines = [m + ([t] if t is not None else []) for m, t in eqs]
            lines = [cells for cells in lines if cell in cells]
            picks = [p for cells in lines if (p := _pick(flat, mask, cells)) is not None]
            if picks:
                mask[min(picks, key=lambda c: (flat[c] == 0, flat[c], c))] = True
                changed = True
                break
        if not changed:  # nothing left to suppress: every line is already hidden
            break

    shape = values.shape
    prim_df = pd.DataFrame(primary.reshape(shape), index=counts.index, columns=counts.columns)
    comp_df = pd.DataFrame(
        (mask & ~primary).reshape(shape), index=counts.index, columns=counts.columns
    )
    out = values_df.round().astype("Int64").mask(prim_df | comp_df, pd.NA)
    note = suppression_note(size, complementary=bool(comp_df.to_numpy().any()))
    out.attrs["note"] = note
    return SuppressedTable(out, prim_df, comp_df, int(size), note)


def recoverable_cells(
    counts: pd.DataFrame,
    mask: pd.DataFrame,
    *,
    row_total: object | None = None,
    col_total: object | None = None,
    row_groups: Iterable[Iterable[object]] | None = None,
    col_groups: Iterable[Iterable[object]] | None = None,
    totals_known: bool = True,
) -> list[tuple[object, object]]:
    """Suppressed cells (row, column) whose value can be recovered from the totals.

    An audit for any suppression pattern: a cell is recoverable when the additivity
    constraints (rows of a family add up to the total row, columns to the total column)
    determine its value exactly. An empty list means no suppressed value can be
    recovered by subtraction or by combining equations.
    """
    index, columns = list(counts.index), list(counts.columns)
    r_tot = None if row_total is None else index.index(row_total)
    c_tot = None if col_total is None else columns.index(col_total)
    r_groups = (
        [[r for r in range(len(index)) if r != r_tot]]
        if row_groups is None
        else [[index.index(lab) for lab in g] for g in row_groups]
    )
    c_groups = (
        [[c for c in range(len(columns)) if c != c_tot]]
        if col_groups is None
        else [[columns.index(lab) for lab in g] for g in col_groups]
    )
    eqs = _equations(counts.shape, r_tot, c_tot, r_groups, c_groups, totals_known)
    values = counts.to_numpy(dtype="float64").ravel()
    cells = _recoverable(values, mask.to_numpy(dtype=bool).ravel(), eqs)
    n_cols = len(columns)
    return [(index[c // n_cols], columns[c % n_cols]) for c in cells]


def top_bottom_code(
    table: pd.DataFrame,
    columns: Iterable[str],
    low: float = 5.0,
    high: float = 95.0,
    *,
    proportion: bool = False,
    decimals: int = 0,
) -> pd.DataFrame:
    """Top/bottom code percentages for publication: ``<5%`` and ``>95%``.

    Parameters
    ----------
    table : pandas.DataFrame
    columns : iterable of str
        Percentage columns to code (turned into display strings).
    low, high : float
        Percent thresholds (default 5 and 95).
    proportion : bool
        The columns hold proportions (0-1) rather than percents (0-100).
    decimals : int
        Decimals shown for values that are not coded.

    Returns
    -------
    pandas.DataFrame
        A copy with the columns as strings (missing stays missing) and the note in
        ``attrs["note"]``.
    """
    if not 0 <= low < high <= 100:
        raise ValueError(f"need 0 <= low < high <= 100, got low={low}, high={high}")
    out = table.copy()
    scale = 100.0 if proportion else 1.0
    for col in columns:
        if col not in out.columns:
            raise ValueError(f"column {col!r} is not in the table")
        pct = pd.to_numeric(out[col], errors="coerce").astype("float64") * scale

        def fmt(v: float) -> object:
            if not np.isfinite(v):
                return pd.NA
            if v < low:
                return f"<{low:g}%"
            if v > high:
                return f">{high:g}%"
            return f"{v:.{decimals}f}%"

        out[col] = pct.map(fmt).astype("object")
    previous = table.attrs.get("note")
    coded = CODED_NOTE.format(low=low, high=high)
    out.attrs["note"] = f"{previous} {coded}" if previous else coded
    return out


def suppress_counts(
    counts: dict[Any, int],
    min_cell_size: int | None = None,
    *,
    public: bool = False,
    min_n: int | None = None,
) -> dict[Any, Any]:
    """Counts that add up to a published total, with small ones shown as ``"<10"``.

    Primary suppression replaces every count with ``0 < count < min_cell_size`` (default
    10; ``min_n`` is its deprecated name). Because the total
    is published elsewhere (the number of units), a single suppressed count could be
    recovered by subtraction, so the smallest remaining count is suppressed as well
    (complementary suppression). Counts declared public (``public=True``, from the column
    map's ``public_counts: [units]``) are returned unchanged.
    """
    size = _cell_size(renamed_keyword(min_cell_size, min_n, "min_n", "min_cell_size"), check=False)
    out: dict[Any, Any] = dict(counts)
    if public:
        return out
    small = [k for k, v in counts.items() if 0 < v < size]
    if len(small) == 1:
        others = sorted((v, str(k), k) for k, v in counts.items() if k not in small and v > 0)
        if others:
            small.append(others[0][2])
    for key in small:
        out[key] = f"<{size}" if counts[key] < size else "suppressed"
    return out


def publishable_load_report(
    report: Any,
    min_cell_size: int | None = None,
    *,
    public: bool | None = None,
    data_dir: str | Path | None = None,
    min_n: int | None = None,
) -> Any:
    """A copy of a :class:`~improve.data.LoadReport` safe to show.

    Small cohort counts are hidden and the source is shown without local folders (relative
    to ``data_dir``, else as a file name).

    Parameters
    ----------
    report : LoadReport
    min_cell_size : int, optional
        Minimum cell size (default 10); ``min_n`` is its deprecated name.
    public : bool, optional
        Cohort counts are counts of public units and stay shown; by default taken from the
        report (``"units"`` in ``report.public_counts``, from the column map).
    data_dir : str or Path, optional
        The data folder the source is shown relative to.
    """
    size = _cell_size(renamed_keyword(min_cell_size, min_n, "min_n", "min_cell_size"), check=False)
    if public is None:
        public = "units" in tuple(getattr(report, "public_counts", ()) or ())
    changes: dict[str, Any] = {"cohorts": suppress_counts(report.cohorts, size, public=public)}
    if hasattr(report, "source_label"):
        changes["source"] = report.source_label(data_dir)
    return replace(report, **changes)
