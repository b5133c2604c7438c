"""WWC effect sizes: Hedges' g, clustering adjustments, Cox index, DiD effect size,
improvement index."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from improve.effects.wwc.handbook import HANDBOOK, _handbook
from improve.errors import EstimationError, SpecError


@dataclass(frozen=True)
class EffectSize:
    """A standardised effect with its uncertainty and the convention that produced it.

    Attributes
    ----------
    term : str
        Label of the finding (outcome or contrast).
    estimate : float
        The effect size (Hedges' g, Cox index, ...), in SD units.
    std_error : float
        Standard error of the effect size (NaN when it cannot be computed).
    df : float or None
        Degrees of freedom for the interval and test (None = normal reference).
    conf_level : float
    n_treatment, n_comparison : float
        Sample sizes behind the effect (NaN when not supplied).
    kind : str
        ``"hedges_g"``, ``"cox_index"``, ``"hedges_g_clustered"``, ``"did"``.
    method : str
        One sentence for reports describing the computation.
    handbook : str
        The WWC handbook the convention comes from.
    """

    term: str
    estimate: float
    std_error: float
    df: float | None = None
    conf_level: float = 0.95
    n_treatment: float = math.nan
    n_comparison: float = math.nan
    kind: str = "hedges_g"
    method: str = ""
    handbook: str = HANDBOOK

    @property
    def statistic(self) -> float:
        """``estimate / std_error`` (NaN without a standard error)."""
        if not np.isfinite(self.std_error) or self.std_error <= 0:
            return math.nan
        return self.estimate / self.std_error

    @property
    def p_value(self) -> float:
        """Two-sided p-value of the ratio test, t with ``df`` when given, else normal."""
        z = self.statistic
        if not np.isfinite(z):
            return math.nan
        if self.df is not None and np.isfinite(self.df):
            return float(2 * stats.t.sf(abs(z), self.df))
        return float(2 * stats.norm.sf(abs(z)))

    def _crit(self) -> float:
        q = 0.5 + self.conf_level / 2
        if self.df is not None and np.isfinite(self.df):
            return float(stats.t.ppf(q, self.df))
        return float(stats.norm.ppf(q))

    @property
    def conf_low(self) -> float:
        """Lower confidence limit."""
        return self.estimate - self._crit() * self.std_error

    @property
    def conf_high(self) -> float:
        """Upper confidence limit."""
        return self.estimate + self._crit() * self.std_error

    @property
    def improvement_index(self) -> float:
        """WWC improvement index of the estimate (percentile points)."""
        return float(improvement_index(self.estimate))

    def tidy(self) -> pd.DataFrame:
        """One row: the tidy columns plus ``df``, ``improvement_index``, ``kind``, ``handbook``."""
        row = {
            "term": self.term,
            "estimate": self.estimate,
            "std_error": self.std_error,
            "statistic": self.statistic,
            "p_value": self.p_value,
            "conf_low": self.conf_low,
            "conf_high": self.conf_high,
            "df": math.nan if self.df is None else self.df,
            "improvement_index": self.improvement_index,
            "kind": self.kind,
            "method": self.method,
            "handbook": self.handbook,
        }
        return pd.DataFrame([row])

    def summary(self) -> str:
        """One sentence for a report."""
        return (
            f"{self.term}: effect size {self.estimate:.3f} SD "
            f"({self.conf_level:.0%} CI {self.conf_low:.3f} to {self.conf_high:.3f}); "
            f"improvement index {self.improvement_index:+.1f} percentile points. "
            f"{self.method} [{self.handbook}]"
        )


@dataclass(frozen=True)
class ClusterCorrectedTest:
    """A significance test corrected for clustering (WWC mismatch correction).

    Attributes
    ----------
    effect_size : float
        Hedges' g ignoring clustering.
    t : float
        t statistic implied by g ignoring clustering.
    t_corrected, df : float
        Clustering-corrected t statistic and degrees of freedom (Hedges 2007).
    p_value : float
        Two-sided p-value from ``t_corrected`` on ``df`` degrees of freedom.
    significant : bool
        ``p_value < alpha``.
    icc : float
    icc_source : str
        ``"supplied"`` or the WWC default used (achievement 0.20, other 0.10).
    cluster_size : float
        Average cluster size ``N / M``.
    """

    effect_size: float
    t: float
    t_corrected: float
    df: float
    p_value: float
    significant: bool
    icc: float
    icc_source: str
    cluster_size: float
    alpha: float = 0.05
    handbook: str = HANDBOOK

    def tidy(self) -> pd.DataFrame:
        """One row in the tidy layout (``statistic`` is the corrected t)."""
        return pd.DataFrame(
            [
                {
                    "term": "clustering_corrected_test",
                    "estimate": self.effect_size,
                    "std_error": self.effect_size / self.t_corrected
                    if self.t_corrected
                    else math.nan,
                    "statistic": self.t_corrected,
                    "p_value": self.p_value,
                    "conf_low": math.nan,
                    "conf_high": math.nan,
                    "df": self.df,
                    "t_uncorrected": self.t,
                    "icc": self.icc,
                    "icc_source": self.icc_source,
                    "handbook": self.handbook,
                }
            ]
        )


def _positive(name: str, value: float, *, integer: bool = False) -> float:
    if value is None or not np.isfinite(value) or value <= 0:
        raise SpecError(f"{name} must be a positive number, got {value!r}")
    if integer and float(value) != int(value):
        raise SpecError(f"{name} must be a whole number, got {value!r}")
    return float(value)


def small_sample_correction(n_total: float) -> float:
    """Hedges' small-sample correction ``omega = 1 - 3 / (4N - 9)`` (WWC v5.0, Appendix E).

    Parameters
    ----------
    n_total : float
        Total sample size ``n_t + n_c``.
    """
    n = _positive("n_total", n_total)
    if 4 * n - 9 <= 0:
        raise SpecError(f"the small-sample correction needs n_total >= 3 (got {n_total})")
    return 1.0 - 3.0 / (4.0 * n - 9.0)


def pooled_sd(sd_t: float, sd_c: float, n_t: float, n_c: float) -> float:
    """Pooled within-group SD ``sqrt(((n_t-1) s_t^2 + (n_c-1) s_c^2) / (n_t + n_c - 2))``."""
    n_t = _positive("n_t", n_t)
    n_c = _positive("n_c", n_c)
    if n_t + n_c <= 2:
        raise SpecError("pooling SDs needs more than two observations in total")
    return math.sqrt(((n_t - 1) * sd_t**2 + (n_c - 1) * sd_c**2) / (n_t + n_c - 2))


def hedges_g_variance(g: float, n_t: float, n_c: float) -> float:
    """Sampling variance of g: ``(n_t + n_c)/(n_t n_c) + g^2 / (2 (n_t + n_c))``."""
    n_t = _positive("n_t", n_t)
    n_c = _positive("n_c", n_c)
    return (n_t + n_c) / (n_t * n_c) + g**2 / (2 * (n_t + n_c))


def hedges_g(
    mean_t: float | None,
    mean_c: float | None,
    sd_t: float,
    sd_c: float,
    n_t: float,
    n_c: float,
    *,
    mean_diff: float | None = None,
    term: str = "hedges_g",
    conf_level: float = 0.95,
) -> EffectSize:
    """Hedges' g with the WWC small-sample correction.

    ``g = omega * (mean_t - mean_c) / S_pooled`` with ``omega = 1 - 3/(4N - 9)``.

    Parameters
    ----------
    mean_t, mean_c : float or None
        Group means (unadjusted). Ignored when ``mean_diff`` is given.
    sd_t, sd_c : float
        Unadjusted group SDs (the WWC standardises by the unadjusted pooled SD).
    n_t, n_c : float
        Group sample sizes.
    mean_diff : float, optional
        Covariate-adjusted mean difference (preferred by the WWC when reported), e.g. an
        ATT or a regression coefficient.
    term : str
        Label of the finding.
    conf_level : float

    Returns
    -------
    EffectSize
        With the variance ``(n_t+n_c)/(n_t n_c) + g^2/(2(n_t+n_c))``.
    """
    if mean_diff is None:
        if mean_t is None or mean_c is None:
            raise SpecError("give both group means (mean_t, mean_c) or the mean_diff")
        mean_diff = float(mean_t) - float(mean_c)
    s = pooled_sd(sd_t, sd_c, n_t, n_c)
    if s <= 0:
        raise EstimationError(
            "the pooled SD is zero, so no standardised effect exists; check that the "
            "outcome varies within groups"
        )
    omega = small_sample_correction(n_t + n_c)
    g = omega * mean_diff / s
    return EffectSize(
        term=term,
        estimate=g,
        std_error=math.sqrt(hedges_g_variance(g, n_t, n_c)),
        conf_level=conf_level,
        n_treatment=float(n_t),
        n_comparison=float(n_c),
        kind="hedges_g",
        method=(
            f"Hedges' g: mean difference over the pooled SD ({s:.4g}) times the "
            f"small-sample correction omega = {omega:.4f}"
        ),
    )


def hedges_g_from_samples(
    treatment: Sequence[float] | np.ndarray,
    comparison: Sequence[float] | np.ndarray,
    *,
    term: str = "hedges_g",
) -> EffectSize:
    """Hedges' g from two samples of raw values (missing values dropped)."""
    t = np.asarray(treatment, dtype="float64")
    c = np.asarray(comparison, dtype="float64")
    t, c = t[np.isfinite(t)], c[np.isfinite(c)]
    if t.size < 2 or c.size < 2:
        raise EstimationError(
            f"Hedges' g needs at least two values per group (treatment {t.size}, "
            f"comparison {c.size}); add units or pool periods"
        )
    return hedges_g(
        float(t.mean()),
        float(c.mean()),
        float(t.std(ddof=1)),
        float(c.std(ddof=1)),
        t.size,
        c.size,
        term=term,
    )


def cluster_df(n_total: float, icc: float, cluster_size: float) -> float:
    """Degrees of freedom ``h`` of a cluster-adjusted effect (Hedges 2007; WWC v5.0 Eq. E.21).

    ``h = ((N-2) - 2(n-1)rho)^2 / ((N-2)(1-rho)^2 + n(N-2n)rho^2 + 2(N-2n)rho(1-rho))``

    Parameters
    ----------
    n_total : float
        Total number of individuals ``N``.
    icc : float
        Intraclass correlation ``rho``.
    cluster_size : float
        Average number of individuals per cluster ``n``.
    """
    n_total = _positive("n_total", n_total)
    n = _positive("cluster_size", cluster_size)
    rho = _icc(icc)
    num = ((n_total - 2) - 2 * (n - 1) * rho) ** 2
    den = (
        (n_total - 2) * (1 - rho) ** 2
        + n * (n_total - 2 * n) * rho**2
        + 2 * (n_total - 2 * n) * rho * (1 - rho)
    )
    if den <= 0:
        raise SpecError(
            f"cluster_size {cluster_size} is too large for n_total {n_total}: "
            "there must be at least two clusters"
        )
    return num / den


def _icc(icc: float) -> float:
    if icc is None or not np.isfinite(icc) or not 0 <= icc < 1:
        raise SpecError(f"icc must be in [0, 1), got {icc!r}")
    return float(icc)


def default_icc(outcome: Literal["achievement", "other"] = "achievement") -> float:
    """The WWC default ICC when a study reports none (0.20 achievement, 0.10 other)."""
    table = _handbook()["effect_sizes"]["default_icc"]
    if outcome not in ("achievement", "other"):
        raise SpecError(f"outcome must be 'achievement' or 'other', got {outcome!r}")
    return float(table[outcome])


def cluster_adjusted_g(
    g: float | EffectSize,
    n_t: float,
    n_c: float,
    icc: float,
    cluster_size: float | None = None,
    *,
    n_clusters: float | None = None,
    term: str | None = None,
    conf_level: float = 0.95,
) -> EffectSize:
    """Adjust Hedges' g, its variance and df for clustering (Hedges 2007, as used by the WWC).

    ``g_T = g * sqrt(1 - 2(n-1) rho / (N-2))`` and

    ``V(g_T) = (N/(n_t n_c)) (1 + (n-1) rho) + g_T^2 ((N-2)(1-rho)^2 + n(N-2n) rho^2
    + 2(N-2n) rho (1-rho)) / (2 (N-2) ((N-2) - 2(n-1) rho))``

    with ``h`` degrees of freedom (:func:`cluster_df`).

    Parameters
    ----------
    g : float or EffectSize
        Hedges' g computed ignoring clustering.
    n_t, n_c : float
        Individuals in each group.
    icc : float
        Intraclass correlation (use :func:`default_icc` when none is known).
    cluster_size : float, optional
        Average individuals per cluster; or give ``n_clusters`` (total clusters).
    """
    g_value = g.estimate if isinstance(g, EffectSize) else float(g)
    label = term or (g.term if isinstance(g, EffectSize) else "hedges_g_clustered")
    n_t = _positive("n_t", n_t)
    n_c = _positive("n_c", n_c)
    big_n = n_t + n_c
    if cluster_size is None:
        if n_clusters is None:
            raise SpecError("give the average cluster_size or the total n_clusters")
        cluster_size = big_n / _positive("n_clusters", n_clusters)
    n = _positive("cluster_size", cluster_size)
    rho = _icc(icc)
    shrink = 1 - 2 * (n - 1) * rho / (big_n - 2)
    if shrink <= 0:
        raise SpecError(
            f"clusters of {n:g} with icc {rho:g} leave no independent information in "
            f"{big_n:g} individuals; check cluster_size and icc"
        )
    g_t = g_value * math.sqrt(shrink)
    a = (big_n - 2) - 2 * (n - 1) * rho
    b = (big_n - 2) * (1 - rho) ** 2 + n * (big_n - 2 * n) * rho**2
    b += 2 * (big_n - 2 * n) * rho * (1 - rho)
    var = big_n / (n_t * n_c) * (1 + (n - 1) * rho) + g_t**2 * b / (2 * (big_n - 2) * a)
    return EffectSize(
        term=label,
        estimate=g_t,
        std_error=math.sqrt(var),
        df=cluster_df(big_n, rho, n),
        conf_level=conf_level,
        n_treatment=n_t,
        n_comparison=n_c,
        kind="hedges_g_clustered",
        method=(
            f"Hedges' g adjusted for clustering (Hedges 2007): icc {rho:g}, average "
            f"cluster size {n:.3g}"
        ),
    )


def cluster_corrected_test(
    g: float | EffectSize,
    n_t: float,
    n_c: float,
    m_t: float,
    m_c: float,
    icc: float | None = None,
    *,
    outcome: Literal["achievement", "other"] = "achievement",
    alpha: float = 0.05,
) -> ClusterCorrectedTest:
    """WWC clustering correction of a significance test (mismatched unit of analysis).

    Applies when clusters (classrooms, schools) were assigned but the analysis treated
    individuals as independent: ``t = g / sqrt(N/(n_t n_c) + g^2/(2N))`` is corrected to
    ``t_A = t sqrt(((N-2) - 2(n-1) rho) / ((N-2)(1 + (n-1) rho)))`` on ``h`` degrees of
    freedom (WWC v4.1 Procedures Handbook Appendix F, Eqs. F.1-F.4; carried into v5.0).

    Parameters
    ----------
    g : float or EffectSize
        Hedges' g ignoring clustering.
    n_t, n_c : float
        Individuals per group.
    m_t, m_c : float
        Clusters per group.
    icc : float, optional
        Intraclass correlation; default is the WWC default for ``outcome``.
    outcome : {"achievement", "other"}
        Chooses the default ICC (0.20 achievement, 0.10 behavioural/other).
    alpha : float
    """
    g_value = g.estimate if isinstance(g, EffectSize) else float(g)
    n_t = _positive("n_t", n_t)
    n_c = _positive("n_c", n_c)
    m = _positive("m_t", m_t) + _positive("m_c", m_c)
    if icc is None:
        rho, source = default_icc(outcome), f"WWC default for {outcome} outcomes"
    else:
        rho, source = _icc(icc), "supplied"
    big_n = n_t + n_c
    n = big_n / m
    t = g_value / math.sqrt(big_n / (n_t * n_c) + g_value**2 / (2 * big_n))
    a = (big_n - 2) - 2 * (n - 1) * rho
    if a <= 0:
        raise SpecError("too few individuals per cluster for the correction; check m_t, m_c")
    t_c = t * math.sqrt(a / ((big_n - 2) * (1 + (n - 1) * rho)))
    df = cluster_df(big_n, rho, n)
    p = float(2 * stats.t.sf(abs(t_c), df))
    return ClusterCorrectedTest(
        effect_size=g_value,
        t=t,
        t_corrected=t_c,
        df=df,
        p_value=p,
        significant=p < alpha,
        icc=rho,
        icc_source=source,
        cluster_size=n,
        alpha=alpha,
    )


def cox_index(
    p_t: float,
    p_c: float,
    n_t: float | None = None,
    n_c: float | None = None,
    *,
    small_sample: bool = True,
    term: str = "cox_index",
    conf_level: float = 0.95,
) -> EffectSize:
    """The Cox index for a yes/no outcome: ``omega (logit p_t - logit p_c) / 1.65``.

    Parameters
    ----------
    p_t, p_c : float
        Proportions with the outcome in each group (strictly between 0 and 1).
    n_t, n_c : float, optional
        Group sizes; needed for the small-sample correction and the standard error
        ``sqrt(0.367 (1/a + 1/b + 1/c + 1/d))`` (Sanchez-Meca et al. 2003), with ``a..d``
        the four cell counts.
    small_sample : bool
        Apply ``omega`` as the WWC does (needs ``n_t`` and ``n_c``).
    """
    for name, p in (("p_t", p_t), ("p_c", p_c)):
        if p is None or not np.isfinite(p) or not 0 < p < 1:
            raise EstimationError(
                f"the Cox index is undefined for {name}={p!r}; it needs a proportion "
                "strictly between 0 and 1 (no group may be all yes or all no)"
            )
    constant = float(_handbook()["effect_sizes"]["cox_constant"])
    lor = math.log(p_t / (1 - p_t)) - math.log(p_c / (1 - p_c))
    have_n = n_t is not None and n_c is not None
    if small_sample and not have_n:
        raise SpecError(
            "the WWC small-sample correction of the Cox index needs n_t and n_c; "
            "pass them or set small_sample=False"
        )
    omega = small_sample_correction(n_t + n_c) if small_sample else 1.0  # type: ignore[operator]
    d = omega * lor / constant
    se = math.nan
    if have_n:
        cells = np.array(
            [p_t * n_t, (1 - p_t) * n_t, p_c * n_c, (1 - p_c) * n_c],  # type: ignore[operator]
            dtype="float64",
        )
        se = omega * math.sqrt(0.367 * float(np.sum(1.0 / cells)))
    return EffectSize(
        term=term,
        estimate=d,
        std_error=se,
        conf_level=conf_level,
        n_treatment=float(n_t) if n_t is not None else math.nan,
        n_comparison=float(n_c) if n_c is not None else math.nan,
        kind="cox_index",
        method=(
            f"Cox index: difference in log odds over {constant}"
            + (f", times omega = {omega:.4f}" if small_sample else "")
        ),
    )


def did_effect_size(
    post: float | EffectSize,
    pre: float | EffectSize,
    *,
    pre_post_correlation: float = 0.0,
    term: str = "did_effect_size",
    conf_level: float = 0.95,
) -> EffectSize:
    """WWC difference-in-differences effect size: the post-period g minus the baseline g.

    Used when the impact estimate does not adjust for the baseline measure: the WWC
    subtracts the baseline effect size from the outcome effect size (v4.1 and v5.0).

    Parameters
    ----------
    post, pre : float or EffectSize
        Effect sizes (Hedges' g or Cox index) at follow-up and at baseline.
    pre_post_correlation : float
        Correlation between the two effect-size estimates used for the standard error,
        ``var = v_post + v_pre - 2 r sqrt(v_post v_pre)``. The default 0 is conservative
        when baseline and follow-up are positively correlated (this variance is the
        package's choice, not a WWC formula).
    """
    g_post = post.estimate if isinstance(post, EffectSize) else float(post)
    g_pre = pre.estimate if isinstance(pre, EffectSize) else float(pre)
    se = math.nan
    if isinstance(post, EffectSize) and isinstance(pre, EffectSize):
        r = float(pre_post_correlation)
        if not -1 <= r <= 1:
            raise SpecError(f"pre_post_correlation must be in [-1, 1], got {r}")
        v1, v0 = post.std_error**2, pre.std_error**2
        se = math.sqrt(max(v1 + v0 - 2 * r * math.sqrt(v1 * v0), 0.0))
    return EffectSize(
        term=term,
        estimate=g_post - g_pre,
        std_error=se,
        conf_level=conf_level,
        kind="did",
        method="difference-in-differences effect size: follow-up g minus baseline g",
    )


def improvement_index(g: float | np.ndarray | EffectSize) -> float | np.ndarray:
    """WWC improvement index ``100 * Phi(g) - 50``: the expected percentile-rank change.

    An average comparison-group member (50th percentile) would move to the
    ``50 + index`` percentile with the intervention.
    """
    value = g.estimate if isinstance(g, EffectSize) else g
    out = 100.0 * stats.norm.cdf(np.asarray(value, dtype="float64")) - 50.0
    return float(out) if np.ndim(out) == 0 else out
