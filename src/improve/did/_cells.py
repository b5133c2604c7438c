"""The ATT(g,t) cells of :func:`improve.did.att_gt`: the 2x2 DRDID estimate of every cell.

Cells are planned in R ``did``'s loop order (cohort, then period; varying or universal base
period). Balanced panels estimate each cell from the periods x units outcome matrix: without
covariates in closed form over cohort sums, with covariates through one shared
:class:`~improve.did._estimators.PanelDesign` per set of units and covariate rows. Repeated
cross-sections and unbalanced panels without covariates are estimated from cohort x period
sums (:mod:`improve.did._cell_sums`, the seam a database engine feeds); with covariates
they use the row-level estimators and sum influence functions within unit. Cells that
cannot be estimated are NaN, reported in one warning.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from improve._warn import warn_at_caller
from improve.did import _cell_sums as cs
from improve.did import _estimators as est
from improve.did._prepare import Prepared, number_label, sorted_unique

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]


@dataclass
class Cells:
    groups: FloatArray
    times: FloatArray
    att: FloatArray
    inf: FloatArray
    n_treated: NDArray[np.int64]
    n_control: NDArray[np.int64]
    small: tuple[tuple[float, float, int, int], ...]
    #: (group, time, reason) of each cell that could not be estimated (NaN)
    failed: tuple[tuple[float, float, str], ...] = ()
    # panel: cohort code of each unit and which cohorts take part in each cell
    # (the influence function is zero elsewhere)
    blocks: tuple[IntArray, NDArray[np.bool_]] | None = None


def _cell_plan(
    glist: FloatArray, tlist: FloatArray, base_period: str, anticipation: int
) -> list[tuple[float, int, int]]:
    """(g, current period index, base period index) for each cell, R's loop order."""
    tfac = 0 if base_period == "universal" else 1
    plan = []
    for g in glist:
        pre_g = int(np.nonzero(tlist + anticipation < g)[0][-1])
        for ti in range(tfac, tlist.size):
            base = pre_g if base_period == "universal" else ti - 1
            if g <= tlist[ti]:
                base = pre_g
            plan.append((float(g), ti, base))
    return plan


def estimate_cells(
    prep: Prepared,
    control_group: str,
    est_method: str,
    base_period: str,
    anticipation: int,
    closed_form: bool = True,
) -> Cells:
    """All ATT(g,t) cells of ``prep`` (see the module docstring).

    Repeated cross-sections and unbalanced panels without covariates are estimated from
    cohort x period sums (:mod:`improve.did._cell_sums`) unless ``closed_form`` is False,
    which runs the row-level estimator cell by cell (kept to test the closed form).
    """
    tlist = prep.tlist
    plan = _cell_plan(prep.glist, tlist, base_period, anticipation)
    if closed_form and not prep.panel and prep.n_cov == 0:
        return _closed_form_cells(prep, plan, control_group, est_method, anticipation)
    k = len(plan)
    n = prep.n
    att = np.full(k, np.nan)
    inf = np.zeros((n, k), order="F")  # column writes are contiguous
    n_tr = np.zeros(k, dtype=np.int64)
    n_co = np.zeros(k, dtype=np.int64)
    groups = np.array([p[0] for p in plan])
    times = np.array([tlist[p[1]] for p in plan])
    notyet = control_group == "notyettreated"
    problems: list[str] = []
    failed: list[tuple[float, float, str]] = []
    small: list[tuple[float, float, int, int]] = []
    req = prep.n_cov + 5
    aux = _PanelCells(prep) if prep.panel else None
    part = None if aux is None else np.zeros((aux.cvals.size, k), dtype=bool)

    for j, (g, ti, base) in enumerate(plan):
        if base == ti:  # universal base period reference cell
            att[j] = 0.0
            continue
        label = f"cohort {number_label(g)} in period {number_label(tlist[ti])}"
        before = len(problems)
        threshold = tlist[max(ti, base)] + anticipation
        if aux is not None:
            a, used, nt, nc = _panel_cell(
                prep, aux, g, ti, base, threshold, notyet, est_method, label, problems, inf[:, j]
            )
            if used is not None and part is not None:
                part[:, j] = used
        else:
            a, col, nt, nc = _rc_cell(
                prep, g, ti, base, threshold, notyet, est_method, label, problems
            )
            if col is not None:
                inf[:, j] = col
        att[j] = a
        if len(problems) > before:
            reason = "; ".join(m.removeprefix(f"{label}: ") for m in problems[before:])
            failed.append((float(g), float(tlist[ti]), reason))
        n_tr[j], n_co[j] = nt, nc
        if nt < req or nc < req:
            small.append((g, float(tlist[ti]), int(nt), int(nc)))

    _warn_cells(problems, small, req)
    blocks = None if aux is None or part is None else (aux.ccode, part)
    return Cells(groups, times, att, inf, n_tr, n_co, tuple(small), tuple(failed), blocks)


def _warn_cells(problems: list[str], small: list[tuple[float, float, int, int]], req: int) -> None:
    """One warning for the cells that failed and one for the small cells, shown at the
    user's line (balanced, unbalanced and engine paths reach here at different depths)."""
    if problems:
        shown = "; ".join(problems[:6]) + ("; ..." if len(problems) > 6 else "")
        warn_at_caller(
            f"{len(problems)} ATT(g,t) cell(s) could not be estimated and are NaN: {shown}"
        )
    if small:
        shown = ", ".join(
            f"({number_label(g)},{number_label(t)}): {a}/{b}" for g, t, a, b in small[:8]
        )
        warn_at_caller(
            f"{len(small)} ATT(g,t) cell(s) have fewer than {req} treated or comparison "
            f"units (treated/comparison): {shown}{', ...' if len(small) > 8 else ''}"
        )


def _closed_form_cells(
    prep: Prepared,
    plan: list[tuple[float, int, int]],
    control_group: str,
    est_method: str,
    anticipation: int,
) -> Cells:
    """Cells of repeated cross-sections / unbalanced panels without covariates from cohort x
    period sums: :func:`~improve.did._cell_sums.cohort_period_sums` (first pass over the
    rows), :func:`~improve.did._cell_sums.closed_form_cells` (the cells from the sums) and
    :func:`~improve.did._cell_sums.fill_unit_influence` (second pass: unit influence
    functions). Same results, warnings and failure reasons as the row-level estimator."""
    assert prep.y_row is not None and prep.per_row is not None and prep.w_row is not None
    assert prep.unit_row is not None and prep.cohort_row is not None
    assert prep.period_bounds is not None
    tlist = prep.tlist
    cohorts = np.asarray(sorted_unique(prep.cohort_row), dtype=float)
    ccode_row = np.searchsorted(cohorts, prep.cohort_row)
    w_row = None if prep.uniform_weights else prep.w_row
    sums = cs.cohort_period_sums(
        cohorts, ccode_row, prep.per_row, prep.y_row, w_row, tlist.size, prep.n
    )
    formulas = cs.closed_form_cells(sums, plan, tlist, control_group, est_method, anticipation)
    k = len(plan)
    inf = np.zeros((prep.n, k), order="F")
    cs.fill_unit_influence(
        formulas, ccode_row, prep.unit_row, prep.y_row, w_row, prep.period_bounds, inf
    )
    return cells_from_formulas(formulas, plan, tlist, inf, cohorts, prep.unit_cohort, prep.n_cov)


def cells_from_formulas(
    formulas: cs.CellFormulas,
    plan: list[tuple[float, int, int]],
    tlist: FloatArray,
    inf: FloatArray,
    cohorts: FloatArray,
    unit_cohort: FloatArray,
    n_cov: int = 0,
) -> Cells:
    """:class:`Cells` of closed-form cells and their unit influence matrix ``inf``, with
    the warnings for failed and small cells (also used by :mod:`improve.engines`)."""
    k = len(plan)
    groups = np.array([p[0] for p in plan])
    times = np.array([tlist[p[1]] for p in plan])
    problems = []
    failed = []
    for j, reason in formulas.problems:
        label = f"cohort {number_label(groups[j])} in period {number_label(times[j])}"
        problems.append(f"{label}: {reason}")
        failed.append((float(groups[j]), float(times[j]), reason))
    req = n_cov + 5
    small = [
        (float(groups[j]), float(times[j]), int(formulas.n_treated[j]), int(formulas.n_control[j]))
        for j in range(k)
        if plan[j][1] != plan[j][2] and (formulas.n_treated[j] < req or formulas.n_control[j] < req)
    ]
    _warn_cells(problems, small, req)
    unit_ccode = np.searchsorted(cohorts, unit_cohort)
    return Cells(
        groups,
        times,
        formulas.att,
        inf,
        formulas.n_treated,
        formulas.n_control,
        tuple(small),
        tuple(failed),
        (unit_ccode, formulas.part),
    )


class _PanelCells:
    """Per-run helpers of the balanced-panel cells: cohort codes and sums, design cache."""

    def __init__(self, prep: Prepared) -> None:
        coh = prep.unit_cohort
        self.cvals, ccode = np.unique(coh, return_inverse=True)
        self.ccode = np.asarray(ccode, dtype=np.intp)
        self.counts = np.bincount(self.ccode, minlength=self.cvals.size)
        self.uniform = bool(np.all(prep.unit_weight == 1.0))
        self.wsum = (
            self.counts.astype(float)
            if self.uniform
            else np.bincount(self.ccode, weights=prep.unit_weight, minlength=self.cvals.size)
        )
        self._psums: dict[int, FloatArray] = {}
        self.scratch = np.empty(prep.n)
        # one cached design (cells come ordered by cohort, so consecutive cells share it)
        self.key: tuple[Any, ...] | None = None
        self.design: est.PanelDesign | Exception | None = None
        self.idx: IntArray | None = None
        self.y_sub: FloatArray | None = None

    def period_sums(self, prep: Prepared, ti: int) -> FloatArray:
        """Weighted sums of the outcome in period ``ti`` by cohort (cached)."""
        out = self._psums.get(ti)
        if out is None:
            assert prep.y_mat is not None
            y = prep.y_mat[ti] if self.uniform else prep.unit_weight * prep.y_mat[ti]
            out = np.bincount(self.ccode, weights=y, minlength=self.cvals.size)
            self._psums[ti] = out
        return out


def _panel_cell(
    prep: Prepared,
    aux: _PanelCells,
    g: float,
    ti: int,
    base: int,
    threshold: float,
    notyet: bool,
    est_method: str,
    label: str,
    problems: list[str],
    out: FloatArray,
) -> tuple[float, NDArray[np.bool_] | None, int, int]:
    """Estimate one panel cell; its influence function is written into ``out``.

    Returns the estimate, the cohorts taking part (None if the cell failed) and the
    numbers of treated and comparison units."""
    assert prep.y_mat is not None and prep.x_per is not None
    cv = aux.cvals
    is_t = cv == g
    is_c = (cv == 0) | ((cv > threshold) & (cv != g)) if notyet else cv == 0
    nt = int(aux.counts[is_t].sum())
    nc = int(aux.counts[is_c].sum())
    if nt == 0 or nc == 0:
        problems.append(f"{label}: no {'treated' if nt == 0 else 'comparison'} units")
        return np.nan, None, nt, nc
    if prep.n_cov == 0:
        return _panel_cell_nocov(prep, aux, is_t, is_c, ti, base, est_method, label, problems, out)
    x_per_idx = 0 if prep.x_per.shape[0] == 1 else min(ti, base)
    key = (tuple(is_t), tuple(is_c), x_per_idx)
    if key != aux.key:
        aux.key = key
        aux.design = None
        cell_units = is_t | is_c
        idx = np.flatnonzero(cell_units[aux.ccode])
        aux.idx = idx
        aux.y_sub = prep.y_mat[:, idx]  # (T, units of the design), contiguous rows
        try:
            aux.design = _panel_design(prep, idx, is_t[aux.ccode[idx]], x_per_idx, est_method)
        except (est.CellError, np.linalg.LinAlgError, ValueError) as exc:
            aux.design = exc
    design = aux.design
    if isinstance(design, Exception):
        problems.append(f"{label}: {design}")
        return np.nan, None, nt, nc
    assert design is not None and aux.idx is not None
    idx = aux.idx
    assert aux.y_sub is not None
    dy = aux.y_sub[ti] - aux.y_sub[base]
    with np.errstate(all="ignore"):
        a, psi = design.estimate(dy)
    if not np.isfinite(a) or not np.all(np.isfinite(psi)):
        problems.append(f"{label}: the estimate is not finite")
        return np.nan, None, nt, nc
    out[idx] = (prep.n / idx.size) * psi
    return a, is_t | is_c, nt, nc


def _panel_design(
    prep: Prepared, idx: IntArray, treat: NDArray[np.bool_], x_per_idx: int, est_method: str
) -> est.PanelDesign:
    """R's pre-checks (overlap from an unweighted logit, invertible comparison design), then
    the shared design of all cells with these units; raises CellError with R's reasons."""
    assert prep.x_per is not None
    d = treat.astype(float)
    x = prep.x_per[x_per_idx][idx]
    ps0 = None
    if est_method in ("dr", "ipw"):
        ps0, _ = est.logit_fit(x, d, np.ones_like(d))
        if ps0.max() >= 0.999:
            raise est.CellError("overlap violated (propensity score >= 0.999)")
    if est_method in ("dr", "reg"):
        xc = x[~treat]
        if est.rcond(xc.T @ xc) < np.finfo(float).eps:
            raise est.CellError("not enough comparison units for the covariate regression")
    w = prep.unit_weight[idx]
    with np.errstate(all="ignore"):
        # R's overlap check fits the logit without weights: reuse it if unweighted
        return est.PanelDesign(x, d, w, est_method, ps0 if prep.uniform_weights else None)


def _panel_cell_nocov(
    prep: Prepared,
    aux: _PanelCells,
    is_t: NDArray[np.bool_],
    is_c: NDArray[np.bool_],
    ti: int,
    base: int,
    est_method: str,
    label: str,
    problems: list[str],
    out: FloatArray,
) -> tuple[float, NDArray[np.bool_] | None, int, int]:
    """Intercept-only cell in closed form over cohort sums (see
    :func:`improve.did._estimators.unconditional_panel`): with ``W1``/``W0`` the weight
    sums and ``m1``/``m0`` the weighted mean changes of treated and comparison units, the
    influence function is ``n w (dY - m1) / W1`` for treated and ``-n w (dY - m0) / W0``
    for comparison units, 0 otherwise."""
    assert prep.y_mat is not None
    nt = int(aux.counts[is_t].sum())
    nc = int(aux.counts[is_c].sum())
    if est_method in ("dr", "ipw") and nt / (nt + nc) >= 0.999:
        problems.append(f"{label}: overlap violated (propensity score >= 0.999)")
        return np.nan, None, nt, nc
    w1 = float(aux.wsum[is_t].sum())
    w0 = float(aux.wsum[is_c].sum())
    msg = None
    if not w1 + w0 > 0:
        msg = "weights sum to zero"
    elif est_method in ("dr", "ipw") and min(w1 / (w1 + w0), 1.0 - 1e-6) >= 0.995:
        msg = "no comparison units left after propensity-score trimming"
    elif not (w1 > 0 and w0 > 0):
        msg = "no treated or comparison observations with positive weight"
    if msg is not None:
        problems.append(f"{label}: {msg}")
        return np.nan, None, nt, nc
    sums = aux.period_sums(prep, ti) - aux.period_sums(prep, base)
    m1 = float(sums[is_t].sum()) / w1
    m0 = float(sums[is_c].sum()) / w0
    n = prep.n
    coef = np.zeros(aux.cvals.size)
    coef[is_t] = n / w1
    coef[is_c] = -n / w0
    mean = np.zeros(aux.cvals.size)
    mean[is_t] = m1
    mean[is_c] = m0
    # out = coef[c] * (dY - mean[c]), in place (two small-table gathers, no temporaries)
    tmp = aux.scratch
    np.subtract(prep.y_mat[ti], prep.y_mat[base], out=out)
    np.take(mean, aux.ccode, out=tmp)
    out -= tmp
    np.take(coef, aux.ccode, out=tmp)
    out *= tmp
    if not aux.uniform:
        out *= prep.unit_weight
    return m1 - m0, is_t | is_c, nt, nc


def _rc_cell(
    prep: Prepared,
    g: float,
    ti: int,
    base: int,
    threshold: float,
    notyet: bool,
    est_method: str,
    label: str,
    problems: list[str],
) -> tuple[float, FloatArray | None, int, int]:
    assert prep.per_row is not None and prep.cohort_row is not None
    assert prep.y_row is not None and prep.x_row is not None and prep.w_row is not None
    assert prep.unit_row is not None
    coh = prep.cohort_row
    per = prep.per_row
    treat = coh == g
    ctrl = (coh == 0) | ((coh > threshold) & (coh != g)) if notyet else coh == 0
    rows = np.flatnonzero(((per == ti) | (per == base)) & (treat | ctrl))
    d = treat[rows].astype(float)
    post = (per[rows] == ti).astype(float)
    nt = int(d.sum())
    nc = rows.size - nt
    missing = []
    if np.sum(d * post) == 0:
        missing.append("no treated observations in the period")
    if np.sum(d * (1 - post)) == 0:
        missing.append("no treated observations in the base period")
    if np.sum((1 - d) * post) == 0:
        missing.append("no comparison observations in the period")
    if np.sum((1 - d) * (1 - post)) == 0:
        missing.append("no comparison observations in the base period")
    if missing:
        problems.append(f"{label}: {', '.join(missing)}")
        return np.nan, None, nt, nc
    try:
        with np.errstate(all="ignore"):
            if prep.n_cov == 0:
                a, psi = est.unconditional_rc(
                    prep.y_row[rows], post, d, prep.w_row[rows], est_method
                )
            else:
                a, psi = est.RC_ESTIMATORS[est_method](
                    prep.y_row[rows], post, d, prep.x_row[rows], prep.w_row[rows]
                )
    except (est.CellError, np.linalg.LinAlgError, ValueError) as exc:
        problems.append(f"{label}: {exc}")
        return np.nan, None, nt, nc
    if not np.isfinite(a) or not np.all(np.isfinite(psi)):
        problems.append(f"{label}: the estimate is not finite")
        return np.nan, None, nt, nc
    scaled = (prep.n / rows.size) * psi
    col = np.bincount(prep.unit_row[rows], weights=scaled, minlength=prep.n)
    return a, col, nt, nc
