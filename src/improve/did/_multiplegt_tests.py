"""Wald tests, the average total effect and uniform bands for dCDH effects."""

from __future__ import annotations

import numpy as np
from scipy import stats

from improve.did._multiplegt_core import HorizonFit, clustered_vcov
from improve.did._multiplegt_prepare import FloatArray, SwitchPanel


def wald_test(estimates: FloatArray, vcov: FloatArray) -> tuple[float, int, float]:
    """``b' V^+ b`` against chi-squared with ``len(b)`` degrees of freedom (NaN if ``V`` is
    singular)."""
    ok = np.isfinite(estimates)
    b = estimates[ok]
    v = vcov[np.ix_(ok, ok)]
    if b.size == 0 or np.linalg.matrix_rank(v) < b.size:
        return float("nan"), int(b.size), float("nan")
    stat = float(b @ np.linalg.solve(v, b))
    return stat, int(b.size), float(stats.chi2.sf(stat, b.size))


def equality_test(estimates: FloatArray, vcov: FloatArray) -> tuple[float, int, float]:
    """Test that all effects are equal: differences from the last effect are jointly zero
    (R ``effects_equal``; any full set of contrasts gives the same statistic)."""
    ok = np.flatnonzero(np.isfinite(estimates))
    if ok.size < 2:
        return float("nan"), 0, float("nan")
    k = ok.size
    c = np.hstack([np.eye(k - 1), -np.ones((k - 1, 1))])
    b = estimates[ok]
    v = vcov[np.ix_(ok, ok)]
    return wald_test(c @ b, c @ v @ c.T)


def average_total_effect(fits: list[HorizonFit], panel: SwitchPanel) -> tuple[float, float]:
    """Average total effect per unit of treatment (R ``Av_tot_eff``).

    ``sum_l w_l DID_l / sum_l w_l delta_l`` with ``w_l`` the (weighted) number of switchers
    of effect ``l`` and ``delta_l`` their mean treatment change at ``F_g-1+l``; its
    influence function is the same combination of the effects' influence functions.
    """
    if not fits:
        return float("nan"), float("nan")
    w = np.array([f.n_switchers_weighted for f in fits])
    w = w / w.sum()
    den = float(np.sum(w * np.array([f.delta_d_step for f in fits])))
    num = float(np.sum(w * np.array([f.estimate_raw for f in fits])))
    u = sum(wi * f.influence for wi, f in zip(w, fits, strict=True)) / den
    se = float(np.sqrt(clustered_vcov(u, panel.n_groups, panel.cluster)[0, 0]))
    return num / den, se


def sup_t_critical(
    vcov: FloatArray,
    confidence_level: float,
    draws: int = 20_000,
    seed: int = 0,
    df: float = float("inf"),
) -> float:
    """Critical value of a uniform band: the ``confidence_level`` quantile of
    ``max_l |Z_l|/sd_l`` with ``Z ~ N(0, vcov)`` (seeded simulation).

    With finite ``df`` (pointwise intervals on t with ``df`` degrees of freedom) ``Z`` is
    multivariate t instead, one chi-square scale per draw, so the band is never narrower than
    the pointwise t interval."""
    sd = np.sqrt(np.diag(vcov))
    ok = np.isfinite(sd) & (sd > 0)
    if ok.sum() == 0:
        return float("nan")
    corr = vcov[np.ix_(ok, ok)] / np.outer(sd[ok], sd[ok])
    rng = np.random.default_rng(seed)
    evals, evecs = np.linalg.eigh(corr)
    root = evecs * np.sqrt(np.clip(evals, 0.0, None))
    z = rng.standard_normal((draws, ok.sum())) @ root.T
    if np.isfinite(df):
        z /= np.sqrt(rng.chisquare(df, size=(draws, 1)) / df)
    return float(np.quantile(np.abs(z).max(axis=1), confidence_level))
