"""Imputation event-study estimator of Borusyak, Jaravel and Spiess (2024).

:func:`imputation` fits unit and period fixed effects on the untreated observations only
(never-treated units, and eventually-treated units before their first treated period, i.e.
assuming no anticipation), imputes the untreated outcome ``Y(0)`` of every treated
observation, and averages the imputed effects ``Y - Y(0)`` by event time (horizon) and
overall. This is the estimator of Stata ``did_imputation`` and R ``didimputation``.

Standard errors follow BJS Theorem 3, the "conservative" clustered variance with the
auxiliary-model correction, as ``did_imputation`` / ``didimputation`` (default options):
every estimate is a linear combination ``sum_it v_it Y_it``; with ``e_it`` the first-stage
residual for untreated observations and ``tau_hat_it - tau_tilde_it`` for treated ones,
where ``tau_tilde`` is the ``v^2``-weighted mean of the imputed effects within the
observation's cohort x event-time cell, the variance is ``sum_c (sum_{it in c} v_it e_it)^2``
over clusters ``c``. No small-sample factor, normal critical values (as both packages).
The leave-one-out refinement of BJS Appendix A.9 is not implemented.

``min_e=-k`` adds BJS Test 1: on the untreated observations only, the outcome is regressed
on unit and period effects plus indicators for event times ``-k..-1``; the coefficients
(cluster-robust, CR1 with fixest's default ``(G/(G-1))(n-1)/(n-K)`` factor: unit effects
nested in the clusters are not counted in ``K``, the period effects count all their levels)
and their joint Wald test are reported. As in Stata ``did_imputation``, this regression is
separate: it does not change the imputation.

The fixed-effects algebra never builds a dummy matrix: the normal equations of the
unit + period model are solved through the (periods x periods) Schur complement, so the
cost is ``O(n + units x periods)`` per right-hand side. :mod:`improve.did.two_stage`
(Gardner's two-stage estimator) shares this core.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from improve._deprecation import DeprecatedAttribute, warn_renamed
from improve._maketables import EventStudyTableHooks
from improve.data.columns import Columns, panel_columns
from improve.errors import EstimationError, SpecError
from improve.results import Result, fmt_num, text_table, tidy_frame

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]


# ----------------------------------------------------------------------------- result


@dataclass(frozen=True, eq=False)
class EventStudyResult(EventStudyTableHooks, Result):
    """Event-study estimates of an imputation-type estimator.

    Attributes
    ----------
    method : str
        ``"imputation"`` (Borusyak–Jaravel–Spiess) or ``"two_stage"`` (Gardner).
    terms : tuple of str
        ``"e=-2"`` … (event time), ``"ATT"`` (overall average over all treated observations).
    event_time : ndarray
        Event time of each term (NaN for ``"ATT"``).
    kind : tuple of str
        ``"pretrend"`` (pre-treatment coefficient), ``"horizon"`` or ``"overall"``.
    estimate, std_error : ndarray
    vcov : ndarray
        Covariance of the treatment-effect estimates (horizons and overall; for the two-stage
        estimator the covariance of all second-stage coefficients). Pre-trend coefficients
        have their own covariance ``pretrend_vcov``.
    n_obs, n_treated_obs, n_units, n_clusters : int
        Observations used, treated observations with an imputed effect, units, clusters.
    n_dropped : int
        Treated observations dropped because ``Y(0)`` cannot be imputed (their unit has no
        untreated period, or their period no untreated unit).
    scores : ndarray, shape (n_clusters, n_estimates)
        Per-cluster contributions to the treatment-effect estimates (``vcov`` is
        ``scores.T @ scores``), for custom inference such as a design-based (survey)
        variance or combining estimates.
    pretrend_stat, pretrend_df, pretrend_p_value : float or None
        Joint Wald test that the pre-trend coefficients are zero (chi-square,
        ``pretrend_df`` terms); ``pretrend_wald`` and ``pretrend_pvalue`` are the deprecated
        names of the statistic and its p-value.
    vcov_type : str
        ``"cluster-robust"``: the variance sums the scores within clusters.
    """

    method: str
    outcome: str
    terms: tuple[str, ...]
    event_time: FloatArray
    kind: tuple[str, ...]
    estimate: FloatArray
    std_error: FloatArray
    vcov: FloatArray = field(repr=False)
    n_obs: int
    n_treated_obs: int
    n_units: int
    n_clusters: int
    n_dropped: int
    cluster: str
    alpha: float = 0.05
    pretrend_vcov: FloatArray = field(repr=False, default_factory=lambda: np.zeros((0, 0)))
    scores: FloatArray = field(repr=False, default_factory=lambda: np.zeros((0, 0)))
    pretrend_stat: float | None = None
    pretrend_df: int = 0
    pretrend_p_value: float | None = None

    pretrend_wald = DeprecatedAttribute("pretrend_stat")
    pretrend_pvalue = DeprecatedAttribute("pretrend_p_value")

    def tidy(self) -> pd.DataFrame:
        """One row per estimate: term, event_time, estimate, std_error, statistic, p_value, CI.

        Normal-theory intervals at level ``1 - alpha``. The overall ``"ATT"`` row has
        ``event_time`` NaN (filter on it before plotting an event study).
        """
        return tidy_frame(
            self.terms,
            self.estimate,
            self.std_error,
            confidence_level=1.0 - self.alpha,
            extra={"event_time": self.event_time},
        )

    @property
    def overall(self) -> tuple[float, float]:
        """Overall ATT and its standard error (NaN if the model has no overall term)."""
        if "ATT" not in self.terms:
            return float("nan"), float("nan")
        k = self.terms.index("ATT")
        return float(self.estimate[k]), float(self.std_error[k])

    def _title(self) -> str:
        name = {
            "imputation": "Imputation estimator (Borusyak, Jaravel & Spiess 2024)",
            "two_stage": "Two-stage DiD (Gardner 2022)",
        }.get(self.method, self.method)
        return f"{name} for {self.outcome}"

    def _notes(self) -> list[str]:
        notes = [
            f"{self.n_obs:,} observations, {self.n_units:,} units, "
            f"{self.n_treated_obs:,} treated observations; SEs clustered by {self.cluster} "
            f"({self.n_clusters} clusters)."
        ]
        if self.n_dropped:
            notes.append(f"{self.n_dropped} treated observations dropped: Y(0) not imputable.")
        if self.pretrend_stat is not None:
            notes.append(
                f"Pre-trend test (untreated observations, {self.pretrend_df} leads): "
                f"Wald chi2 = {fmt_num(self.pretrend_stat, 3)}, "
                f"p = {fmt_num(self.pretrend_p_value, 4)}."
            )
        return notes

    def summary(self) -> str:
        """Readable summary: header, the tidy table and notes."""
        return "\n".join([self._title(), text_table(self.tidy()), *self._notes()])

    def _repr_html_(self) -> str:
        from improve.report.display import html_table

        return html_table(self._title(), self.tidy(), self._notes())

    # -- maketables: cluster-robust (imputation) variance and treated observations --------
    maketables_vcov_type = "cluster-robust"
    maketables_stat_keys = ("N", "n_treated", "n_units", "n_clusters", "se_type")

    def _maketables_stats(self) -> dict[str, Any]:
        return {
            **super()._maketables_stats(),
            "n_treated": self.n_treated_obs,
            "se_type": f"by: {self.cluster}",
        }


# ----------------------------------------------------------------------------- input


@dataclass(frozen=True)
class _Prepared:
    outcome: str
    cluster_name: str
    y: FloatArray
    w: FloatArray
    unit: IntArray
    time: IntArray
    cluster: IntArray
    cohort: FloatArray  # 0 = never treated
    event: FloatArray  # t - g (NaN for never treated)
    treated: NDArray[np.bool_]
    n_units: int
    n_times: int
    n_clusters: int


def _resolve(
    func: str,
    data: Any,
    outcome: str | None,
    unit: str | None,
    time: str | None,
    cohort: str | None,
    cluster: str | None,
    weights: str | None,
) -> tuple[pd.DataFrame, Columns]:
    """Column names from the arguments, falling back to a Panel's spec (as ``att_gt``)."""
    return panel_columns(
        data,
        func,
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


def _prepare(func: str, df: pd.DataFrame, names: Columns) -> _Prepared:
    outcome = str(names.outcome)
    unit, time, cohort = str(names.unit), str(names.time), str(names.cohort)
    for col in (outcome, time, cohort):
        if not pd.api.types.is_numeric_dtype(df[col]):
            raise SpecError(
                f"{func}: column {col!r} must be numeric (got {df[col].dtype}); convert it, "
                f"e.g. df[{col!r}] = pd.to_numeric(df[{col!r}])"
            )
    keep = df[outcome].notna().to_numpy()
    frame = df.loc[keep]
    if frame.empty:
        raise EstimationError(f"{func}: the outcome {outcome!r} is missing in every row")
    if frame.duplicated([unit, time]).any():
        rows = frame.index[frame.duplicated([unit, time], keep=False)][:5].tolist()
        raise SpecError(
            f"{func}: duplicated ({unit}, {time}) pairs (rows {rows}); keep one row per unit "
            "and period (aggregate or drop duplicates first)"
        )
    g = frame[cohort].to_numpy(dtype=float)
    if np.isnan(g).any():
        raise SpecError(
            f"{func}: cohort column {cohort!r} has missing values; code never-treated units as 0"
        )
    g = np.where(np.isinf(g), 0.0, g)
    tval = frame[time].to_numpy(dtype=float)
    if np.isnan(tval).any():
        raise SpecError(f"{func}: time column {time!r} has missing values; drop those rows")
    ucodes, _ = pd.factorize(frame[unit], sort=True)
    tcodes, tlevels = pd.factorize(tval, sort=True)
    if pd.Series(g).groupby(ucodes).nunique().max() > 1:
        raise SpecError(
            f"{func}: cohort {cohort!r} varies within a {unit}; it must be the unit's first "
            "treated period (constant per unit, 0 = never treated)"
        )
    wname = names.weights
    if wname:
        w = frame[str(wname)].to_numpy(dtype=float)
        if not np.all(np.isfinite(w)) or np.any(w < 0):
            raise SpecError(
                f"{func}: weights {wname!r} must be finite and non-negative; fix or drop rows"
            )
    else:
        w = np.ones(len(frame))
    cname = names.cluster or unit
    ccodes, _ = pd.factorize(frame[str(cname)], sort=True)
    if (ccodes < 0).any():
        raise SpecError(f"{func}: cluster column {cname!r} has missing values; fill them")
    treated = (g > 0) & (tval >= g)
    if not treated.any():
        raise EstimationError(
            f"{func}: no treated observations (every {cohort!r} is 0 or later than the last "
            "period); check the cohort coding"
        )
    event = np.where(g > 0, tval - g, np.nan)
    return _Prepared(
        outcome=outcome,
        cluster_name=str(cname),
        y=frame[outcome].to_numpy(dtype=float),
        w=w,
        unit=ucodes.astype(np.intp),
        time=tcodes.astype(np.intp),
        cluster=ccodes.astype(np.intp),
        cohort=g,
        event=event,
        treated=treated,
        n_units=int(ucodes.max()) + 1,
        n_times=len(tlevels),
        n_clusters=int(ccodes.max()) + 1,
    )


# ----------------------------------------------------------------------------- FE core


class _FESolver:
    """Normal equations of ``y = alpha_unit + lambda_time`` (WLS) on a subset of rows.

    ``solve(ru, rt)`` returns one solution ``(x_u, x_t)`` of ``Z'WZ x = (ru, rt)`` where ``Z``
    holds the unit and period dummies of the subset. The system is singular (one level is
    free); the minimum-norm solution of the period block is used, which gives the same
    fitted values ``x_u[i] + x_t[t]`` for every estimable combination.
    """

    def __init__(
        self, unit: IntArray, time: IntArray, w: FloatArray, n_units: int, n_times: int
    ) -> None:
        self.du = np.bincount(unit, weights=w, minlength=n_units)
        self.dt = np.bincount(time, weights=w, minlength=n_times)
        self.unit_ok = self.du > 0
        self.time_ok = self.dt > 0
        b = np.bincount(unit * n_times + time, weights=w, minlength=n_units * n_times)
        b = b.reshape(n_units, n_times)
        self.b = b[np.ix_(self.unit_ok, self.time_ok)]
        du = self.du[self.unit_ok]
        schur = np.diag(self.dt[self.time_ok]) - (self.b / du[:, None]).T @ self.b
        self.schur_pinv = np.linalg.pinv(schur, rcond=1e-10, hermitian=True)
        self.n_units, self.n_times = n_units, n_times

    def solve(self, ru: FloatArray, rt: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Solve for right-hand sides ``ru`` (units x m) and ``rt`` (times x m)."""
        du = self.du[self.unit_ok][:, None]
        ru_ok = ru[self.unit_ok]
        xt_ok = self.schur_pinv @ (rt[self.time_ok] - self.b.T @ (ru_ok / du))
        xu_ok = (ru_ok - self.b @ xt_ok) / du
        m = ru.shape[1]
        xu = np.full((self.n_units, m), np.nan)
        xt = np.full((self.n_times, m), np.nan)
        xu[self.unit_ok] = xu_ok
        xt[self.time_ok] = xt_ok
        return xu, xt


def _group_sums(idx: IntArray, values: FloatArray, size: int) -> FloatArray:
    """Column-wise sums of ``values`` (n x m) by integer group ``idx``."""
    out = np.zeros((size, values.shape[1]))
    np.add.at(out, idx, values)
    return out


@dataclass(frozen=True)
class _Stage1:
    solver: _FESolver
    fitted: FloatArray  # alpha_i + lambda_t for every row (NaN where not estimable)
    untreated: NDArray[np.bool_]
    usable: NDArray[np.bool_]  # untreated rows, and treated rows with an imputable Y(0)
    n_dropped: int


def _stage1(func: str, p: _Prepared) -> _Stage1:
    """Fit unit + period effects on the untreated rows; flag treated rows that can't be imputed."""
    untreated = ~p.treated
    if not untreated.any():
        raise EstimationError(
            f"{func}: no untreated observations to fit the unit and period effects; the data "
            "need never-treated units or periods before treatment"
        )
    u0, t0 = p.unit[untreated], p.time[untreated]
    w0 = p.w[untreated]
    solver = _FESolver(u0, t0, w0, p.n_units, p.n_times)
    ru = np.bincount(u0, weights=w0 * p.y[untreated], minlength=p.n_units)[:, None]
    rt = np.bincount(t0, weights=w0 * p.y[untreated], minlength=p.n_times)[:, None]
    au, lt = solver.solve(ru, rt)
    fitted = au[p.unit, 0] + lt[p.time, 0]
    usable = untreated | np.isfinite(fitted)
    n_dropped = int(p.treated.sum() - (p.treated & usable).sum())
    if n_dropped:
        bad = p.treated & ~usable
        no_unit = int((bad & ~solver.unit_ok[p.unit]).sum())
        warnings.warn(
            f"{func}: {n_dropped} treated observations dropped because their untreated outcome "
            f"cannot be imputed ({no_unit} belong to units treated in every observed period; "
            "the rest fall in periods with no untreated unit). Estimates cover the remaining "
            "treated observations.",
            UserWarning,
            stacklevel=3,
        )
    if not (p.treated & usable).any():
        raise EstimationError(
            f"{func}: no treated observation has an imputable untreated outcome; the data need "
            "untreated periods for treated units and untreated units in treated periods"
        )
    return _Stage1(solver, fitted, untreated, usable, n_dropped)


def _horizon_list(horizons: int | Sequence[int] | None, available: FloatArray) -> list[int]:
    avail = sorted({int(v) for v in available})
    if horizons is None:
        return avail
    if isinstance(horizons, int | np.integer):
        if horizons < 0:
            raise SpecError(f"imputation: horizons={horizons} must be >= 0 (0 = impact period)")
        wanted = list(range(int(horizons) + 1))
    else:
        wanted = sorted({int(h) for h in horizons})
    if any(h < 0 for h in wanted):
        raise SpecError(
            "imputation: horizons are event times of treated periods (0, 1, ...); use "
            "min_e=-k for pre-treatment coefficients"
        )
    missing = [h for h in wanted if h not in avail]
    if missing:
        warnings.warn(
            f"imputation: no treated observations at horizon(s) {missing}; they are skipped "
            f"(available: {avail})",
            UserWarning,
            stacklevel=3,
        )
    return [h for h in wanted if h in avail]


def _pretrend_regression(
    p: _Prepared, s1: _Stage1, k: int
) -> tuple[FloatArray, FloatArray, list[int]]:
    """BJS Test 1: leads ``-k..-1`` on untreated rows, unit + period effects, CR1 clusters."""
    rows = s1.untreated
    u, t, w, y = p.unit[rows], p.time[rows], p.w[rows], p.y[rows]
    ev = p.event[rows]
    leads = [e for e in range(-k, 0) if np.any(ev == e)]
    if not leads:
        raise EstimationError(
            f"imputation: no untreated observations at event times -{k}..-1 to test pre-trends; "
            "set min_e=0"
        )
    x = np.column_stack([(ev == e).astype(float) for e in leads])
    cols = np.column_stack([x, y])
    ru = _group_sums(u, w[:, None] * cols, p.n_units)
    rt = _group_sums(t, w[:, None] * cols, p.n_times)
    xu, xt = s1.solver.solve(ru, rt)
    resid = cols - (xu[u] + xt[t])
    xr, yr = resid[:, :-1], resid[:, -1]
    xtx = xr.T @ (w[:, None] * xr)
    if np.linalg.matrix_rank(xtx) < len(leads):
        raise EstimationError(
            f"imputation: the pre-trend leads -{k}..-1 are collinear with the unit and period "
            "effects (too few untreated periods or comparison units); use a smaller |min_e|"
        )
    bread = np.linalg.inv(xtx)
    beta = bread @ (xr.T @ (w * yr))
    e = yr - xr @ beta
    score = _group_sums(p.cluster[rows], (w * e)[:, None] * xr, p.n_clusters)
    n_cl = int(np.unique(p.cluster[rows]).size)
    n = int((w > 0).sum())
    # fixest's default small-sample factor (fixef.K = "nested"): unit effects nested in the
    # clusters are not counted, the period effects count all their levels
    units_in_cl = pd.Series(p.cluster[rows]).groupby(u).nunique()
    nested = bool((units_in_cl == 1).all())
    n_t, n_u = int(s1.solver.time_ok.sum()), int(s1.solver.unit_ok.sum())
    n_fe = n_t if nested else n_u + n_t - 1
    kk = len(leads) + n_fe
    factor = (n_cl / max(n_cl - 1, 1)) * ((n - 1) / max(n - kk, 1))
    vcov = factor * bread @ (score.T @ score) @ bread
    return beta, vcov, leads


# ----------------------------------------------------------------------------- estimator


def _cluster_scores(
    p: _Prepared, s1: _Stage1, a: np.ndarray, tau: np.ndarray, tr: np.ndarray
) -> np.ndarray:
    """Cluster sums of the influence of every row on the target estimates (Borusyak,
    Jaravel & Spiess 2024, with their auxiliary residuals), shape (clusters, targets).

    ``a`` holds the target weights of the treated rows ``tr``, ``tau`` the imputed effects.
    """
    # v for untreated rows: -w Z0 (Z0'W0 Z0)^{-1} Z1' a
    xu, xt = s1.solver.solve(_group_sums(p.unit, a, p.n_units), _group_sums(p.time, a, p.n_times))
    u0 = s1.untreated
    v = a.copy()
    v[u0] = -p.w[u0, None] * (xu[p.unit[u0]] + xt[p.time[u0]])
    resid0 = np.where(u0, p.y - s1.fitted, 0.0)

    # auxiliary residuals: tau_hat - v^2-weighted mean within cohort x event-time cells
    cell = np.full(len(p.y), -1, dtype=np.intp)
    cell_codes, _ = pd.factorize(pd.MultiIndex.from_arrays([p.cohort[tr], p.event[tr]]))
    cell[tr] = cell_codes
    n_cells = int(cell_codes.max()) + 1
    psi = np.zeros_like(v)
    psi[u0] = v[u0] * resid0[u0, None]
    a_tr = a[tr]
    num = _group_sums(cell[tr], a_tr**2 * tau[tr, None], n_cells)
    den = _group_sums(cell[tr], a_tr**2, n_cells)
    with np.errstate(invalid="ignore", divide="ignore"):
        tau_tilde = np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)
    psi[tr] = a_tr * (tau[tr, None] - tau_tilde[cell[tr]])
    psi[~s1.usable] = 0.0
    score = _group_sums(p.cluster, psi, p.n_clusters)
    return score


def _event_window(
    min_e: int | None,
    max_e: int | None,
    horizons: int | Sequence[int] | None,
    pretrends: int | None,
) -> tuple[int | Sequence[int] | None, int]:
    """(horizons, pretrends) from the event window ``min_e``/``max_e`` or the old spellings."""
    if pretrends is not None:
        if min_e is not None:
            raise TypeError("give min_e only (pretrends is its deprecated spelling)")
        warn_renamed("pretrends=k", "min_e=-k", stacklevel=4)
    elif min_e is not None:
        if not isinstance(min_e, int | np.integer) or min_e > 0:
            raise SpecError(f"imputation: min_e must be zero or a negative integer, got {min_e!r}")
        pretrends = -int(min_e)
    pretrends = 0 if pretrends is None else pretrends
    if isinstance(horizons, int | np.integer):
        if max_e is not None:
            raise TypeError("give max_e only (horizons=H is its deprecated spelling)")
        warn_renamed("horizons=H", "max_e=H", stacklevel=4)
        horizons, max_e = None, int(horizons)
    if max_e is not None:
        if horizons is not None:
            raise TypeError("give max_e or a list of horizons, not both")
        if not isinstance(max_e, int | np.integer) or max_e < 0:
            raise SpecError(f"imputation: max_e must be a non-negative integer, got {max_e!r}")
        horizons = int(max_e)
    return horizons, pretrends


def imputation(
    data: Any,
    outcome: str | None = None,
    *,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
    cluster: str | None = None,
    weights: str | None = None,
    min_e: int | None = None,
    max_e: int | None = None,
    horizons: int | Sequence[int] | None = None,
    pretrends: int | None = None,
    alpha: float = 0.05,
) -> EventStudyResult:
    """Imputation estimator of Borusyak, Jaravel and Spiess (2024) for staggered adoption.

    Unit and period fixed effects are fitted by (weighted) least squares on the untreated
    observations (never-treated units and not-yet-treated periods, assuming no anticipation);
    each treated observation's untreated outcome is imputed from them and its effect is
    ``Y - Y(0)``. Effects are averaged by event time and over all treated observations.

    Parameters
    ----------
    data : Panel or DataFrame
        A :class:`improve.data.Panel` (column names default to its spec) or a DataFrame in
        long format, one row per unit and period.
    outcome : str, optional
        Outcome column (default: the Panel's first outcome).
    unit, time, cohort : str
        Unit id, period (numeric) and first-treated-period columns (cohort 0 = never
        treated). Periods are numbers on one scale, so event time is ``time - cohort``.
    cluster : str, optional
        Cluster column for standard errors (default: the Panel's cluster, else the unit).
    weights : str, optional
        Sampling-weight column: the fixed effects are fitted by WLS and effects are
        weight-averaged.
    min_e, max_e : int, optional
        The event window, as in :func:`improve.did.aggregate`: ``max_e = H`` reports event
        times ``0..H`` (default: every horizon in the data; the overall ``"ATT"`` always
        averages all treated observations); ``min_e = -k`` adds pre-trend coefficients for
        event times ``-k..-1`` (BJS Test 1, a separate regression on the untreated
        observations) and their joint Wald test (default: none).
    horizons : int or sequence of int, optional
        A list of event times to report (an int ``H`` is the deprecated spelling of
        ``max_e=H``).
    pretrends : int, optional
        Deprecated spelling of ``min_e=-k``.
    alpha : float
        1 - confidence level of the intervals.

    Returns
    -------
    EventStudyResult
        ``.tidy()`` has one row per pre-trend coefficient, horizon and the overall ATT.

    Raises
    ------
    SpecError
        Missing or non-numeric columns, duplicated unit-period rows, cohort varying within
        a unit.
    EstimationError
        No treated or no untreated observations, or none that can be imputed.

    Notes
    -----
    Point estimates equal :func:`improve.did.two_stage.two_stage` (Gardner) exactly; the
    standard errors differ by design (see that module). Treated observations whose unit has
    no untreated period, or whose period has no untreated unit, are dropped with a warning.

    Examples
    --------
    >>> res = imputation(df, "lemp", unit="countyreal", time="year",
    ...                  cohort="first_treat", min_e=-3)  # doctest: +SKIP
    >>> res.tidy()  # doctest: +SKIP
    """
    from scipy import stats  # here, not at module level: slow to import

    horizons, pretrends = _event_window(min_e, max_e, horizons, pretrends)
    if not isinstance(pretrends, int | np.integer) or pretrends < 0:
        raise SpecError(f"imputation: pretrends must be a non-negative integer, got {pretrends!r}")
    if not 0 < alpha < 1:
        raise SpecError(f"imputation: alpha must be in (0, 1), got {alpha}")
    df, names = _resolve("imputation", data, outcome, unit, time, cohort, cluster, weights)
    p = _prepare("imputation", df, names)
    s1 = _stage1("imputation", p)

    tr = p.treated & s1.usable
    tau = np.where(tr, p.y - s1.fitted, 0.0)
    hs = _horizon_list(horizons, p.event[tr])
    # target weights: one column per horizon, then the overall ATT
    cols = [tr & (p.event == h) for h in hs] + [tr]
    a = np.column_stack([np.where(c, p.w, 0.0) for c in cols])
    tot = a.sum(axis=0)
    if np.any(tot <= 0):
        raise EstimationError(
            "imputation: a horizon has zero total weight; drop zero weights or that horizon"
        )
    a = a / tot
    est = a.T @ tau

    score = _cluster_scores(p, s1, a, tau, tr)
    vcov = score.T @ score
    se = np.sqrt(np.diag(vcov))

    terms = [f"e={h}" for h in hs] + ["ATT"]
    event_time = [float(h) for h in hs] + [np.nan]
    kind = ["horizon"] * len(hs) + ["overall"]
    estimate, std_error = list(est), list(se)

    pre_vcov = np.zeros((0, 0))
    wald = wald_p = None
    wald_df = 0
    if pretrends:
        beta, pre_vcov, leads = _pretrend_regression(p, s1, int(pretrends))
        terms = [f"e={e}" for e in leads] + terms
        event_time = [float(e) for e in leads] + event_time
        kind = ["pretrend"] * len(leads) + kind
        estimate = list(beta) + estimate
        std_error = list(np.sqrt(np.diag(pre_vcov))) + std_error
        wald = float(beta @ np.linalg.pinv(pre_vcov) @ beta)
        wald_df = len(leads)
        wald_p = float(stats.chi2.sf(wald, wald_df))

    return EventStudyResult(
        method="imputation",
        outcome=p.outcome,
        terms=tuple(terms),
        event_time=np.asarray(event_time, dtype=float),
        kind=tuple(kind),
        estimate=np.asarray(estimate, dtype=float),
        std_error=np.asarray(std_error, dtype=float),
        vcov=vcov,
        n_obs=int(s1.usable.sum()),
        n_treated_obs=int(tr.sum()),
        n_units=p.n_units,
        n_clusters=p.n_clusters,
        n_dropped=s1.n_dropped,
        cluster=p.cluster_name,
        alpha=alpha,
        pretrend_vcov=pre_vcov,
        scores=score,
        pretrend_stat=wald,
        pretrend_df=wald_df,
        pretrend_p_value=wald_p,
    )
