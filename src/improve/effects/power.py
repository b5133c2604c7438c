"""Power and minimum detectable effect size (MDES) for planning school evaluations.

All effects are in standard-deviation units of the student-level outcome (set ``icc=1`` and
``cluster_size=1`` to work in school-level SD units instead).

Designs
-------
``"individual"``
    Individuals assigned to treatment (Bloom 1995; Dong & Maynard 2013, model IRA):
    ``MDES = M_{N-g-2} sqrt((1 - R^2) / (P (1-P) N))``.
``"cluster"``
    Schools assigned, students nested (Bloom 2006; Dong & Maynard 2013, model CRA2):
    ``MDES = M_{J-g-2} sqrt(rho (1 - R2^2) / (P(1-P)J) + (1-rho)(1 - R1^2) / (P(1-P)Jn))``.
``"panel"``
    A school panel analysed by difference-in-differences (two-way fixed effects) with
    ``T_pre`` periods before and ``T_post`` after treatment starts. Each school-period mean
    is ``alpha_j + lambda_t + delta D_jt + u_jt``; the school fixed effect absorbs the
    stable share ``r2`` of the between-school variance ``rho``, leaving a school-by-period
    residual of variance ``sigma^2 = rho (1 - r2) + (1 - rho)(1 - r2_student) / n``
    (new students each period). With serially independent residuals the DiD estimator
    (mean post minus mean pre, treated minus comparison) has variance
    ``sigma^2 (1/T_pre + 1/T_post) / (P (1-P) J)``, so
    ``MDES = M_{J-g-2} sqrt(sigma^2 (1/T_pre + 1/T_post) / (P(1-P)J))``.
    This is the comparative-interrupted-time-series / DiD variance of Bloom (2003) and
    Schochet (2022, JEBS 47(4)) under independent errors; positively autocorrelated
    residuals make the true MDES larger, so treat the result as optimistic when
    school-year shocks persist.

The multiplier is ``M_df = t_{1-alpha/2, df} + t_{power, df}`` (two-tailed;
``t_{1-alpha, df}`` one-tailed), which tends to 2.80 for large df at alpha = 0.05 and 80%
power (Bloom 1995).

References
----------
Bloom, H. S. (1995). Minimum detectable effects. *Evaluation Review*, 19(5), 547-556.
Bloom, H. S. (2003). Using "short" interrupted time-series analysis to measure the impacts
of whole-school reforms. *Evaluation Review*, 27(1), 3-49.
Bloom, H. S. (2006). The core analytics of randomized experiments for social research.
MDRC Working Papers on Research Methodology.
Dong, N., & Maynard, R. (2013). PowerUp!: A tool for calculating minimum detectable effect
sizes and minimum required sample sizes. *Journal of Research on Educational
Effectiveness*, 6(1), 24-67.
Schochet, P. Z. (2022). Statistical power for estimating treatment effects using
difference-in-differences and comparative interrupted time series estimators with
variation in treatment timing. *Journal of Educational and Behavioral Statistics*, 47(4),
367-405.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from improve.errors import EstimationError, SpecError

Design = Literal["individual", "cluster", "panel"]

_FORMULAS = {
    "individual": "M_{N-g-2} sqrt((1-R^2) / (P(1-P)N))  [Bloom 1995; Dong & Maynard 2013 IRA]",
    "cluster": (
        "M_{J-g-2} sqrt(rho(1-R2^2)/(P(1-P)J) + (1-rho)(1-R1^2)/(P(1-P)Jn))  "
        "[Bloom 2006; Dong & Maynard 2013 CRA2]"
    ),
    "panel": (
        "M_{J-g-2} sqrt((rho(1-r2) + (1-rho)(1-r2_student)/n)(1/T_pre + 1/T_post)/(P(1-P)J))"
        "  [DiD / CITS with independent school-period errors; Bloom 2003; Schochet 2022]"
    ),
}


@dataclass(frozen=True)
class MDESResult:
    """Minimum detectable effect of a design, with the inputs and formula behind it.

    Attributes
    ----------
    mdes : float
        Minimum detectable effect size in SD units.
    std_error : float
        Standard error of the impact estimate in SD units (``mdes / multiplier``).
    multiplier : float
        ``t_{1-alpha/2, df} + t_{power, df}``.
    df : float
    design : str
    n_units : int
        Schools (cluster, panel) or individuals (individual).
    parameters : dict
        Every input used.
    formula : str
        The formula and its source.
    """

    mdes: float
    std_error: float
    multiplier: float
    df: float
    design: str
    n_units: int
    parameters: dict[str, Any] = field(default_factory=dict)
    formula: str = ""

    def tidy(self) -> pd.DataFrame:
        """One row: ``term="mdes"``, ``estimate`` the MDES, ``std_error``, ``df`` and inputs."""
        row: dict[str, Any] = {
            "term": "mdes",
            "estimate": self.mdes,
            "std_error": self.std_error,
            "statistic": math.nan,
            "p_value": math.nan,
            "conf_low": math.nan,
            "conf_high": math.nan,
            "df": self.df,
            "multiplier": self.multiplier,
            "design": self.design,
            "n_units": self.n_units,
        }
        row.update({k: v for k, v in self.parameters.items() if k not in row})
        return pd.DataFrame([row])

    def summary(self) -> str:
        """One sentence for a planning memo."""
        p = self.parameters
        power = p.get("power", 0.8)
        return (
            f"With {self.n_units} {'individuals' if self.design == 'individual' else 'schools'}"
            f" ({self.design} design), the smallest effect detectable with {power:.0%} power "
            f"at alpha = {p.get('alpha', 0.05)} is {self.mdes:.3f} SD. Formula: {self.formula}"
        )


@dataclass(frozen=True)
class SampleSize:
    """Number of units needed to detect a target effect.

    Attributes
    ----------
    n_units : int
        Smallest number of schools (or individuals) whose MDES is at or below the target.
    target : float
    achieved : MDESResult
        The design at ``n_units``.
    """

    n_units: int
    target: float
    achieved: MDESResult

    def summary(self) -> str:
        """One sentence for a planning memo."""
        unit = "individuals" if self.achieved.design == "individual" else "schools"
        return (
            f"{self.n_units} {unit} are needed to detect {self.target:.3f} SD "
            f"(MDES at that size: {self.achieved.mdes:.3f} SD)."
        )


def multiplier(
    df: float, alpha: float = 0.05, power: float = 0.80, two_tailed: bool = True
) -> float:
    """MDES multiplier ``t_{1-alpha/2, df} + t_{power, df}`` (Bloom 1995).

    Parameters
    ----------
    df : float
        Degrees of freedom (``np.inf`` for the normal limit, 1.96 + 0.84 = 2.80).
    alpha, power : float
    two_tailed : bool
    """
    if not 0 < alpha < 1 or not 0 < power < 1:
        raise SpecError(f"alpha and power must be between 0 and 1 (got {alpha}, {power})")
    if df <= 0:
        raise EstimationError(
            f"the design leaves {df:g} degrees of freedom; add units or drop covariates"
        )
    q = 1 - alpha / 2 if two_tailed else 1 - alpha
    if np.isinf(df):
        return float(stats.norm.ppf(q) + stats.norm.ppf(power))
    return float(stats.t.ppf(q, df) + stats.t.ppf(power, df))


def _check_fraction(name: str, value: float, *, upper_open: bool = True) -> float:
    ok = 0 <= value < 1 if upper_open else 0 <= value <= 1
    if value is None or not np.isfinite(value) or not ok:
        rng = "[0, 1)" if upper_open else "[0, 1]"
        raise SpecError(f"{name} must be in {rng}, got {value!r}")
    return float(value)


def _variance_factor(
    design: str,
    n_units: float,
    *,
    cluster_size: float,
    icc: float,
    r2: float,
    r2_student: float,
    p_treated: float,
    n_pre: int,
    n_post: int,
) -> float:
    """Variance of the impact estimate in SD^2 units, for ``n_units`` units."""
    pq = p_treated * (1 - p_treated)
    if design == "individual":
        return (1 - r2) / (pq * n_units)
    if design == "cluster":
        return icc * (1 - r2) / (pq * n_units) + (1 - icc) * (1 - r2_student) / (
            pq * n_units * cluster_size
        )
    sigma2 = icc * (1 - r2) + (1 - icc) * (1 - r2_student) / cluster_size
    return sigma2 * (1 / n_pre + 1 / n_post) / (pq * n_units)


def _validate(
    design: str,
    *,
    cluster_size: float,
    icc: float,
    r2: float,
    r2_student: float,
    p_treated: float,
    n_pre: int,
    n_post: int,
    n_covariates: int,
) -> None:
    if design not in _FORMULAS:
        raise SpecError(f"design must be one of {', '.join(_FORMULAS)}, got {design!r}")
    if not 0 < p_treated < 1:
        raise SpecError(f"p_treated must be between 0 and 1, got {p_treated}")
    _check_fraction("r2", r2)
    _check_fraction("r2_student", r2_student)
    if design != "individual":
        _check_fraction("icc", icc, upper_open=False)
        if cluster_size is None or not cluster_size >= 1:
            raise SpecError(f"cluster_size (students per school) must be >= 1, got {cluster_size}")
    if design == "panel" and (n_pre < 1 or n_post < 1):
        raise SpecError(
            f"a panel needs at least one period before and one after treatment "
            f"(n_pre={n_pre}, n_post={n_post})"
        )
    if n_covariates < 0:
        raise SpecError("n_covariates must be >= 0")


def mdes(
    n_units: int,
    design: Design = "cluster",
    *,
    cluster_size: float = 1.0,
    icc: float = 0.0,
    r2: float = 0.0,
    r2_student: float = 0.0,
    p_treated: float = 0.5,
    n_pre: int = 1,
    n_post: int = 1,
    n_covariates: int = 0,
    alpha: float = 0.05,
    power: float = 0.80,
    two_tailed: bool = True,
) -> MDESResult:
    """Minimum detectable effect size for a design with ``n_units`` schools (or individuals).

    Parameters
    ----------
    n_units : int
        Schools (``"cluster"``, ``"panel"``) or individuals (``"individual"``).
    design : {"cluster", "panel", "individual"}
        See the module docstring for each formula and its source.
    cluster_size : float
        Students per school per period (harmonic mean when unequal).
    icc : float
        Intraclass correlation: share of the outcome variance between schools.
    r2 : float
        Cluster design: share of the between-school variance explained by school-level
        covariates (R2^2). Panel: share of the between-school variance that is stable
        over time and so absorbed by school fixed effects (and covariates). Individual:
        share of outcome variance explained by covariates.
    r2_student : float
        Share of the within-school (student) variance explained by student covariates.
    p_treated : float
        Share of units treated.
    n_pre, n_post : int
        Panel design: periods before and after treatment starts.
    n_covariates : int
        Covariates at the level of assignment (each costs a degree of freedom).
    alpha, power : float
    two_tailed : bool

    Returns
    -------
    MDESResult
    """
    _validate(
        design,
        cluster_size=cluster_size,
        icc=icc,
        r2=r2,
        r2_student=r2_student,
        p_treated=p_treated,
        n_pre=n_pre,
        n_post=n_post,
        n_covariates=n_covariates,
    )
    if n_units is None or n_units != int(n_units) or n_units < 1:
        raise SpecError(f"n_units must be a positive whole number, got {n_units!r}")
    df = float(n_units - n_covariates - 2)
    if df < 1:
        raise EstimationError(
            f"{n_units} units with {n_covariates} covariates leave {df:g} degrees of "
            "freedom; a design needs at least three units more than covariates"
        )
    var = _variance_factor(
        design,
        float(n_units),
        cluster_size=cluster_size,
        icc=icc,
        r2=r2,
        r2_student=r2_student,
        p_treated=p_treated,
        n_pre=n_pre,
        n_post=n_post,
    )
    m = multiplier(df, alpha, power, two_tailed)
    se = math.sqrt(var)
    params: dict[str, Any] = {
        "cluster_size": cluster_size,
        "icc": icc,
        "r2": r2,
        "r2_student": r2_student,
        "p_treated": p_treated,
        "n_pre": n_pre,
        "n_post": n_post,
        "n_covariates": n_covariates,
        "alpha": alpha,
        "power": power,
        "two_tailed": two_tailed,
    }
    return MDESResult(
        mdes=m * se,
        std_error=se,
        multiplier=m,
        df=df,
        design=design,
        n_units=int(n_units),
        parameters=params,
        formula=_FORMULAS[design],
    )


def schools_needed(
    target: float,
    design: Design = "cluster",
    *,
    max_units: int = 1_000_000,
    **kwargs: Any,
) -> SampleSize:
    """Smallest number of schools (or individuals) whose MDES is at or below ``target``.

    Parameters
    ----------
    target : float
        Effect to detect, in SD units (e.g. 0.20).
    design : {"cluster", "panel", "individual"}
    max_units : int
        Search limit.
    **kwargs
        The other arguments of :func:`mdes` (cluster_size, icc, r2, n_pre, ...).

    Returns
    -------
    SampleSize
    """
    if target is None or not np.isfinite(target) or target <= 0:
        raise SpecError(f"target effect must be a positive number of SDs, got {target!r}")
    n_cov = int(kwargs.get("n_covariates", 0))
    lo = n_cov + 3
    if mdes(lo, design, **kwargs).mdes <= target:
        return SampleSize(lo, float(target), mdes(lo, design, **kwargs))
    hi = lo
    while mdes(hi, design, **kwargs).mdes > target:
        if hi >= max_units:
            raise EstimationError(
                f"even {max_units} units cannot detect {target} SD with this design; "
                "raise max_units, the target, or the covariate R-squared"
            )
        hi = min(hi * 2, max_units)
    # MDES decreases in n_units: bisect for the first n with mdes <= target
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if mdes(mid, design, **kwargs).mdes <= target:
            hi = mid
        else:
            lo = mid
    return SampleSize(hi, float(target), mdes(hi, design, **kwargs))


def power_at(
    effect: float,
    n_units: int,
    design: Design = "cluster",
    **kwargs: Any,
) -> float:
    """Power to detect ``effect`` (SD units), from the noncentral t distribution.

    Uses the same variance as :func:`mdes`; two-tailed unless ``two_tailed=False``.
    """
    alpha = kwargs.pop("alpha", 0.05)
    two_tailed = kwargs.pop("two_tailed", True)
    kwargs.pop("power", None)
    res = mdes(n_units, design, alpha=alpha, two_tailed=two_tailed, **kwargs)
    ncp = effect / res.std_error
    if two_tailed:
        crit = stats.t.ppf(1 - alpha / 2, res.df)
        return float(stats.nct.sf(crit, res.df, ncp) + stats.nct.cdf(-crit, res.df, ncp))
    crit = stats.t.ppf(1 - alpha, res.df)
    return float(stats.nct.sf(crit, res.df, ncp))
