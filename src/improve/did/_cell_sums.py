"""Closed-form ATT(g,t) cells without covariates from cohort x period sums (the seam).

Repeated cross-sections and unbalanced panels without covariates need, for every cell,
only the weighted outcome sums and weight sums of the rows of each cohort in the cell's
two periods. The estimation is therefore split in three steps, each a function with one
job, so that the sums can come from anywhere (numpy here, a database query elsewhere):

1. :func:`cohort_period_sums` (producer, first pass over the rows): per (cohort, period)
   the number of rows, the sum of weights and the sum of weighted outcomes, a
   :class:`CohortPeriodSums`. In SQL: ``GROUP BY cohort, period`` with ``COUNT(*)``,
   ``SUM(w)``, ``SUM(w * y)``.
2. :func:`closed_form_cells` (consumer, small arrays only): the ATT of every cell, its
   treated/comparison counts, R's failure reasons and the influence-function
   coefficients :class:`CellFormulas` -- for cell ``j`` a row of cohort ``c`` observed in
   the cell's period (slot 0) or base period (slot 1) contributes
   ``coef[j, s, c] * w * (y - center[j, s, c])`` to its unit's influence function.
3. :func:`fill_unit_influence` (second pass over the rows): those contributions summed
   within unit, the ``(n_units, k)`` influence matrix. A database computes the same sums
   per unit or, for clustered inference, per cluster (``GROUP BY cluster`` of the
   contributions) without returning unit rows.

The formulas are those of :func:`improve.did._estimators.unconditional_rc` (R
``DRDID::reg_did_rc``/``std_ipw_did_rc``/``drdid_rc`` with an intercept only): the ATT is
``(m11 - m10) - (m01 - m00)`` of the weighted means of the four (treated/comparison x
period/base) groups, and a row of group ``b`` contributes ``± n w (y - m_b) / W_b`` (``W_b``
the group's weight sum, ``n`` the number of units). In a balanced panel with weights constant
within unit these are also the ATT and unit influence functions of the panel estimators.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from improve.did._estimators import _PS_CAP, _TRIM_LEVEL

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

#: The four groups of a cell in the order of the estimator: (treated, in the cell's period)
_GROUPS = ((True, 0, 1.0), (True, 1, -1.0), (False, 0, -1.0), (False, 1, 1.0))


@dataclass(frozen=True)
class CohortPeriodSums:
    """Per (cohort, period) sums of the rows: all the cells need besides the unit pass.

    Attributes
    ----------
    cohorts : ndarray, shape (C,)
        Cohort values (0 = never treated), sorted.
    rows : ndarray of int, shape (C, T)
        Number of rows of each cohort in each period.
    weight : ndarray, shape (C, T)
        Sum of the (normalised) sampling weights of those rows.
    weighted_outcome : ndarray, shape (C, T)
        Sum of weight x outcome of those rows.
    n_units : int
        Number of cross-sectional units (observations for repeated cross-sections); the
        influence functions are scaled by it.
    """

    cohorts: FloatArray
    rows: NDArray[np.int64]
    weight: FloatArray
    weighted_outcome: FloatArray
    n_units: int


@dataclass(frozen=True)
class CellFormulas:
    """Result of :func:`closed_form_cells` (small arrays, one entry per cell).

    Attributes
    ----------
    att : ndarray, shape (k,)
        ATT(g,t); NaN for failed cells, 0 for the reference cell of a universal base.
    n_treated, n_control : ndarray of int, shape (k,)
        Treated and comparison rows in the cell's two periods.
    periods : ndarray of int, shape (k, 2)
        Index of the cell's period and base period.
    coef, center : ndarray, shape (k, 2, C)
        Influence-function coefficients: a row of cohort ``c`` in slot ``s`` (0 period,
        1 base period) of cell ``j`` contributes ``coef[j, s, c] * w * (y - center[j, s,
        c])``; 0 for cohorts outside the cell and for failed cells.
    part : ndarray of bool, shape (C, k)
        Cohorts taking part in each estimated cell (the influence function is 0 elsewhere).
    problems : tuple of (int, str)
        Cell index and reason of each cell that could not be estimated (R's wording).
    """

    att: FloatArray
    n_treated: NDArray[np.int64]
    n_control: NDArray[np.int64]
    periods: NDArray[np.intp]
    coef: FloatArray
    center: FloatArray
    part: NDArray[np.bool_]
    problems: tuple[tuple[int, str], ...]


def cohort_period_sums(
    cohorts: FloatArray,
    ccode_row: IntArray,
    period_row: IntArray,
    y_row: FloatArray,
    w_row: FloatArray | None,
    n_periods: int,
    n_units: int,
) -> CohortPeriodSums:
    """First pass: per (cohort, period) row counts, weight sums and weighted outcome sums.

    Parameters
    ----------
    cohorts : ndarray, shape (C,)
        Sorted cohort values.
    ccode_row, period_row, y_row : ndarray, shape (rows,)
        Cohort index into ``cohorts``, period index ``0..T-1`` and outcome of each row.
    w_row : ndarray, shape (rows,), optional
        Sampling weights (None: all 1).
    n_periods : int
        ``T``.
    n_units : int
        Number of units the influence functions are scaled by.
    """
    key = ccode_row * n_periods + period_row
    size = cohorts.size * n_periods
    shape = (cohorts.size, n_periods)
    rows = np.bincount(key, minlength=size).reshape(shape)
    if w_row is None:
        weight = rows.astype(float)
        wy = np.bincount(key, weights=y_row, minlength=size).reshape(shape)
    else:
        weight = np.bincount(key, weights=w_row, minlength=size).reshape(shape)
        wy = np.bincount(key, weights=w_row * y_row, minlength=size).reshape(shape)
    return CohortPeriodSums(cohorts, rows.astype(np.int64), weight, wy, int(n_units))


def closed_form_cells(
    sums: CohortPeriodSums,
    plan: list[tuple[float, int, int]],
    tlist: FloatArray,
    control_group: str,
    est_method: str,
    anticipation: int,
) -> CellFormulas:
    """Consumer: every cell's ATT, counts, failure reason and influence coefficients.

    Parameters
    ----------
    sums : CohortPeriodSums
    plan : list of (g, period index, base period index)
        The cells in R's order (:func:`improve.did._cells._cell_plan`).
    tlist : ndarray, shape (T,)
        Period values.
    control_group, est_method, anticipation
        As :func:`improve.did.att_gt`.

    Returns
    -------
    CellFormulas
        Checks and failure messages are those of the row-level estimator, in its order.
    """
    cv = sums.cohorts
    k, n_c = len(plan), cv.size
    att = np.full(k, np.nan)
    n_tr = np.zeros(k, dtype=np.int64)
    n_co = np.zeros(k, dtype=np.int64)
    periods = np.zeros((k, 2), dtype=np.intp)
    coef = np.zeros((k, 2, n_c))
    center = np.zeros((k, 2, n_c))
    part = np.zeros((n_c, k), dtype=bool)
    problems: list[tuple[int, str]] = []
    notyet = control_group == "notyettreated"
    n = float(sums.n_units)
    for j, (g, ti, base) in enumerate(plan):
        periods[j] = (ti, base)
        if base == ti:  # universal base period reference cell
            att[j] = 0.0
            continue
        threshold = tlist[max(ti, base)] + anticipation
        is_t = cv == g
        is_c = (cv == 0) | ((cv > threshold) & (cv != g)) if notyet else cv == 0
        cnt = {
            (tr, s): int(sums.rows[mask, (ti, base)[s]].sum())
            for tr, mask in ((True, is_t), (False, is_c))
            for s in (0, 1)
        }
        n_tr[j] = cnt[True, 0] + cnt[True, 1]
        n_co[j] = cnt[False, 0] + cnt[False, 1]
        msg = _failure(sums, cnt, is_t, is_c, ti, base, est_method)
        if msg is not None:
            problems.append((j, msg))
            continue
        a = 0.0
        cell_coef = np.zeros((2, n_c))
        cell_center = np.zeros((2, n_c))
        for tr, s, sign in _GROUPS:
            mask = is_t if tr else is_c
            per = (ti, base)[s]
            w_b = float(sums.weight[mask, per].sum())
            m = float(sums.weighted_outcome[mask, per].sum()) / w_b
            a += sign * m
            cell_coef[s, mask] = sign * n / w_b
            cell_center[s, mask] = m
        if not (np.isfinite(a) and np.all(np.isfinite(cell_coef * cell_center))):
            problems.append((j, "the estimate is not finite"))
            continue
        att[j] = a
        coef[j], center[j] = cell_coef, cell_center
        part[:, j] = is_t | is_c
    return CellFormulas(att, n_tr, n_co, periods, coef, center, part, tuple(problems))


def _failure(
    sums: CohortPeriodSums,
    cnt: dict[tuple[bool, int], int],
    is_t: NDArray[np.bool_],
    is_c: NDArray[np.bool_],
    ti: int,
    base: int,
    est_method: str,
) -> str | None:
    """R's reason why a cell cannot be estimated (the checks of the row-level estimator,
    in its order), or None."""
    missing = [
        text
        for key, text in (
            ((True, 0), "no treated observations in the period"),
            ((True, 1), "no treated observations in the base period"),
            ((False, 0), "no comparison observations in the period"),
            ((False, 1), "no comparison observations in the base period"),
        )
        if cnt[key] == 0
    ]
    if missing:
        return ", ".join(missing)
    cols = [ti, base]
    w_t = float(sums.weight[is_t][:, cols].sum())
    w_all = w_t + float(sums.weight[is_c][:, cols].sum())
    if not w_all > 0:
        return "weights sum to zero"
    if est_method in ("dr", "ipw") and min(w_t / w_all, _PS_CAP) >= _TRIM_LEVEL:
        return "no comparison units left after propensity-score trimming"
    for tr, s, _sign in _GROUPS:
        if not float(sums.weight[is_t if tr else is_c, cols[s]].sum()) > 0:
            return "no treated or comparison observations with positive weight"
    return None


def fill_unit_influence(
    formulas: CellFormulas,
    ccode_row: IntArray,
    unit_row: IntArray,
    y_row: FloatArray,
    w_row: FloatArray | None,
    period_bounds: IntArray,
    out: FloatArray,
) -> None:
    """Second pass: the rows' influence-function contributions summed within unit.

    Parameters
    ----------
    formulas : CellFormulas
    ccode_row, unit_row, y_row : ndarray, shape (rows,)
        Cohort index (into ``CohortPeriodSums.cohorts``), unit code and outcome of each row;
        rows sorted by period, every unit at most once per period.
    w_row : ndarray, optional
        Sampling weights (None: all 1).
    period_bounds : ndarray of int, shape (T + 1,)
        Rows of period ``p`` are ``period_bounds[p]:period_bounds[p + 1]``.
    out : ndarray, shape (n_units, k)
        Zero-initialised influence matrix (column-major is fastest); filled in place.
    """
    for j in np.flatnonzero(formulas.part.any(axis=0)):
        col = out[:, j]
        for s in (0, 1):
            p = int(formulas.periods[j, s])
            lo, hi = int(period_bounds[p]), int(period_bounds[p + 1])
            cc = ccode_row[lo:hi]
            vals = y_row[lo:hi] - formulas.center[j, s][cc]
            vals *= formulas.coef[j, s][cc]
            if w_row is not None:
                vals *= w_row[lo:hi]
            units = unit_row[lo:hi]
            if s == 0:
                col[units] = vals
            else:
                col[units] += vals
