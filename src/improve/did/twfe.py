"""Two-way fixed-effects difference-in-differences (static and event-study), on linearmodels.

Kept as the classic benchmark the heterogeneity-robust estimators are compared with: with
staggered adoption and effects that change with exposure, its static coefficient mixes
"forbidden" comparisons (already-treated units as controls) and can mislead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from improve._maketables import EventStudyTableHooks
from improve.data.columns import panel_columns
from improve.errors import EstimationError
from improve.inference import WildDesign, unit_within_design


@dataclass(frozen=True)
class TWFEResult(EventStudyTableHooks):
    """Two-way fixed-effects estimates.

    Attributes
    ----------
    terms : tuple of str
        ``"post"`` (static) or ``"e=-3"`` … (dynamic).
    event_time : numpy.ndarray
        Event time of each dynamic term (NaN for the static term).
    estimate, std_error : numpy.ndarray
    df_resid : int
        Degrees of freedom for t-based intervals (clusters − 1 when clustered).
    n_obs, n_units, n_clusters : int
    reference_period : int or None
        Event time omitted (normalised to zero) in the dynamic model.
    """

    terms: tuple[str, ...]
    event_time: np.ndarray
    estimate: np.ndarray
    std_error: np.ndarray
    df_resid: int
    n_obs: int
    n_units: int
    n_clusters: int
    outcome: str
    dynamic: bool
    reference_period: int | None
    cluster: str | None
    alpha: float = 0.05
    vcov: np.ndarray = field(repr=False, default_factory=lambda: np.zeros((0, 0)))
    wild_design: WildDesign | None = field(default=None, repr=False)

    def tidy(self) -> pd.DataFrame:
        """One row per coefficient: term, estimate, std_error, statistic, p_value, CI."""
        from scipy import stats  # here, not at module level: slow to import

        t = self.estimate / self.std_error
        p = 2 * stats.t.sf(np.abs(t), self.df_resid)
        q = stats.t.ppf(1 - self.alpha / 2, self.df_resid)
        out = pd.DataFrame(
            {
                "term": list(self.terms),
                "estimate": self.estimate,
                "std_error": self.std_error,
                "statistic": t,
                "p_value": p,
                "conf_low": self.estimate - q * self.std_error,
                "conf_high": self.estimate + q * self.std_error,
            }
        )
        if self.dynamic:
            out.insert(1, "event_time", self.event_time)
        return out

    def summary(self) -> str:
        """Readable summary."""
        kind = "event study" if self.dynamic else "static"
        head = (
            f"Two-way fixed effects ({kind}) for {self.outcome}: {self.n_obs:,} rows, "
            f"{self.n_units:,} units"
            + (
                f", SEs clustered by {self.cluster} ({self.n_clusters} clusters)"
                if self.cluster
                else ""
            )
        )
        return head + "\n" + self.tidy().to_string(index=False, float_format=lambda v: f"{v:.4f}")

    def _repr_html_(self) -> str:
        return self.tidy().to_html(index=False, float_format=lambda v: f"{v:.4f}")


def twfe(
    data: Any,
    outcome: str | None = None,
    *,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
    cluster: str | None = None,
    weights: str | None = None,
    dynamic: bool = False,
    reference_period: int = -1,
    min_e: int | None = None,
    max_e: int | None = None,
    alpha: float = 0.05,
) -> TWFEResult:
    """Two-way fixed-effects regression of ``outcome`` on treatment, with unit and time effects.

    Parameters
    ----------
    data : Panel or DataFrame
        A :class:`improve.data.Panel` (column names from its spec) or a DataFrame.
    outcome, unit, time, cohort, cluster, weights : str, optional
        Column names (default from the Panel's spec; cluster defaults to the spec's cluster,
        and to the unit when there is none).
    dynamic : bool
        Event-time dummies instead of one post-treatment indicator.
    reference_period : int
        Event time omitted in the dynamic model (default -1, the period before treatment).
    min_e, max_e : int, optional
        Bin event times below ``min_e`` / above ``max_e`` into the endpoint dummies.
    alpha : float
        1 − confidence level.

    Returns
    -------
    TWFEResult
    """
    from linearmodels import PanelOLS

    frame, names = panel_columns(
        data,
        "twfe",
        outcome=outcome,
        unit=unit,
        time=time,
        cohort=cohort,
        cluster=cluster,
        weights=weights,
        covariates=(),
        required=("outcome", "unit", "time", "cohort"),
        numeric=("outcome", "time", "cohort"),
    )
    outcome, unit, time, cohort = names.outcome, names.unit, names.time, names.cohort
    cluster, weights = names.cluster, names.weights
    cols = [c for c in dict.fromkeys([unit, time, cohort, outcome, cluster, weights]) if c]
    df = frame.loc[frame[outcome].notna(), cols].copy()
    regressors, event_time = _treatment_regressors(
        df, cohort, time, dynamic, reference_period, min_e, max_e
    )
    df = pd.concat([df, regressors], axis=1)
    indexed = df.set_index([unit, time])
    model = PanelOLS(
        indexed[outcome],
        indexed[list(regressors.columns)],
        entity_effects=True,
        time_effects=True,
        weights=indexed[weights] if weights else None,
        drop_absorbed=True,
        check_rank=False,
    )
    if cluster and cluster != unit:
        cl_values = indexed.index.get_level_values(1) if cluster == time else indexed[cluster]
        codes = pd.factorize(cl_values)[0]
        fit = model.fit(cov_type="clustered", clusters=pd.DataFrame(codes, index=indexed.index))
        n_clusters = int(codes.max() + 1)
    else:
        fit = model.fit(cov_type="clustered", cluster_entity=True)
        n_clusters = int(indexed.index.get_level_values(0).nunique())
        cluster = unit
    params = fit.params
    terms = tuple(params.index)
    keep = [list(regressors.columns).index(term) for term in terms]
    wild = (
        _wild_design(df, regressors[list(terms)], outcome, unit, time, cluster, weights)
        if dynamic
        else None
    )
    return TWFEResult(
        terms=terms,
        event_time=event_time[keep] if dynamic else event_time,
        estimate=params.to_numpy(),
        std_error=fit.std_errors.to_numpy(),
        df_resid=max(n_clusters - 1, 1),
        n_obs=int(fit.nobs),
        n_units=int(indexed.index.get_level_values(0).nunique()),
        n_clusters=n_clusters,
        outcome=outcome,
        dynamic=dynamic,
        reference_period=reference_period if dynamic else None,
        cluster=cluster,
        alpha=alpha,
        vcov=fit.cov.to_numpy(),
        wild_design=wild,
    )


def _treatment_regressors(
    df: pd.DataFrame,
    cohort: str,
    time: str,
    dynamic: bool,
    reference_period: int,
    min_e: int | None,
    max_e: int | None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """The post-treatment dummy, or event-time dummies binned to ``[min_e, max_e]`` without
    the reference period; and their event times (NaN for the static model)."""
    g = df[cohort].to_numpy(dtype=float)
    t = df[time].to_numpy(dtype=float)
    treated = g > 0
    if not treated.any():
        raise EstimationError("twfe: no treated units (every cohort is 0)")
    if not dynamic:
        post = pd.DataFrame({"post": (treated & (t >= g)).astype(float)}, index=df.index)
        return post, np.array([np.nan])
    e = np.where(treated, t - g, np.nan)
    lo = int(np.nanmin(e)) if min_e is None else int(min_e)
    hi = int(np.nanmax(e)) if max_e is None else int(max_e)
    e = np.clip(e, lo, hi)
    levels = [k for k in range(lo, hi + 1) if k != reference_period and np.any(e == k)]
    dummies = pd.DataFrame({f"e={k}": (e == k).astype(float) for k in levels}, index=df.index)
    return dummies, np.array(levels, dtype=float)


def _wild_design(
    df: pd.DataFrame,
    event_dummies: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    cluster: str | None,
    weights: str | None,
) -> WildDesign | None:
    """Two-way effects = unit means removed + time dummies: the design of the wild cluster
    bootstrap pre-trend test (time dummies first, then the event dummies)."""
    unit_codes = pd.factorize(df[unit])[0]
    time_codes = pd.factorize(df[time], sort=True)[0]
    tdum = (time_codes[:, None] == np.arange(1, time_codes.max() + 1)[None, :]).astype(float)
    return unit_within_design(
        df[outcome].to_numpy(dtype=float),
        np.column_stack([tdum, event_dummies.to_numpy()]),
        unit_codes,
        pd.factorize(df[cluster])[0] if cluster else unit_codes,
        df[weights].to_numpy(dtype=float) if weights else None,
    )
