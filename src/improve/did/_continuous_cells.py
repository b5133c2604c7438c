"""One (cohort, period) cell of the continuous-treatment DiD and its influence functions.

For cohort ``g`` and period ``t`` with base period ``b`` the outcome change ``dY = Y_t - Y_b``
of the cohort's treated units, minus the comparison units' mean change ``mu_0``, is regressed
on the dose basis: ``beta = argmin sum_i (dY_i - mu_0 - Psi(D_i) beta)^2``. Then
``ATT(d) = Psi(d) beta``, ``ACRT(d) = Psi'(d) beta``, ``ATT^o = mean_T dY - mu_0`` and
``ACRT^o = mean_T Psi'(D_i) beta`` (CGBS 2024, section 3; R ``contdid``). Influence functions
are scaled as in R ``did`` (``n`` times the unit's contribution; standard error
``sqrt(sum IF^2) / n``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from improve.did._continuous_basis import DoseBasis
from improve.did._continuous_cr2 import mean_scale, regression_residuals
from improve.did._continuous_prepare import DosePanel

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class CellFit:
    """Estimates and influence functions (rows: all units) of one cell."""

    group: float
    time: float
    post: bool
    n_treated: int
    n_control: int
    att_glob: float
    acrt_glob: float
    att_d: FloatArray
    acrt_d: FloatArray
    if_att_glob: FloatArray
    if_acrt_glob: FloatArray
    if_att_d: FloatArray
    if_acrt_d: FloatArray
    #: the part of ``if_acrt_glob`` from the spread of treated doses (kept apart so the
    #: reference tests can compare with diff-diff, which leaves it out)
    if_acrt_glob_dose: FloatArray

    @property
    def event_time(self) -> float:
        return self.time - self.group


def base_period(g: float, t: float, periods: FloatArray, anticipation: int, kind: str) -> float:
    """Base period: the observed period ``1 + anticipation`` positions before the cohort's
    first treated period for post cells (and all cells when universal), else the observed
    period before ``t`` (R ``did`` "varying", which counts positions, so a year missing
    from the data is skipped); NaN when there is none."""
    post = t >= g - anticipation
    if kind == "universal" or post:
        pos = int(np.searchsorted(periods, g)) - 1 - anticipation
    else:
        pos = int(np.searchsorted(periods, t)) - 1
    return float(periods[pos]) if pos >= 0 else np.nan


def masks(
    panel: DosePanel, g: float, t: float, b: float, control_group: str, anticipation: int
) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """Treated units of cohort ``g`` and comparison units untreated at ``t`` and ``b``."""
    treated = (panel.cohort == g) & (panel.dose > 0)
    never = panel.cohort == 0
    if control_group == "nevertreated":
        return treated, never
    later = (panel.cohort > max(t, b) + anticipation) & (panel.cohort != g)
    return treated, never | later


def fit_cell(
    panel: DosePanel,
    g: float,
    t: float,
    b: float,
    treated: NDArray[np.bool_],
    control: NDArray[np.bool_],
    basis: DoseBasis,
    grid: FloatArray,
    anticipation: int,
    cr2_codes: NDArray[np.intp] | None = None,
) -> CellFit:
    """Estimate one cell (the caller has checked it has treated and comparison units).

    With ``cr2_codes`` (cluster of every unit) the influence functions carry the CR2
    adjustment of :mod:`improve.did._continuous_cr2`; the estimates do not change.
    """
    n = panel.n_units
    col_t = int(np.searchsorted(panel.periods, t))
    col_b = int(np.searchsorted(panel.periods, b))
    dy = panel.y[:, col_t] - panel.y[:, col_b]
    dy_t, dy_c = dy[treated], dy[control]
    n_t, n_c = int(treated.sum()), int(control.sum())
    mu0 = float(dy_c.mean())
    d_t = panel.dose[treated]
    psi = basis.design(d_t)
    dpsi_t = basis.derivative(d_t)
    target = dy_t - mu0
    beta, *_ = np.linalg.lstsq(psi, target, rcond=None)
    resid = target - psi @ beta
    bread = np.linalg.pinv(psi.T @ psi / n_t)
    psi_bar = psi.mean(axis=0)
    dpsi_bar = dpsi_t.mean(axis=0)
    if_beta = np.zeros((n, psi.shape[1]))
    codes_t = None if cr2_codes is None else cr2_codes[treated]
    codes_c = None if cr2_codes is None else cr2_codes[control]
    scale_t, scale_c = mean_scale(codes_t, n_t), mean_scale(codes_c, n_c)
    resid_adj = regression_residuals(psi, resid, codes_t)
    if_beta[treated] = (n / n_t) * (psi * resid_adj[:, None]) @ bread.T
    if_beta[control] = -(n / n_c) * np.outer((dy_c - mu0) * scale_c, bread @ psi_bar)
    psi_eval, dpsi_eval = basis.design(grid), basis.derivative(grid)
    acrt_i = dpsi_t @ beta
    acrt_glob = float(acrt_i.mean())
    if_att_glob = np.zeros(n)
    if_att_glob[treated] = (n / n_t) * (dy_t - dy_t.mean()) * scale_t
    if_att_glob[control] = -(n / n_c) * (dy_c - mu0) * scale_c
    if_dose = np.zeros(n)
    if_dose[treated] = (n / n_t) * (acrt_i - acrt_glob) * scale_t
    return CellFit(
        group=g,
        time=t,
        post=bool(t >= g),
        n_treated=n_t,
        n_control=n_c,
        att_glob=float(dy_t.mean() - mu0),
        acrt_glob=acrt_glob,
        att_d=psi_eval @ beta,
        acrt_d=dpsi_eval @ beta,
        if_att_glob=if_att_glob,
        if_acrt_glob=if_beta @ dpsi_bar + if_dose,
        if_att_d=if_beta @ psi_eval.T,
        if_acrt_d=if_beta @ dpsi_eval.T,
        if_acrt_glob_dose=if_dose,
    )
