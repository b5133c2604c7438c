"""Joint tests that pre-treatment effects are zero, with a small-sample version for clusters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from improve.inference import corrected_sums


@dataclass(frozen=True)
class PretrendTest:
    """A joint Wald test of pre-treatment estimates.

    Attributes
    ----------
    statistic : float
        Wald statistic ``θ' V⁻¹ θ``.
    df : int
        Number of restrictions.
    p_value : float
        p-value of the reported test (see ``method``).
    method : str
        ``"chi2"`` (large-sample, as R ``did``); ``"htz_f"``: CR2 covariance (the default
        of clustered :func:`improve.did.att_gt`) and the approximate Hotelling test of
        Pustejovsky & Tipton (2018, ``clubSandwich::Wald_test(test = "HTZ")``):
        ``(η − k + 1) / (η k) · W`` against F(k, η − k + 1), with η the effective degrees
        of freedom of the covariance estimate (few when one cluster dominates); or
        ``"hotelling_f"``: with G clusters ``(G − k) / (k (G − 1)) · W`` against
        F(k, G − k), Hotelling's T² for G equal clusters; or ``"wild_bootstrap"``: the
        restricted wild cluster bootstrap of W (:func:`pretrend_wild`). With few or unequal
        clusters the chi-squared test rejects far too often.
    chi2_p_value : float
        Large-sample p-value, for comparison with R.
    n_clusters : int
    terms : tuple of str
        What was tested.
    """

    statistic: float
    df: int
    p_value: float
    method: str
    chi2_p_value: float
    n_clusters: int
    terms: tuple[str, ...]
    denominator_df: float = float("nan")

    def describe(self) -> str:
        """One sentence for reports."""
        if self.method == "htz_f" and not np.isfinite(self.p_value):
            return (
                f"The {self.df} pre-treatment estimates cannot be tested jointly: the "
                f"clustered covariance has only {self.denominator_df:.1f} effective degrees "
                f"of freedom ({self.n_clusters} clusters, a few of them dominant); test fewer "
                "event times (min_e) and read the event-study plot."
            )
        if self.method == "htz_f":
            how = (
                f"small-sample F test with {self.n_clusters} clusters, "
                f"{self.denominator_df:.1f} effective degrees of freedom"
            )
        elif self.method == "hotelling_f":
            how = f"F test with {self.n_clusters} clusters"
        else:
            how = "chi-squared test"
        return (
            f"Joint test that all {self.df} pre-treatment estimates are zero ({how}): "
            f"p = {self.p_value:.3f}."
        )


def pretrend_wald(
    result: Any,
    *,
    event_study: bool = True,
    min_e: float | None = None,
    small_sample: bool = True,
) -> PretrendTest:
    """Test that pre-treatment effects are jointly zero.

    Parameters
    ----------
    result : ATTGTResult
        Group-time effects from :func:`improve.did.att_gt`.
    event_study : bool
        ``True``: aggregate by event time and test the pre-treatment event-time estimates
        (few restrictions, a better-behaved test). ``False``: test every pre-treatment
        ATT(g,t) cell, as R ``did``'s pre-test does.
    min_e : float, optional
        Earliest event time tested (event-study version).
    small_sample : bool
        With clustered inference: the HTZ test on the CR2 covariance when ``result`` has
        it (``cluster_correction="CR2"``, the default), else the Hotelling F reference
        (recommended). False: chi-squared on the same covariance (R's test when
        ``cluster_correction="none"``).
    """
    from improve.did.aggregate import aggregate

    codes = result.cluster_codes
    if event_study:
        agg = aggregate(result, type="dynamic", **({"min_e": min_e} if min_e is not None else {}))
        pre = np.flatnonzero(agg.egt < 0)
        theta = agg.att_egt[pre]
        psi = agg.inf_func_egt[:, pre]
        terms = tuple(f"e={e:g}" for e in agg.egt[pre])
        cr2 = agg.cr2
        combos = None if agg.cell_weights_egt is None else agg.cell_weights_egt[:, pre]
    else:
        pre = np.flatnonzero(~result.post)
        theta = result.estimate[pre]
        psi = result.inf_func[:, pre]
        cr2 = result.cr2
        combos = np.eye(result.estimate.size)[:, pre]
        terms = tuple(
            f"ATT({g:g},{t:g})" for g, t in zip(result.groups[pre], result.times[pre], strict=True)
        )
    keep = np.isfinite(theta) & (np.abs(psi).sum(axis=0) > 0)
    theta, psi = theta[keep], psi[:, keep]
    terms = tuple(t for t, k in zip(terms, keep, strict=True) if k)
    n = psi.shape[0]
    use_cr2 = cr2 is not None and combos is not None
    if use_cr2:
        combos = combos[:, keep]
    sums = corrected_sums(psi, codes, cr2.correction @ combos if use_cr2 else None)
    n_clusters = sums.shape[0]
    k = theta.size
    if k == 0:
        return PretrendTest(np.nan, 0, np.nan, "none", np.nan, n_clusters, ())
    vcov = sums.T @ sums / n**2
    statistic = float(theta @ np.linalg.pinv(vcov) @ theta)
    chi2_p = float(stats.chi2.sf(statistic, k))
    clustered = codes is not None and n_clusters < n
    if small_sample and use_cr2:
        eta = cr2.hotelling_df(combos)
        p = np.nan  # fewer effective degrees of freedom than restrictions: no F reference
        if np.isfinite(eta) and eta > k - 1:
            f_stat = (eta - k + 1) / (eta * k) * statistic
            p = float(stats.f.sf(f_stat, k, eta - k + 1))
        return PretrendTest(statistic, k, p, "htz_f", chi2_p, n_clusters, terms, eta)
    if small_sample and clustered and n_clusters > k:
        f_stat = (n_clusters - k) / (k * (n_clusters - 1)) * statistic
        p = float(stats.f.sf(f_stat, k, n_clusters - k))
        method = "hotelling_f"
    else:
        p, method = chi2_p, "chi2"
    return PretrendTest(statistic, k, p, method, chi2_p, n_clusters, terms)


def pretrend_wald_vcov(
    estimates: np.ndarray,
    vcov: np.ndarray,
    event_times: np.ndarray,
    *,
    n_clusters: int | None = None,
    small_sample: bool = True,
) -> PretrendTest:
    """Joint test that the pre-treatment event-study coefficients are zero, from a covariance.

    For any event-study result with ``estimate``, ``vcov`` and ``event_time`` (two-way fixed
    effects, Sun–Abraham, imputation). With ``n_clusters`` the Hotelling F reference is used,
    as in :func:`pretrend_wald`.
    """
    event_times = np.asarray(event_times, dtype=float)
    pre = np.flatnonzero(np.isfinite(event_times) & (event_times < 0))
    theta = np.asarray(estimates, dtype=float)[pre]
    sub = np.asarray(vcov, dtype=float)[np.ix_(pre, pre)]
    keep = np.isfinite(theta) & (np.diag(sub) > 0)
    theta, sub = theta[keep], sub[np.ix_(keep, keep)]
    terms = tuple(f"e={e:g}" for e in event_times[pre][keep])
    k = theta.size
    g = int(n_clusters) if n_clusters else 0
    if k == 0:
        return PretrendTest(np.nan, 0, np.nan, "none", np.nan, g, ())
    statistic = float(theta @ np.linalg.pinv(sub) @ theta)
    chi2_p = float(stats.chi2.sf(statistic, k))
    if small_sample and g > k:
        f_stat = (g - k) / (k * (g - 1)) * statistic
        return PretrendTest(
            statistic, k, float(stats.f.sf(f_stat, k, g - k)), "hotelling_f", chi2_p, g, terms
        )
    return PretrendTest(statistic, k, chi2_p, "chi2", chi2_p, g, terms)


def pretrend_wild(
    result: Any, *, min_e: float | None = None, n_boot: int = 999, seed: int = 0
) -> PretrendTest:
    """Joint pre-trend test of a regression event study by the wild cluster bootstrap.

    The pre-treatment event-time estimates (from ``min_e`` on) are linear combinations of
    the saturated cohort x relative-period coefficients; their joint Wald statistic is
    referred to its restricted wild cluster bootstrap distribution (Rademacher weights,
    all sign vectors when ``2**G <= n_boot``), which stays close to the nominal size when a
    few clusters dominate, unlike the chi-squared or Hotelling F references.

    Parameters
    ----------
    result : SunabResult or TWFEResult
        With ``wild_design`` (kept when units are nested in clusters).
    min_e : float, optional
        Earliest event time tested.
    n_boot : int
        Bootstrap draws.
    seed : int
        Seed of the draws (the p-value is reproducible).
    """
    from improve.inference import wild_wald_test

    design = result.wild_design
    if design is None:
        raise ValueError("this result keeps no design for the wild bootstrap test")
    et = np.asarray(result.event_time, dtype=float)
    pre = np.flatnonzero((et < 0) & (et >= (-np.inf if min_e is None else min_e)))
    if pre.size == 0:
        return PretrendTest(np.nan, 0, np.nan, "none", np.nan, design.n_clusters, ())
    aggregation = getattr(result, "aggregation", None)  # Sun-Abraham: cells -> event times
    if aggregation is None:  # two-way fixed effects: one coefficient per event time
        aggregation = np.eye(et.size)
    agg = np.asarray(aggregation, dtype=float)[pre]
    offset = design.x.shape[1] - agg.shape[1]
    restriction = np.hstack([np.zeros((pre.size, offset)), agg])
    wild = wild_wald_test(design, restriction, n_boot=n_boot, seed=seed)
    base = pretrend_wald_vcov(result.estimate[pre], result.vcov[np.ix_(pre, pre)], et[pre])
    return PretrendTest(
        base.statistic,
        int(pre.size),
        wild.p_value,
        "wild_bootstrap",
        base.chi2_p_value,
        design.n_clusters,
        tuple(f"e={e:g}" for e in et[pre]),
    )


def detectable_linear_pretrend(
    vcov: np.ndarray,
    event_times: np.ndarray,
    *,
    alpha: float = 0.05,
    power: float = 0.80,
) -> float:
    """Slope of a linear pre-trend (outcome units per period) the Wald test detects with ``power``.

    Under a violation ``delta * e`` in the pre-periods ``e < 0``, the Wald statistic is
    noncentral chi-squared with noncentrality ``delta^2 * e' V^-1 e`` (Roth 2022 on the
    power of pre-tests). The returned ``delta`` is the smallest slope with the given power:
    smaller violations could easily pass the test unnoticed.
    """
    event_times = np.asarray(event_times, dtype=float)
    pre = np.flatnonzero(np.isfinite(event_times) & (event_times < 0))
    if pre.size == 0:
        return float("nan")
    sub = np.asarray(vcov, dtype=float)[np.ix_(pre, pre)]
    e = event_times[pre]
    k = pre.size
    critical = stats.chi2.ppf(1 - alpha, k)

    def shortfall(lam: float) -> float:
        return float(stats.ncx2.sf(critical, k, lam)) - power

    high = 1.0
    while shortfall(high) < 0:
        high *= 2
    from scipy.optimize import brentq

    lam = brentq(shortfall, 1e-9, high)
    precision = float(e @ np.linalg.pinv(sub) @ e)
    return float(np.sqrt(lam / precision)) if precision > 0 else float("nan")


def pretrend_table(results: Any, *, min_e: float | None = None) -> Any:
    """One row per estimator: restrictions, statistic, p-value, method, detectable slope.

    ``results`` maps a label to an :class:`ATTGTResult` (tested by event time with its
    influence functions, from ``min_e`` on) or to any result with ``estimate``, ``vcov``,
    ``event_time`` and ``n_clusters``.
    """
    import pandas as pd

    from improve.did.attgt import ATTGTResult

    rows = []
    for label, result in results.items():
        if isinstance(result, ATTGTResult):
            test = pretrend_wald(result, min_e=min_e)
            slope = float("nan")
        elif getattr(result, "wild_design", None) is not None:
            test = pretrend_wild(result, min_e=min_e)
            slope = detectable_linear_pretrend(result.vcov, result.event_time)
        else:
            test = pretrend_wald_vcov(
                result.estimate,
                result.vcov,
                result.event_time,
                n_clusters=getattr(result, "n_clusters", None),
            )
            slope = detectable_linear_pretrend(result.vcov, result.event_time)
        rows.append(
            {
                "estimator": label,
                "restrictions": test.df,
                "statistic": test.statistic,
                "p_value": test.p_value,
                "method": test.method,
                "detectable_slope_80": slope,
            }
        )
    return pd.DataFrame(rows)
