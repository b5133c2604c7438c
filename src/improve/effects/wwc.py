"""What Works Clearinghouse conventions for effect sizes, equivalence, attrition and clustering.

Every formula here follows the *What Works Clearinghouse Procedures and Standards Handbook,
Version 5.0* (2022) and, where that handbook carries a convention forward unchanged, the
Version 4.1 handbooks (2020). Thresholds (baseline equivalence cut-offs, default ICCs, the
attrition boundaries) are read from the versioned data file
``improve/effects/data/wwc_handbook_v5.json``, which also holds their sources; results carry
the handbook reference in ``handbook`` so every table can cite it.

Conventions implemented
-----------------------
* Hedges' g with the small-sample correction ``omega = 1 - 3 / (4N - 9)`` and its variance
  ``(n_t + n_c) / (n_t n_c) + g^2 / (2 (n_t + n_c))``.
* Cluster adjustment of g, its variance and its degrees of freedom (Hedges 2007; WWC v5.0
  Eq. E.21 for ``h``), and the WWC clustering correction of a significance test
  (v4.1 Procedures Handbook Appendix F, carried into v5.0).
* The Cox index for yes/no outcomes, the difference-in-differences effect size and the
  improvement index ``100 * Phi(g) - 50``.
* Baseline equivalence (<= 0.05 satisfied; 0.05-0.25 requires statistical adjustment;
  > 0.25 not satisfied) and overall / differential attrition against the cautious and
  optimistic boundaries.
* A group-design study rating built from those checks (:func:`wwc_rating`).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from improve.effects import _rules
from improve.errors import EstimationError, SpecError

Boundary = Literal["cautious", "optimistic"]
EquivalenceCategory = Literal["satisfied", "requires_adjustment", "not_satisfied"]

TIDY_COLUMNS: tuple[str, ...] = (
    "term",
    "estimate",
    "std_error",
    "statistic",
    "p_value",
    "conf_low",
    "conf_high",
)


def _handbook() -> dict[str, Any]:
    return _rules.wwc()


#: Short reference printed with every WWC result.
HANDBOOK = _handbook()["short"]
#: Full citation of the handbook the thresholds come from.
HANDBOOK_CITATION = _handbook()["citation"]
#: Handbook version as a string ("5.0").
HANDBOOK_VERSION = _handbook()["version"]


# --------------------------------------------------------------------------------------
# Result objects
# --------------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class BaselineEquivalence:
    """WWC baseline-equivalence verdict for one baseline measure.

    Attributes
    ----------
    effect_size : float
        Baseline difference in SD units (Hedges' g or Cox index).
    category : {"satisfied", "requires_adjustment", "not_satisfied"}
    adjusted : bool
        Whether the impact model adjusts for this baseline measure.
    met : bool
        Equivalence is established: satisfied, or requires adjustment and ``adjusted``.
    reason : str
        Sentence explaining the verdict with the thresholds used.
    """

    effect_size: float
    category: str
    adjusted: bool
    met: bool
    reason: str
    measure: str = "pre-period outcome"
    handbook: str = HANDBOOK

    def tidy(self) -> pd.DataFrame:
        """One row: measure, effect size, category, met and the reason."""
        return pd.DataFrame(
            [
                {
                    "term": self.measure,
                    "estimate": self.effect_size,
                    "category": self.category,
                    "adjusted": self.adjusted,
                    "met": self.met,
                    "reason": self.reason,
                    "handbook": self.handbook,
                }
            ]
        )


@dataclass(frozen=True)
class AttritionBoundaryCheck:
    """Where an (overall, differential) attrition pair falls under one WWC boundary."""

    boundary: str
    overall_percent_row: int | None
    max_differential: float
    level: str


@dataclass(frozen=True)
class Attrition:
    """Overall and differential attrition and their WWC classification.

    Rates are proportions (0.12 = 12%). ``cautious`` and ``optimistic`` give the verdict
    under each boundary; ``level`` is the verdict under the boundary the review protocol
    names (``boundary``).

    Attributes
    ----------
    n_treatment_start, n_treatment_end, n_comparison_start, n_comparison_end : int
        Units (schools, students) assigned / in the baseline sample and still in the
        analytic sample.
    overall, treatment, comparison, differential : float
        Attrition rates; ``differential = |treatment - comparison|``.
    cautious, optimistic : AttritionBoundaryCheck
    boundary : {"cautious", "optimistic"}
    """

    n_treatment_start: int
    n_treatment_end: int
    n_comparison_start: int
    n_comparison_end: int
    overall: float
    treatment: float
    comparison: float
    differential: float
    cautious: AttritionBoundaryCheck
    optimistic: AttritionBoundaryCheck
    boundary: str = "cautious"
    handbook: str = HANDBOOK
    source: str = ""

    @property
    def level(self) -> str:
        """``"low"`` or ``"high"`` under the chosen boundary."""
        return (self.cautious if self.boundary == "cautious" else self.optimistic).level

    @property
    def low(self) -> bool:
        """True when attrition is low under the chosen boundary."""
        return self.level == "low"

    def reason(self) -> str:
        """Sentence for reports."""
        chosen = self.cautious if self.boundary == "cautious" else self.optimistic
        limit = (
            "no differential attrition is low at this overall rate"
            if not np.isfinite(chosen.max_differential)
            else f"the {self.boundary} boundary allows {chosen.max_differential:.1f} points"
        )
        return (
            f"overall attrition {self.overall:.1%}, differential {100 * self.differential:.1f} "
            f"percentage points: {self.level} attrition under the {self.boundary} boundary "
            f"({limit})"
        )

    def tidy(self) -> pd.DataFrame:
        """One row with the rates and both verdicts."""
        return pd.DataFrame(
            [
                {
                    "overall": self.overall,
                    "treatment": self.treatment,
                    "comparison": self.comparison,
                    "differential": self.differential,
                    "cautious_max_differential": self.cautious.max_differential / 100,
                    "cautious": self.cautious.level,
                    "optimistic_max_differential": self.optimistic.max_differential / 100,
                    "optimistic": self.optimistic.level,
                    "boundary": self.boundary,
                    "level": self.level,
                    "handbook": self.handbook,
                }
            ]
        )


@dataclass(frozen=True)
class WWCRating:
    """A group-design study rating with the reasons behind it.

    Attributes
    ----------
    rating : {"meets_without_reservations", "meets_with_reservations", "does_not_meet"}
    design : str
        ``"experimental"`` or ``"quasi_experimental"``.
    reasons : tuple of str
        The checks, in order, that led to the rating.
    """

    rating: str
    design: str
    reasons: tuple[str, ...] = field(default_factory=tuple)
    handbook: str = HANDBOOK

    @property
    def label(self) -> str:
        """Readable rating ("Meets WWC standards with reservations")."""
        return {
            "meets_without_reservations": "Meets WWC standards without reservations",
            "meets_with_reservations": "Meets WWC standards with reservations",
            "does_not_meet": "Does not meet WWC standards",
        }[self.rating]


# --------------------------------------------------------------------------------------
# Effect sizes
# --------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------
# Baseline equivalence
# --------------------------------------------------------------------------------------


def baseline_equivalence(
    effect_size: float | EffectSize,
    *,
    adjusted: bool = False,
    measure: str = "pre-period outcome",
) -> BaselineEquivalence:
    """Classify a baseline difference under the WWC thresholds.

    ``|g| <= 0.05`` satisfied; ``0.05 < |g| <= 0.25`` satisfied only with statistical
    adjustment for the measure; ``|g| > 0.25`` not satisfied (WWC v5.0; thresholds read
    from the handbook data file).

    Parameters
    ----------
    effect_size : float or EffectSize
        Baseline difference in SD units (Hedges' g, or Cox index for yes/no measures).
    adjusted : bool
        Whether the impact model adjusts for this measure (e.g. a DiD or a regression on
        the pre-period outcome).
    measure : str
        Name of the baseline measure, for the reason text.
    """
    value = effect_size.estimate if isinstance(effect_size, EffectSize) else float(effect_size)
    if not np.isfinite(value):
        raise EstimationError(
            f"the baseline effect size for {measure} is missing; compute it from the "
            "pre-period outcome before rating equivalence"
        )
    rules = _handbook()["baseline_equivalence"]
    lo, hi = float(rules["satisfied_max"]), float(rules["adjustment_max"])
    size = abs(value)
    if size <= lo:
        category, met = "satisfied", True
        why = f"|{value:.3f}| <= {lo}: baseline equivalence satisfied"
    elif size <= hi:
        category, met = "requires_adjustment", bool(adjusted)
        why = (
            f"{lo} < |{value:.3f}| <= {hi}: equivalence requires statistical adjustment "
            f"for {measure}; "
            + ("the analysis adjusts for it" if adjusted else "the analysis does not adjust")
        )
    else:
        category, met = "not_satisfied", False
        why = f"|{value:.3f}| > {hi}: baseline equivalence not satisfied"
    return BaselineEquivalence(
        effect_size=value,
        category=category,
        adjusted=bool(adjusted),
        met=met,
        reason=why,
        measure=measure,
    )


def pre_period_equivalence(
    panel: object,
    outcome: str,
    *,
    adjusted: bool = True,
) -> tuple[EffectSize, BaselineEquivalence]:
    """Baseline equivalence of the pre-period outcome between treated and comparison units.

    Each unit's outcome is averaged over the periods before the earliest cohort starts;
    Hedges' g compares ever-treated units (cohort > 0) with never-treated units (cohort 0).

    Parameters
    ----------
    panel : Panel
        Loaded panel with treatment timing.
    outcome : str
    adjusted : bool
        Whether the impact model adjusts for the pre-period outcome. A difference-in-
        differences or event-study estimate does (its comparison is of changes), which is
        the default.
    """
    spec = panel.spec  # type: ignore[attr-defined]
    data: pd.DataFrame = panel.data  # type: ignore[attr-defined]
    if spec.cohort is None:
        raise SpecError("baseline equivalence needs treatment timing (cohort) in the panel")
    if outcome not in data.columns:
        raise SpecError(f"outcome column {outcome!r} is not in the panel")
    cohort = data[spec.cohort]
    treated_any = (cohort > 0).any()
    if not treated_any or not (cohort == 0).any():
        raise EstimationError(
            "baseline equivalence needs both treated (cohort > 0) and never-treated "
            "(cohort 0) units"
        )
    first = cohort[cohort > 0].min()
    pre = data.loc[data[spec.time] < first]
    if pre.empty:
        raise EstimationError(
            f"no periods before the first cohort ({first}); baseline equivalence cannot "
            "be checked without a pre-period"
        )
    means = pre.groupby(spec.unit, observed=True).agg(y=(outcome, "mean"), c=(spec.cohort, "max"))
    g = hedges_g_from_samples(
        means.loc[means["c"] > 0, "y"], means.loc[means["c"] == 0, "y"], term=outcome
    )
    return g, baseline_equivalence(g, adjusted=adjusted, measure=f"pre-period {outcome}")


# --------------------------------------------------------------------------------------
# Attrition
# --------------------------------------------------------------------------------------


def attrition_table() -> pd.DataFrame:
    """The WWC attrition boundaries as stored: overall (%) and the highest low-attrition
    differential (percentage points) under the cautious and optimistic boundaries."""
    tab = _handbook()["attrition"]
    return pd.DataFrame(
        {
            "overall_percent": tab["overall_percent"],
            "cautious": [math.nan if v is None else v for v in tab["cautious"]],
            "optimistic": [math.nan if v is None else v for v in tab["optimistic"]],
        }
    )


def attrition_boundary(
    overall: float, differential: float, boundary: Boundary = "cautious"
) -> AttritionBoundaryCheck:
    """Is an (overall, differential) attrition pair low or high under one WWC boundary?

    The table is laid out by whole percent of overall attrition, so the overall rate is
    rounded to the nearest whole percent (halves up) and that row's boundary is read;
    attrition is low when the differential (in percentage points) is at or below it. An
    overall rate beyond the last row with a boundary is high attrition.

    Parameters
    ----------
    overall, differential : float
        Proportions (0.12 for 12%).
    boundary : {"cautious", "optimistic"}
    """
    if boundary not in ("cautious", "optimistic"):
        raise SpecError(f"boundary must be 'cautious' or 'optimistic', got {boundary!r}")
    for name, v in (("overall", overall), ("differential", differential)):
        if v is None or not np.isfinite(v) or not 0 <= v <= 1:
            raise SpecError(
                f"{name} attrition must be a proportion in [0, 1] (0.12 for 12%), got {v!r}"
            )
    tab = _handbook()["attrition"]
    row = int(math.floor(100 * overall + 0.5 + 1e-9))
    limits = tab[boundary]
    rows = tab["overall_percent"]
    limit = None
    if row <= rows[-1]:
        limit = limits[rows.index(row)]
    max_diff = math.nan if limit is None else float(limit)
    low = limit is not None and 100 * differential <= float(limit) + 1e-9
    return AttritionBoundaryCheck(
        boundary=boundary,
        overall_percent_row=row if row <= rows[-1] else None,
        max_differential=max_diff,
        level="low" if low else "high",
    )


def attrition(
    n_treatment_start: int,
    n_treatment_end: int,
    n_comparison_start: int,
    n_comparison_end: int,
    *,
    boundary: Boundary = "cautious",
    source: str = "",
) -> Attrition:
    """Overall and differential attrition, classified under both WWC boundaries.

    Parameters
    ----------
    n_treatment_start, n_comparison_start : int
        Units assigned (or in the baseline sample) per group.
    n_treatment_end, n_comparison_end : int
        Units still in the analytic sample.
    boundary : {"cautious", "optimistic"}
        The boundary the review protocol names: cautious when the intervention could
        plausibly affect who leaves the sample (the conservative default), optimistic
        when it is unlikely to.
    source : str
        Free text describing what attrition means here (e.g. "schools that closed or
        stopped reporting").
    """
    counts = {
        "n_treatment_start": n_treatment_start,
        "n_treatment_end": n_treatment_end,
        "n_comparison_start": n_comparison_start,
        "n_comparison_end": n_comparison_end,
    }
    for name, v in counts.items():
        if v is None or v < 0 or int(v) != v:
            raise SpecError(f"{name} must be a whole number >= 0, got {v!r}")
    if n_treatment_start == 0 or n_comparison_start == 0:
        raise SpecError("each group needs at least one unit at the start to measure attrition")
    if n_treatment_end > n_treatment_start or n_comparison_end > n_comparison_start:
        raise SpecError(
            "the analytic sample cannot be larger than the starting sample; check that the "
            "end counts are of the same units as the start counts"
        )
    start = n_treatment_start + n_comparison_start
    overall = 1 - (n_treatment_end + n_comparison_end) / start
    a_t = 1 - n_treatment_end / n_treatment_start
    a_c = 1 - n_comparison_end / n_comparison_start
    diff = abs(a_t - a_c)
    return Attrition(
        n_treatment_start=int(n_treatment_start),
        n_treatment_end=int(n_treatment_end),
        n_comparison_start=int(n_comparison_start),
        n_comparison_end=int(n_comparison_end),
        overall=overall,
        treatment=a_t,
        comparison=a_c,
        differential=diff,
        cautious=attrition_boundary(overall, diff, "cautious"),
        optimistic=attrition_boundary(overall, diff, "optimistic"),
        boundary=boundary,
        source=source,
    )


def panel_attrition(
    data: pd.DataFrame,
    *,
    unit: str,
    time: str,
    treated: str,
    outcome: str,
    baseline: object,
    followup: object,
    boundary: Boundary = "cautious",
) -> Attrition:
    """Attrition of units in a panel: those with the outcome at baseline but not at follow-up.

    In a school panel this counts schools that closed, merged or stopped reporting (or
    whose follow-up value was suppressed) between the baseline and follow-up periods.

    Parameters
    ----------
    data : pandas.DataFrame
        Long panel, one row per unit and period.
    unit, time, outcome : str
        Column names.
    treated : str
        Column that is truthy for treated units (e.g. ``cohort > 0`` computed beforehand,
        or the cohort itself: any value > 0 counts as treated).
    baseline, followup : period values
        The baseline period and the follow-up period.
    boundary : {"cautious", "optimistic"}
    """
    for col in (unit, time, treated, outcome):
        if col not in data.columns:
            raise SpecError(f"column {col!r} is not in the data")
    status = data.groupby(unit, observed=True)[treated].max()
    status = status.fillna(0).astype("float64") > 0
    has = data.loc[data[outcome].notna(), [unit, time]]
    at_base = set(has.loc[has[time] == baseline, unit])
    if not at_base:
        raise EstimationError(
            f"no unit has {outcome} in the baseline period {baseline!r}; choose a baseline "
            "period that is in the panel"
        )
    at_follow = set(has.loc[has[time] == followup, unit]) & at_base
    units = pd.Index(sorted(at_base))
    is_t = status.reindex(units).fillna(False).to_numpy(dtype=bool)
    kept = units.isin(list(at_follow))
    return attrition(
        int(is_t.sum()),
        int((is_t & kept).sum()),
        int((~is_t).sum()),
        int((~is_t & kept).sum()),
        boundary=boundary,
        source=(
            f"units with {outcome} in {baseline} that no longer report it in {followup} "
            "(closed, merged, stopped reporting or suppressed)"
        ),
    )


# --------------------------------------------------------------------------------------
# Study rating
# --------------------------------------------------------------------------------------

_DESIGN_ALIASES = {
    "experimental": "experimental",
    "rct": "experimental",
    "randomized": "experimental",
    "randomised": "experimental",
    "cluster_rct": "experimental",
    "quasi_experimental": "quasi_experimental",
    "qed": "quasi_experimental",
    "did": "quasi_experimental",
    "staggered_did": "quasi_experimental",
    "difference_in_differences": "quasi_experimental",
    "event_study": "quasi_experimental",
    "cits": "quasi_experimental",
    "comparative_interrupted_time_series": "quasi_experimental",
    "matched_comparison": "quasi_experimental",
    "correlational": "correlational",
    "regression": "correlational",
    "fixed_effects": "correlational",
}


def normalize_design(design: str) -> str:
    """Map a design name (``"rct"``, ``"staggered_did"``, ``"cits"``, ...) to its class."""
    key = str(design).strip().lower().replace("-", "_").replace(" ", "_")
    if key not in _DESIGN_ALIASES:
        raise SpecError(
            f"unknown design {design!r}; use one of experimental, quasi_experimental, "
            f"correlational (or an alias: {', '.join(sorted(_DESIGN_ALIASES))})"
        )
    return _DESIGN_ALIASES[key]


def wwc_rating(
    design: str,
    *,
    attrition: Attrition | None = None,
    baseline: BaselineEquivalence | Sequence[BaselineEquivalence] | None = None,
) -> WWCRating:
    """Rate a group-design study under the WWC standards, with the reasons.

    * A randomized study with low attrition meets standards without reservations.
    * A randomized study with high (or unreported) attrition, and any quasi-experimental
      design (including staggered difference-in-differences), can at best meet standards
      with reservations, and only if baseline equivalence is established on the required
      measures (each satisfied, or requiring adjustment and adjusted for).
    * Otherwise the study does not meet standards. Correlational designs are not rated.

    Parameters
    ----------
    design : str
        ``"experimental"``, ``"quasi_experimental"`` or an alias such as ``"did"``.
    attrition : Attrition, optional
        Attrition of the analytic sample (needed for the without-reservations rating).
    baseline : BaselineEquivalence or sequence of them, optional
        Equivalence on each required baseline measure.
    """
    kind = normalize_design(design)
    reasons: list[str] = []
    if kind == "correlational":
        return WWCRating(
            "does_not_meet",
            kind,
            ("correlational designs are not eligible for a WWC group-design rating",),
        )
    if kind == "experimental":
        if attrition is None:
            reasons.append(
                "randomized design, but attrition is not reported: rated as a high-attrition trial"
            )
        elif attrition.low:
            reasons.append(f"randomized design with {attrition.reason()}")
            return WWCRating("meets_without_reservations", kind, tuple(reasons))
        else:
            reasons.append(
                f"randomized design with {attrition.reason()}: baseline equivalence must be shown"
            )
    else:
        reasons.append(
            "quasi-experimental design: can at best meet standards with reservations, "
            "and only with baseline equivalence"
        )
    checks: list[BaselineEquivalence]
    if baseline is None:
        checks = []
    elif isinstance(baseline, BaselineEquivalence):
        checks = [baseline]
    else:
        checks = list(baseline)
    if not checks:
        reasons.append("baseline equivalence is not shown")
        return WWCRating("does_not_meet", kind, tuple(reasons))
    for check in checks:
        reasons.append(f"{check.measure}: {check.reason}")
    if all(c.met for c in checks):
        return WWCRating("meets_with_reservations", kind, tuple(reasons))
    return WWCRating("does_not_meet", kind, tuple(reasons))


# --------------------------------------------------------------------------------------
# Any estimate in WWC effect-size form
# --------------------------------------------------------------------------------------


def standardized_effects(
    tidy: pd.DataFrame,
    sd: Any,
    *,
    n_treatment: float | None = None,
    n_comparison: float | None = None,
) -> pd.DataFrame:
    """Put any tidy estimates (ATT, event-study or FE coefficients) on the WWC effect scale.

    Estimates, standard errors and interval bounds are divided by the chosen SD (see
    :func:`improve.effects.size.outcome_sd`), then, when the group sizes are given,
    multiplied by the small-sample correction ``omega``, which makes them Hedges' g for
    an adjusted mean difference. The improvement index and the SD used are added, so the
    choice of SD is reported with every row.

    Parameters
    ----------
    tidy : pandas.DataFrame
        Tidy estimates (``estimate``, ``std_error``, ``conf_low``, ``conf_high``...).
    sd : OutcomeSD
        The SD to divide by, with its description.
    n_treatment, n_comparison : float, optional
        Group sizes for ``omega``; without them no small-sample correction is applied.

    Returns
    -------
    pandas.DataFrame
        A copy with rescaled columns and ``sd_used``, ``sd_kind``, ``sd_description``,
        ``omega``, ``improvement_index`` and ``handbook``.
    """
    from improve.effects.size import to_sd_units

    out = to_sd_units(tidy, sd)
    omega = 1.0
    if n_treatment is not None or n_comparison is not None:
        if n_treatment is None or n_comparison is None:
            raise SpecError("give both n_treatment and n_comparison (or neither)")
        omega = small_sample_correction(n_treatment + n_comparison)
    for col in ("estimate", "std_error", "conf_low", "conf_high"):
        if col in out.columns:
            out[col] = out[col] * omega
    for col in ("conf_low_uniform", "conf_high_uniform"):
        if col in out.columns:
            out[col] = out[col] * omega
    out["sd_description"] = sd.description
    out["omega"] = omega
    out["improvement_index"] = improvement_index(out["estimate"].to_numpy(dtype="float64"))
    out["handbook"] = HANDBOOK
    return out



#: Old names of renamed objects, importable for one release with a DeprecationWarning.
RENAMED = {"ClusterCorrection": "ClusterCorrectedTest"}


def renamed_object(name: str) -> Any:
    """The object behind a deprecated name of :data:`RENAMED`, with a DeprecationWarning.

    Called from a module's ``__getattr__``, so the warning points at the caller's code.
    """
    new = RENAMED[name]
    warnings.warn(
        f"improve.effects.{name} was renamed {new} ({name} is the DiD cluster-correction "
        "option type in improve.inference); the old name will be removed",
        DeprecationWarning,
        stacklevel=3,
    )
    return globals()[new]


def __getattr__(name: str) -> Any:
    """Deprecated names (:data:`RENAMED`)."""
    if name in RENAMED:
        return renamed_object(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
