"""Per-pupil amounts by school and by district, from a school finance file.

:func:`school_table` turns the partner's file into one standard table (one row per school
and year) with spending per pupil and per need-weighted pupil, need shares, staff per 100
pupils and the other columns the analyses use. :func:`district_table` adds schools up to
districts (per-pupil amounts are ratios of sums, not means of school ratios).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from improve.errors import DataError
from improve.finance.checks import (
    check_district_totals,
    check_enrollment,
    check_need_counts,
    check_scale,
    numeric_column,
)
from improve.finance.spec import DOLLAR_SCALES, FinanceMap, read_finance_table
from improve.finance.weights import NeedWeights

#: Columns of the standard table that identify a row.
ID_COLUMNS = ("school", "district", "year")


def _id_text(values: pd.Series) -> pd.Series:
    """Ids as text; whole numbers stored as floats (``1010.0``) lose the ``.0``."""
    if pd.api.types.is_float_dtype(values):
        whole = values.dropna()
        if bool((whole == whole.round()).all()):
            return values.map(lambda v: "" if pd.isna(v) else str(int(v)))
    return values.astype(str).str.strip()


def _ids(raw: pd.DataFrame, fmap: FinanceMap) -> pd.DataFrame:
    ids = pd.DataFrame(
        {
            "school": _id_text(raw[fmap.school]),
            "district": _id_text(raw[fmap.district]),
            "year": numeric_column(raw, fmap.year, "year").astype("int64") if fmap.year else 0,
        }
    )
    for key in ("school_name", "district_name", "region"):
        column = getattr(fmap, key)
        if column:
            ids[key] = raw[column].astype(str)
    duplicated = ids.duplicated(["school", "year"])
    if duplicated.any():
        rows = ids.loc[duplicated, ["school", "year"]].astype(str).agg(" ".join, axis=1)
        raise DataError(
            f"{int(duplicated.sum())} school rows appear twice for the same year "
            f"(e.g. {', '.join(rows.head(5))}); keep one row per school and year"
        )
    return ids


def _need_counts(raw: pd.DataFrame, fmap: FinanceMap, enrollment: pd.Series) -> pd.DataFrame:
    counts = pd.DataFrame(index=raw.index)
    for need, column in fmap.needs.items():
        counts[need] = numeric_column(raw, column, f"{need} count")
    for need, column in fmap.need_shares.items():
        share = numeric_column(raw, column, f"{need} share")
        if fmap.need_share_scale == "fraction" and share.max() > 1.0:
            raise DataError(
                f"'{column}' ({need} share) goes up to {share.max():g}, so it looks like "
                "percent; add 'need_share_scale: percent' to the column map"
            )
        scale = 100.0 if fmap.need_share_scale == "percent" else 1.0
        counts[need] = share / scale * enrollment
    return counts


def school_table(
    source: str | Path | pd.DataFrame,
    fmap: FinanceMap,
    weights: NeedWeights | None = None,
) -> pd.DataFrame:
    """One standard row per school and year, checked.

    Parameters
    ----------
    source : path, ``dataset:`` source or DataFrame
        The school finance file.
    fmap : FinanceMap
        Its column map.
    weights : NeedWeights, optional
        Need weights (default: :data:`~improve.finance.weights.DEFAULT_NEED_WEIGHTS`).

    Returns
    -------
    pandas.DataFrame
        ``school, district, year`` (0 without a year column), names and region when
        mapped, ``enrollment``, ``spending`` (dollars), ``spending_<source>``,
        ``function_<name>``, ``n_<need>``, ``<need>_share``, ``weighted_pupils``,
        ``per_pupil``, ``per_weighted_pupil``, ``property_wealth``, ``formula_per_pupil``,
        ``<staff>_per_100``, staff averages and outcomes.

    Raises
    ------
    improve.errors.DataError
        See :mod:`improve.finance.checks`.
    """
    weights = weights or NeedWeights()
    raw = read_finance_table(source, fmap).reset_index(drop=True)
    table = _ids(raw, fmap)
    enrollment = numeric_column(raw, fmap.enrollment, "enrollment")
    check_enrollment(enrollment, table["school"], fmap.enrollment)
    table["enrollment"] = enrollment
    scale = DOLLAR_SCALES[fmap.dollars]
    parts = {k: numeric_column(raw, c, f"{k} spending") * scale for k, c in fmap.spending.items()}
    for name, values in parts.items():
        if values.isna().any():
            raise DataError(
                f"spending column '{fmap.spending[name]}' is missing for "
                f"{int(values.isna().sum())} rows; fill it (0 when there was none)"
            )
        table[f"spending_{name}"] = values
    table["spending"] = sum(parts.values())
    for name, column in fmap.functions.items():
        table[f"function_{name}"] = numeric_column(raw, column, f"{name} spending") * scale
    table["per_pupil"] = table["spending"] / enrollment
    check_scale(table["per_pupil"], enrollment, fmap.dollars)
    counts = _need_counts(raw, fmap, enrollment)
    check_need_counts(counts, enrollment, table["school"], {**fmap.needs, **fmap.need_shares})
    for need in counts.columns:
        table[f"n_{need}"] = counts[need]
        table[f"{need}_share"] = counts[need] / enrollment
    table["weighted_pupils"] = weights.weighted_pupils(enrollment, counts)
    table["per_weighted_pupil"] = table["spending"] / table["weighted_pupils"]
    _optional_columns(table, raw, fmap, scale)
    if fmap.district_total:
        reported = numeric_column(raw, fmap.district_total, "district total") * scale
        check_district_totals(table, reported, fmap.district_total, ["district", "year"])
    return table.sort_values(["year", "district", "school"], kind="stable").reset_index(drop=True)


def _optional_columns(
    table: pd.DataFrame, raw: pd.DataFrame, fmap: FinanceMap, scale: float
) -> None:
    if fmap.property_wealth:
        table["property_wealth"] = numeric_column(raw, fmap.property_wealth, "property wealth")
    if fmap.formula_funding:
        aid = numeric_column(raw, fmap.formula_funding, "formula funding") * scale
        table["formula_per_pupil"] = aid / table["enrollment"]
    for name, column in fmap.staff.items():
        table[f"{name}_per_100"] = numeric_column(raw, column, name) / table["enrollment"] * 100
    for name, column in fmap.staff_averages.items():
        table[name] = numeric_column(raw, column, name)
    for column in fmap.outcomes:
        table[column] = numeric_column(raw, column, "outcome")


def _weighted(frame: pd.DataFrame, column: str) -> float:
    ok = frame[column].notna()
    if not ok.any():
        return float("nan")
    w = frame.loc[ok, "enrollment"].to_numpy(dtype=float)
    return float(np.sum(w * frame.loc[ok, column].to_numpy(dtype=float)) / np.sum(w))


def district_table(schools: pd.DataFrame) -> pd.DataFrame:
    """Schools added up to districts (and years): sums, then per-pupil ratios.

    Shares, property wealth, staff averages and outcomes are enrollment-weighted means of
    the school values.
    """
    sums = [
        c
        for c in schools.columns
        if c == "spending" or c.startswith(("spending_", "function_", "n_"))
    ]
    sums += ["enrollment", "weighted_pupils"]
    means = [c for c in schools.columns if c.endswith(("_share", "_per_100"))]
    means += [c for c in ("property_wealth", "formula_per_pupil") if c in schools.columns]
    extra = [
        c
        for c in schools.columns
        if c not in sums + means
        and c
        not in (
            "school",
            "school_name",
            "district",
            "district_name",
            "year",
            "region",
            "per_pupil",
            "per_weighted_pupil",
        )
    ]
    keys = ["district", "year"]
    rows = []
    for (district, year), frame in schools.groupby(keys, sort=True):
        row: dict[str, object] = {"district": district, "year": year, "schools": len(frame)}
        for name in ("district_name", "region"):
            if name in frame.columns:
                row[name] = frame[name].iloc[0]
        row.update({c: float(frame[c].sum()) for c in sums})
        row.update({c: _weighted(frame, c) for c in means + extra})
        rows.append(row)
    table = pd.DataFrame(rows)
    table["per_pupil"] = table["spending"] / table["enrollment"]
    table["per_weighted_pupil"] = table["spending"] / table["weighted_pupils"]
    return table
