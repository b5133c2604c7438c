"""Group-time preparation of :func:`improve.did.att_gt`: from a long frame to numpy arrays.

Columns are read as floats, incomplete rows dropped, periods and cohorts listed (cohorts
treated in the first period or after the last are handled as R ``did`` does), units
factorised and checked (balanced panel, constant cohort, clusters nesting units) and the
outcomes laid out for the cell estimators: a periods x units matrix for balanced panels,
row arrays for repeated cross-sections and unbalanced panels. A panel already sorted by a
numeric unit id with the same periods in every unit (the usual layout) skips factorising.

Warnings are raised with the stack level of the caller of ``att_gt``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from improve._warn import warn_at_caller
from improve.data.columns import Columns
from improve.errors import DataError, EstimationError, SpecError

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

#: Raised when no cohort starts after the first period (in memory and on engines).
NO_TREATED_COHORT = (
    "no treated cohort can be estimated; the cohort column must hold the first treated "
    "period (0 or empty for never treated) and some cohort must start after the first period"
)


def number_label(v: float) -> str:
    """A period or cohort as text: ``2004`` rather than ``2004.0``."""
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def sorted_unique(v: FloatArray) -> FloatArray:
    """Sorted unique values (hash-based, faster than ``np.unique`` on long columns)."""
    return np.sort(pd.unique(v))


@dataclass
class Prepared:
    """The arrays the ATT(g,t) cells are estimated from."""

    panel: bool  # True: balanced-panel estimators; False: RC estimators
    unbalanced: bool
    n: int
    tlist: FloatArray
    glist: FloatArray
    n_cov: int
    uniform_weights: bool
    # unit level (length n)
    unit_cohort: FloatArray
    unit_weight: FloatArray
    cluster_codes: IntArray | None
    n_clusters: int
    cluster_name: str | None
    # balanced panel
    y_mat: FloatArray | None = None  # (T, n): one contiguous row per period
    x_per: FloatArray | None = None  # (T, n, k) or (1, n, k) if time-invariant
    # row level (RC / unbalanced)
    y_row: FloatArray | None = None
    per_row: IntArray | None = None
    cohort_row: FloatArray | None = None
    w_row: FloatArray | None = None
    x_row: FloatArray | None = None
    unit_row: IntArray | None = None
    # without covariates the rows are sorted by period: period p is rows
    # period_bounds[p]:period_bounds[p + 1]
    period_bounds: IntArray | None = None


@dataclass
class _Rows:
    """Row-level columns, filtered together."""

    time: FloatArray
    cohort: FloatArray
    y: FloatArray
    x: FloatArray  # intercept first, then covariates
    w: FloatArray
    unit: Any  # raw unit ids or None
    cluster: IntArray | None  # sorted cluster codes (-1: missing) or None
    # periods per unit if the rows are a tidy balanced panel (see _tidy_periods); else 0
    tidy_t: int = 0

    def keep(self, mask: NDArray[np.bool_]) -> None:
        """Keep the rows in ``mask`` (the rows are then no longer known to be tidy)."""
        self.tidy_t = 0
        self.time, self.cohort, self.y, self.x, self.w = (
            self.time[mask],
            self.cohort[mask],
            self.y[mask],
            self.x[mask],
            self.w[mask],
        )
        if self.unit is not None:
            self.unit = self.unit[mask]
        if self.cluster is not None:
            self.cluster = self.cluster[mask]


@dataclass
class _Units:
    """Unit codes of the rows and the row of each unit's first observed period."""

    codes: IntArray
    n: int
    first_idx: IntArray
    tidy: bool
    balanced: bool
    unbalanced: bool
    per_v: IntArray


def prepare(
    df: pd.DataFrame,
    names: Columns,
    control_group: str,
    anticipation: int,
    panel: bool,
    allow_unbalanced: bool,
) -> Prepared:
    """Arrays of the ATT(g,t) estimation (see the module docstring).

    Raises
    ------
    DataError, SpecError, EstimationError
        Non-numeric or inconsistent columns, nothing left to estimate.
    """
    cluster_name = names.cluster
    if cluster_name is not None and cluster_name == names.unit and panel:
        cluster_name = None
    rows, n_cov = _read_rows(df, names, cluster_name)
    tlist, glist = _periods_and_cohorts(rows, control_group, anticipation, panel)
    n_periods = tlist.size
    # period index of each row (not needed for a tidy balanced panel)
    per_v = np.empty(0, dtype=np.intp) if rows.tidy_t else np.searchsorted(tlist, rows.time)
    if panel:
        units = _panel_units(rows, names, per_v, n_periods, allow_unbalanced)
    else:
        codes = np.arange(rows.time.size, dtype=np.intp)
        units = _Units(codes, codes.size, codes, False, False, False, per_v)
    if not units.tidy:
        _check_group_sizes(rows.cohort, n_periods, n_cov, control_group)
    unit_cohort = rows.cohort[units.first_idx]
    if units.tidy:  # balanced: rows per cohort / periods = units per cohort
        _check_group_sizes(unit_cohort, 1, n_cov, control_group)
    if units.unbalanced:
        # R aggregates the data by unit with a mean before computing group shares
        unit_weight = np.bincount(units.codes, weights=rows.w, minlength=units.n) / np.bincount(
            units.codes, minlength=units.n
        )
    else:
        unit_weight = rows.w[units.first_idx]
    cluster_codes, n_clusters = _unit_clusters(rows, units, panel, cluster_name)
    prep = Prepared(
        panel=panel and not units.unbalanced,
        unbalanced=units.unbalanced,
        n=units.n,
        tlist=tlist,
        glist=glist,
        n_cov=n_cov,
        uniform_weights=names.weights is None or bool(np.all(rows.w == rows.w[0])),
        unit_cohort=unit_cohort,
        unit_weight=unit_weight,
        cluster_codes=cluster_codes,
        n_clusters=n_clusters,
        cluster_name=cluster_name,
    )
    _lay_out_outcomes(prep, rows, units, n_periods)
    return prep


def _to_float(s: pd.Series, name: str, role: str) -> FloatArray:
    try:
        out = pd.to_numeric(s, errors="raise")
    except (ValueError, TypeError) as exc:
        raise DataError(
            f"{role} column '{name}' must be numeric; recode it (e.g. school year 2018-19 -> 2019)"
        ) from exc
    return np.asarray(out.to_numpy(dtype=float, na_value=np.nan), dtype=float)


def _covariate_matrix(df: pd.DataFrame, covariates: list[str]) -> tuple[FloatArray, list[str]]:
    """Intercept plus covariates; text/categorical covariates become 0/1 dummies."""
    n = len(df)
    cols = [np.ones(n)]
    labels = ["(Intercept)"]
    for c in covariates:
        s = df[c]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            cols.append(np.asarray(s.to_numpy(dtype=float, na_value=np.nan), dtype=float))
            labels.append(c)
        else:
            dummies = pd.get_dummies(s.astype("string"), prefix=c, drop_first=True, dtype=float)
            for dc in dummies.columns:
                cols.append(dummies[dc].to_numpy(dtype=float))
                labels.append(str(dc))
    return np.column_stack(cols), labels


def _cluster_codes(column: pd.Series) -> IntArray:
    """Sorted codes of a cluster column, -1 where it is missing (factorised once, in the
    column's own dtype: no object copy of millions of text ids)."""
    return np.asarray(pd.factorize(column, sort=True)[0], dtype=np.intp)


def _read_rows(df: pd.DataFrame, names: Columns, cluster_name: str | None) -> tuple[_Rows, int]:
    """The columns as arrays without incomplete rows, weights normalised to mean 1; and the
    number of covariate columns (after expanding text covariates)."""
    n_rows0 = len(df)
    time_v = _to_float(df[names.time], names.time, "time")
    cohort_v = _to_float(df[names.cohort], names.cohort, "cohort")
    y_v = _to_float(df[names.outcome], names.outcome, "outcome")
    x_v, x_labels = _covariate_matrix(df, names.covariates)
    w_v = (
        _to_float(df[names.weights], names.weights, "weight")
        if names.weights is not None
        else np.ones(n_rows0)
    )
    rows = _Rows(
        time=time_v,
        cohort=np.where(np.isnan(cohort_v), 0.0, cohort_v),
        y=y_v,
        x=x_v,
        w=w_v,
        unit=df[names.unit].to_numpy() if names.unit is not None else None,
        cluster=_cluster_codes(df[cluster_name]) if cluster_name is not None else None,
    )
    ok = np.isfinite(rows.time) & np.isfinite(rows.y)
    for j in range(1, rows.x.shape[1]):  # column 0 is the intercept
        ok &= np.isfinite(rows.x[:, j])
    if names.weights is not None:
        ok &= np.isfinite(rows.w)
    if rows.unit is not None:
        ok &= ~pd.isna(rows.unit)
    if rows.cluster is not None:
        ok &= rows.cluster >= 0
    n_bad = 0 if ok.all() else int((~ok).sum())
    if n_bad:
        warn_at_caller(
            f"dropped {n_bad} of {n_rows0} rows with missing outcome, time, covariates, "
            "weight, unit or cluster",
        )
    if names.weights is not None and np.any(rows.w[ok] < 0):
        raise DataError(
            f"weight column '{names.weights}' has negative values; weights must be >= 0"
        )
    if n_bad:
        rows.keep(ok)
    if rows.time.size == 0:
        raise DataError("no rows left after dropping rows with missing values")
    if names.weights is not None:
        rows.w = rows.w / rows.w.mean()
    return rows, len(x_labels) - 1


def _periods_and_cohorts(
    rows: _Rows, control_group: str, anticipation: int, panel: bool
) -> tuple[FloatArray, FloatArray]:
    """Sorted periods and estimable cohorts, as R ``did``.

    Cohorts after the last period count as never treated; without never-treated units the
    last cohort becomes the comparison group (periods from it on are dropped); units
    treated in the first period are dropped with a warning.
    """
    if panel and rows.unit is not None:
        rows.tidy_t = _tidy_periods(rows.unit, rows.time, rows.cohort)
    tidy_t = rows.tidy_t
    tlist = rows.time[:tidy_t].copy() if tidy_t else sorted_unique(rows.time)
    rows.cohort = np.where(rows.cohort > tlist.max(), 0.0, rows.cohort)
    glist = sorted_unique(rows.cohort[::tidy_t] if tidy_t else rows.cohort)

    if not np.any(glist == 0):
        if control_group == "nevertreated":
            raise EstimationError(
                "there are no never-treated units to compare with (cohort 0 or missing); "
                "use control_group='notyettreated' to compare with units not yet treated"
            )
        gmax = glist.max()
        rows.keep(rows.time < gmax - anticipation)
        tlist = sorted_unique(rows.time)
        glist = sorted_unique(rows.cohort)
        glist = glist[glist < gmax]
    if tlist.size < 2:
        raise EstimationError("fewer than two time periods remain; DiD needs at least two")

    first = tlist[0]
    glist = glist[(glist > 0) & (glist > first + anticipation)]
    treated_first = (rows.cohort <= first) & (rows.cohort != 0)
    if np.any(treated_first):
        if panel and rows.unit is not None:
            n_first = int(pd.unique(rows.unit[treated_first]).size)
        else:
            n_first = int(treated_first.sum())
        what = "units" if panel else "observations"
        warn_at_caller(
            f"dropped {n_first} {what} already treated in the first period "
            f"({number_label(first)}); their effect cannot be identified without a "
            "pre-treatment period (as R did)",
        )
        rows.keep(np.isin(rows.cohort, np.concatenate([[0.0], glist])))
        tlist = sorted_unique(rows.time)
        glist = sorted_unique(rows.cohort)
        glist = glist[(glist > 0) & (glist > tlist[0] + anticipation)]
    if glist.size == 0:
        raise EstimationError(NO_TREATED_COHORT)
    return tlist, glist


def _panel_units(
    rows: _Rows, names: Columns, per_v: IntArray, n_periods: int, allow_unbalanced: bool
) -> _Units:
    """Unit codes of a panel; units not observed in every period are dropped (with a
    warning) unless ``allow_unbalanced``."""
    if rows.unit is None:
        raise SpecError("panel data need a unit column: pass unit='...' (or panel=False)")
    if rows.tidy_t:  # sorted by unit then period, every period once: no factorising needed
        n_u = rows.time.size // n_periods
        # unit of each row: only the cluster check needs it
        codes = (
            np.repeat(np.arange(n_u, dtype=np.intp), n_periods)
            if rows.cluster is not None
            else np.empty(0, dtype=np.intp)
        )
        first_idx = np.arange(0, rows.time.size, n_periods, dtype=np.intp)
        return _Units(codes, n_u, first_idx, True, True, False, per_v)
    codes, first_idx, counts = _factorised_units(rows, names, per_v, n_periods)
    n_u = int(codes.max()) + 1
    balanced = bool(np.all(counts == n_periods))
    if balanced or allow_unbalanced:
        return _Units(codes, n_u, first_idx, False, balanced, not balanced, per_v)
    n_drop = int((counts < n_periods).sum())
    warn_at_caller(
        f"dropped {n_drop} units not observed in all {n_periods} periods (a balanced "
        "panel is required; pass allow_unbalanced_panel=True to keep them)",
    )
    complete = counts[codes] == n_periods
    rows.keep(complete)
    per_v = per_v[complete]
    codes = codes[complete]
    if codes.size == 0:
        raise DataError("no unit is observed in every period; the balanced panel is empty")
    codes = np.asarray(pd.factorize(codes, sort=True)[0], dtype=np.intp)
    n_u = int(codes.max()) + 1
    # rows were renumbered: each unit's first row is its row of the first period
    rows0 = np.flatnonzero(per_v == 0)
    first_idx = np.empty(n_u, dtype=np.intp)
    first_idx[codes[rows0]] = rows0
    return _Units(codes, n_u, first_idx, False, False, False, per_v)


def _factorised_units(
    rows: _Rows, names: Columns, per_v: IntArray, n_periods: int
) -> tuple[IntArray, IntArray, NDArray[np.int64]]:
    """Unit codes, each unit's row of its first observed period and its number of rows;
    checks that unit-periods are unique and cohorts constant within units."""
    codes, _uniques = pd.factorize(pd.Series(rows.unit), sort=True)
    codes = np.asarray(codes, dtype=np.intp)
    n_u = int(codes.max()) + 1
    key = codes * n_periods + per_v
    if np.bincount(key, minlength=n_u * n_periods).max() > 1:
        raise DataError(
            f"some units appear more than once in a period ('{names.unit}' x "
            f"'{names.time}' must be unique); aggregate or deduplicate first"
        )
    # row of each unit's first observed period (-1: not observed in that period)
    row_of = np.full(n_u * n_periods, -1, dtype=np.intp)
    row_of[key] = np.arange(key.size)
    row_of = row_of.reshape(n_u, n_periods)
    first_per = np.argmax(row_of >= 0, axis=1)
    first_idx = row_of[np.arange(n_u), first_per]
    del row_of
    if np.any(rows.cohort != rows.cohort[first_idx][codes]):
        raise DataError(
            f"the cohort column '{names.cohort}' changes within some units; it must "
            "be the unit's first treated period in every row"
        )
    return codes, first_idx, np.bincount(codes, minlength=n_u)


def _unit_clusters(
    rows: _Rows, units: _Units, panel: bool, cluster_name: str | None
) -> tuple[IntArray | None, int]:
    """Cluster code of each unit (its first observed period's) and the number of clusters;
    ``(None, number of units)`` without clusters."""
    if rows.cluster is None:
        return None, units.n
    cl_codes = rows.cluster
    if panel:
        unit_cl = cl_codes[units.first_idx]
        codes = units.codes
        moved = int(np.unique(codes[cl_codes != unit_cl[codes]]).size)
        if moved:
            warn_at_caller(
                f"{moved} units change cluster ('{cluster_name}') over time; each unit is "
                "assigned to the cluster of its first observed period",
            )
    else:
        unit_cl = cl_codes
    uniq, unit_cl = np.unique(unit_cl, return_inverse=True)
    n_clusters = int(uniq.size)
    if n_clusters < 2:
        raise EstimationError(
            f"cluster column '{cluster_name}' has a single cluster; cluster-robust "
            "inference needs many clusters (drop cluster= to use unit-level inference)"
        )
    return np.asarray(unit_cl, dtype=np.intp), n_clusters


def _lay_out_outcomes(prep: Prepared, rows: _Rows, units: _Units, n_periods: int) -> None:
    """Outcome and covariate arrays of the cell estimators, stored on ``prep``."""
    n_u, codes, first_idx, per_v = units.n, units.codes, units.first_idx, units.per_v
    y_v, x_v = rows.y, rows.x
    if not prep.panel:
        cohort_v, w_v = rows.cohort, rows.w
        if prep.n_cov == 0:  # closed-form cells read the rows period by period
            order, bounds = _period_order(per_v, n_periods, codes if prep.unbalanced else None)
            if order is not None:
                y_v, per_v, cohort_v, w_v, x_v, codes = (
                    a[order] for a in (y_v, per_v, cohort_v, w_v, x_v, codes)
                )
            prep.period_bounds = bounds
        prep.y_row = y_v
        prep.per_row = per_v
        prep.cohort_row = cohort_v
        prep.w_row = w_v
        prep.x_row = x_v
        prep.unit_row = codes
        return
    k = x_v.shape[1]
    x_first = x_v[first_idx]  # first period (balanced panel)
    if units.tidy:
        y_mat = np.ascontiguousarray(y_v.reshape(n_u, n_periods).T)
        x3 = x_v.reshape(n_u, n_periods, k)
        if all(
            np.array_equal(x3[:, :, j], np.broadcast_to(x_first[:, j : j + 1], x3.shape[:2]))
            for j in range(1, k)
        ):
            x_all = x_first[None]  # time-invariant covariates
        else:
            x_all = np.ascontiguousarray(x3.transpose(1, 0, 2))
    else:
        y_mat = np.full((n_periods, n_u), np.nan)
        y_mat[per_v, codes] = y_v
        if k == 1 or np.array_equal(x_v[:, 1:], x_first[codes, 1:]):
            x_all = x_first[None]  # time-invariant covariates
        else:
            x_all = np.empty((n_periods, n_u, k))
            x_all[per_v, codes, :] = x_v
    prep.y_mat = y_mat
    prep.x_per = x_all


def _period_order(
    per_v: IntArray, n_periods: int, unit_codes: IntArray | None = None
) -> tuple[IntArray | None, IntArray]:
    """Order of the rows by period (None if already sorted) and the start of each period's
    rows (length ``n_periods + 1``); with ``unit_codes`` by unit within period (the unit
    influence functions are then written in sequence), else stable."""
    counts = np.bincount(per_v, minlength=n_periods)
    bounds = np.concatenate([[0], np.cumsum(counts)]).astype(np.intp)
    if unit_codes is not None and per_v.size > 1:
        n_u = int(unit_codes.max()) + 1
        return np.argsort(per_v * n_u + unit_codes), bounds  # keys unique: any sort is stable
    if per_v.size < 2 or bool(np.all(per_v[1:] >= per_v[:-1])):
        return None, bounds
    small = per_v.astype(np.int16) if n_periods < np.iinfo(np.int16).max else per_v
    return np.argsort(small, kind="stable"), bounds


def _tidy_periods(unit_raw: Any, time_v: FloatArray, cohort_v: FloatArray) -> int:
    """Number of periods ``T`` if the rows are sorted by a numeric unit id (strictly
    increasing) and every unit has the same strictly increasing periods in ``T`` consecutive
    rows and one cohort (the usual layout of a balanced panel); else 0. Such data need no
    factorising, sorting or duplicate checks."""
    size = time_v.size
    if size < 2 or unit_raw.dtype.kind not in "iuf":
        return 0
    change = unit_raw != unit_raw[0]
    n_t = int(np.argmax(change)) if change.any() else size
    if n_t < 2 or size % n_t:
        return 0
    tr = time_v.reshape(-1, n_t)
    row = tr[0]
    if not (np.all(row[1:] > row[:-1]) and np.array_equal(tr, np.broadcast_to(row, tr.shape))):
        return 0
    ur = unit_raw.reshape(-1, n_t)
    first = ur[:, 0]
    if not bool(np.all(first[1:] > first[:-1])):
        return 0
    if not np.array_equal(ur, np.broadcast_to(first[:, None], ur.shape)):
        return 0
    cr = cohort_v.reshape(-1, n_t)
    if not np.array_equal(cr, np.broadcast_to(cr[:, :1], cr.shape)):
        return 0
    return n_t


def _check_group_sizes(
    cohort_v: FloatArray, n_periods: int, n_cov: int, control_group: str
) -> None:
    """R's check: groups with fewer than ``n_cov + 5`` units (rows / periods) get a warning;
    a too small never-treated group with ``nevertreated`` is an error."""
    req = n_cov + 5
    vals = sorted_unique(cohort_v)
    counts = np.bincount(np.searchsorted(vals, cohort_v), minlength=vals.size)
    sizes = counts / n_periods
    small = vals[sizes < req]
    if small.size:
        if control_group == "nevertreated" and np.any(small == 0):
            n_never = float(sizes[vals == 0][0])
            raise EstimationError(
                f"the never-treated group is too small (about {n_never:.0f} units, fewer "
                f"than {req}); use control_group='notyettreated'"
            )
        warn_at_caller(
            "some cohorts are small (fewer than "
            f"{req} units): {', '.join(number_label(v) for v in small)}; their estimates "
            "are imprecise",
        )
