"""Descriptive summaries of a panel: the data check every evaluation starts with.

These compute tables only; :mod:`improve.report.figures` draws them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from improve.data.lazy import LazyPanel
from improve.data.load import Panel
from improve.errors import SpecError

NOT_YET_TREATED = 0
TREATED = 1
NEVER_TREATED = 2
NOT_OBSERVED = -1
STATUS_LABELS: dict[int, str] = {
    NOT_OBSERVED: "no data",
    NOT_YET_TREATED: "not yet treated",
    TREATED: "treated",
    NEVER_TREATED: "never treated",
}


def cohort_label(cohort: int) -> str:
    """Human label for a first-treated period (0 = never treated)."""
    return "Never treated" if int(cohort) == 0 else f"First treated {int(cohort)}"


def _require_timing(panel: Panel | LazyPanel) -> str:
    if panel.spec.cohort is None:
        raise SpecError(
            "this analysis needs treatment timing: map 'cohort' (first treated year) or "
            "'treatment' (0/1) in the column map"
        )
    return panel.spec.cohort


def unit_level(panel: Panel) -> pd.DataFrame:
    """One row per unit × period (subgroup rows collapsed to their first row)."""
    spec = panel.spec
    data = panel.data
    if spec.subgroups:
        data = data.drop_duplicates([spec.unit, spec.time])
    return data


def treatment_status_matrix(panel: Panel) -> pd.DataFrame:
    """Units × periods matrix of treatment status, units sorted by cohort.

    Values are :data:`NOT_YET_TREATED`, :data:`TREATED`, :data:`NEVER_TREATED` or
    :data:`NOT_OBSERVED`. The index is a position (1..n), never the unit id, so the matrix
    can be shown without identifying units; the ``cohort`` of each row is in
    ``matrix.attrs["cohort"]``. Gap periods are included as all-``NOT_OBSERVED`` columns.
    """
    cohort_col = _require_timing(panel)
    spec = panel.spec
    data = unit_level(panel)
    periods = panel.periods
    all_periods = list(range(periods[0], periods[-1] + 1)) if periods else []
    cohorts = data.groupby(spec.unit, observed=True)[cohort_col].first()
    cohort_order = cohorts.replace(0, np.iinfo(np.int64).max).sort_values(kind="stable")
    units = cohort_order.index.to_numpy()
    unit_pos = pd.Index(units).get_indexer(data[spec.unit])
    time_pos = pd.Index(all_periods).get_indexer(data[spec.time])
    status = np.full((len(units), len(all_periods)), NOT_OBSERVED, dtype=np.int8)
    unit_cohort = cohorts.loc[units].to_numpy()
    row_cohort = unit_cohort[unit_pos]
    row_time = data[spec.time].to_numpy()
    value = np.where(
        row_cohort == 0,
        NEVER_TREATED,
        np.where(row_time >= row_cohort, TREATED, NOT_YET_TREATED),
    )
    status[unit_pos, time_pos] = value
    matrix = pd.DataFrame(
        status,
        index=pd.RangeIndex(1, len(units) + 1, name="unit"),
        columns=pd.Index(all_periods, name=spec.time),
    )
    matrix.attrs["cohort"] = [int(c) for c in unit_cohort]
    return matrix


def cohort_sizes(panel: Panel) -> pd.DataFrame:
    """Units per cohort, with the first and last period each cohort is observed."""
    cohort_col = _require_timing(panel)
    spec = panel.spec
    data = unit_level(panel)
    grouped = data.groupby(cohort_col, observed=True)
    table = pd.DataFrame(
        {
            "units": grouped[spec.unit].nunique(),
            "rows": grouped.size(),
            "first_period": grouped[spec.time].min(),
            "last_period": grouped[spec.time].max(),
        }
    )
    table.index.name = "cohort"
    table = table.reset_index()
    table.insert(1, "label", [cohort_label(c) for c in table["cohort"]])
    table["share_of_units"] = table["units"] / table["units"].sum()
    never_last = table["cohort"] == 0
    return pd.concat([table[~never_last], table[never_last]], ignore_index=True)


def outcome_trends(panel: Panel | LazyPanel, outcome: str) -> pd.DataFrame:
    """Mean outcome by cohort and period (long form), with gap periods as NaN rows.

    Columns: ``cohort, label, period, mean, std, n_units``. ``n_units`` counts units with a
    published value, so small cells can be suppressed before display. A :class:`LazyPanel`
    is summarised in its engine by one ``GROUP BY`` query (same table).
    """
    cohort_col = _require_timing(panel)
    spec = panel.spec
    if isinstance(panel, LazyPanel):
        return _lazy_outcome_trends(panel, outcome, cohort_col)
    if outcome not in panel.data.columns:
        raise SpecError(f"outcome '{outcome}' is not in the panel; it has {list(spec.outcomes)}")
    data = unit_level(panel)
    grouped = data.groupby([cohort_col, spec.time], observed=True)[outcome]
    stats = grouped.agg(["mean", "std", "count"]).rename(columns={"count": "n_units"})
    return _trends_table(stats, sorted(data[cohort_col].unique()), panel.periods)


def _lazy_outcome_trends(panel: LazyPanel, outcome: str, cohort_col: str) -> pd.DataFrame:
    """:func:`outcome_trends` computed in the panel's engine (one GROUP BY query)."""
    spec = panel.spec
    if outcome not in spec.outcomes:
        raise SpecError(f"outcome '{outcome}' is not in the panel; it has {list(spec.outcomes)}")
    if spec.subgroups:
        raise SpecError("outcome trends of a lazy panel with subgroup rows are not available")
    y, g, t = (f'"{c}"' for c in (outcome, cohort_col, spec.time))
    stats = panel.query(
        f'SELECT {g} AS "cohort", {t} AS "period", AVG({y}) AS "mean", '
        f'STDDEV_SAMP({y}) AS "std", COUNT({y}) AS "n_units" FROM panel '
        f"GROUP BY {g}, {t} HAVING COUNT({y}) > 0"
    )
    stats = stats.astype({"mean": "float64", "std": "float64"})
    stats = stats.set_index(["cohort", "period"])
    return _trends_table(stats, sorted(panel.report.cohorts), panel.report.periods)


def _trends_table(stats: pd.DataFrame, cohorts: list[int], periods: list[int]) -> pd.DataFrame:
    """Statistics by (cohort, period) on the full grid, gap periods as NaN rows, labelled."""
    all_periods = list(range(periods[0], periods[-1] + 1)) if periods else []
    full = pd.MultiIndex.from_product([cohorts, all_periods], names=["cohort", "period"])
    stats.index = stats.index.set_names(["cohort", "period"])
    stats = stats.reindex(full).reset_index()
    stats["n_units"] = stats["n_units"].fillna(0).astype("int64")
    stats.insert(1, "label", [cohort_label(c) for c in stats["cohort"]])
    return stats


def missingness_table(panel: Panel) -> pd.DataFrame:
    """Per numeric column: cells, published values, missing, and each marker kind."""
    spec = panel.spec
    data = unit_level(panel) if not spec.subgroups else panel.data
    rows = []
    for col in spec.numeric_columns():
        if col not in data.columns or col == spec.cohort:
            continue
        counts = panel.report.markers.get(col, {})
        total = len(data)
        published = int(data[col].notna().sum())
        row = {
            "column": col,
            "cells": total,
            "published": published,
            "not_published": total - published,
            "share_not_published": (total - published) / total if total else np.nan,
        }
        for kind in ("suppressed", "missing", "missing_code", "at_least", "at_most", "range"):
            row[kind] = int(counts.get(kind, 0))
        rows.append(row)
    return pd.DataFrame(rows)


def covariate_balance(
    panel: Panel, covariates: list[str] | None = None, period: int | None = None
) -> pd.DataFrame:
    """Pre-period covariate means by cohort and standardised differences from never-treated.

    Parameters
    ----------
    panel : Panel
    covariates : list of str, optional
        Defaults to the spec's covariates and outcomes.
    period : int, optional
        Baseline period; defaults to the last period before the earliest cohort.

    Returns
    -------
    pandas.DataFrame
        One row per cohort × variable: ``mean``, ``sd``, ``n_units`` and
        ``std_diff_vs_never`` (difference from never-treated in pooled SD units).
    """
    cohort_col = _require_timing(panel)
    spec = panel.spec
    data = unit_level(panel)
    variables = covariates if covariates is not None else [*spec.covariates, *spec.outcomes]
    treated = sorted(c for c in data[cohort_col].unique() if c > 0)
    if period is None:
        earlier = [p for p in panel.periods if not treated or p < treated[0]]
        period = earlier[-1] if earlier else panel.periods[0]
    base = data[data[spec.time] == period]
    rows = []
    for var in variables:
        grouped = base.groupby(cohort_col, observed=True)[var]
        stats = grouped.agg(["mean", "std", "count"])
        never = stats.loc[0] if 0 in stats.index else None
        for cohort, srow in stats.iterrows():
            diff = np.nan
            if never is not None and cohort != 0:
                pooled = np.sqrt((srow["std"] ** 2 + never["std"] ** 2) / 2)
                diff = (srow["mean"] - never["mean"]) / pooled if pooled > 0 else np.nan
            rows.append(
                {
                    "variable": var,
                    "cohort": int(cohort),
                    "label": cohort_label(int(cohort)),
                    "baseline_period": int(period),
                    "mean": srow["mean"],
                    "sd": srow["std"],
                    "n_units": int(srow["count"]),
                    "std_diff_vs_never": diff,
                }
            )
    return pd.DataFrame(rows)
