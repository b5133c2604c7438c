"""Sun and Abraham (2021) interaction-weighted event study.

The regression is saturated in cohort x relative period: for every treated cohort ``g`` and
every relative period ``e = t - g`` except the reference period, a dummy ``1{G_i = g,
t - g = e}``, with unit and time fixed effects. Units that are never treated (cohort 0, empty,
``inf``, or first treated after the last period of the data) are the comparison group; if
there are none, the last cohort to be treated is, and the periods from its first treated
period on are dropped (no untreated comparison is left then). Each event-time estimate is the
average of the cohort-specific coefficients at that relative period, weighted by the cohorts'
shares of the observations at that relative period (sums of sampling weights when weighted);
the overall ATT averages every post-treatment coefficient (``e >= 0``) by its number of
observations (fixest's ``summary(agg = "ATT")``).

Inference. The coefficients' covariance is cluster-robust (CR1, clusters default to the unit)
with fixest's small-sample convention, ``G/(G-1) * (N-1)/(N-K)``, where ``K`` counts the
interaction and time-effect columns plus the unit effects -- counted once when the units are
nested in the clusters (fixest/pyfixest ``ssc(k_fixef="nonnested")``), all of them otherwise.
The aggregates are linear combinations with the weights held fixed (fixest ``aggregate`` and
pyfixest ``.aggregate``), SE ``sqrt(w' V w)``. Sun and Abraham's paper (and Stata
``eventstudyinteract``) add a term for the estimated cohort shares; for a panel it is small
because the shares are known once the cohorts are. Intervals and p-values use the t
distribution with ``G - 1`` degrees of freedom (as :func:`improve.did.twfe.twfe` and fixest).

Choices that differ from the defaults of some peers: units treated at or before the first
period (no pre-treatment period, so no reference cell) and cohorts whose reference period is
not observed are dropped with a warning instead of leaving a collinear column for the solver to
drop; ``min_e``/``max_e`` *bin* the relative periods beyond them into the endpoint cells (as
:func:`~improve.did.twfe.twfe` and fixest's ``bin.rel``), they do not drop rows.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from improve._deprecation import DeprecatedAttribute
from improve._maketables import EventStudyTableHooks
from improve.data.columns import check_unique_keys, panel_columns
from improve.errors import EstimationError, SpecError
from improve.inference import demean
from improve.inference.wild_wald import MAX_DESIGN_SIZE, WildDesign
from improve.results import Result, text_table

FloatArray = NDArray[np.float64]

Level = Literal["event_time", "cohort", "overall"]


def _num(v: float) -> str:
    return f"{v:.0f}" if np.isfinite(v) and float(v).is_integer() else f"{v:g}"


@dataclass(frozen=True, eq=False)
class SunabResult(EventStudyTableHooks, Result):
    """Sun-Abraham event study: cohort-specific effects and their interaction-weighted averages.

    Attributes
    ----------
    event_time : numpy.ndarray
        Event times with an estimate (the reference period is omitted).
    estimate, std_error : numpy.ndarray
        Interaction-weighted estimate and standard error per event time.
    vcov : numpy.ndarray
        Covariance of the event-time estimates.
    overall_estimate, overall_std_error : float
        Overall ATT (post-treatment cells weighted by their numbers of observations) and SE
        (``att`` / ``att_se`` are deprecated aliases).
    cohorts, cell_event_time : numpy.ndarray
        Cohort and relative period of each saturated coefficient.
    cell_estimate, cell_std_error : numpy.ndarray
        The saturated cohort x relative-period coefficients.
    cell_vcov : numpy.ndarray
        Their cluster-robust covariance.
    cell_size : numpy.ndarray
        Observations (or sums of sampling weights) in each cohort x relative-period cell.
    aggregation : numpy.ndarray
        ``(n_event_times, n_cells)`` weights turning cell coefficients into event-time
        estimates (rows sum to one).
    att_weights : numpy.ndarray
        Weights of the cells in the overall ATT.
    control_group : str
        ``"never treated"`` or ``"last treated (cohort g)"``.
    wild_design : WildDesign or None
        The regression after partialling out the unit effects (time dummies first, then the
        cells), kept when units are nested in clusters and the design is small enough, for
        the wild cluster bootstrap pre-trend test (:func:`improve.did.pretest.pretrend_wild`).
    """

    event_time: FloatArray
    estimate: FloatArray
    std_error: FloatArray
    vcov: FloatArray = field(repr=False)
    overall_estimate: float
    overall_std_error: float
    cohorts: FloatArray = field(repr=False)
    cell_event_time: FloatArray = field(repr=False)
    cell_estimate: FloatArray = field(repr=False)
    cell_std_error: FloatArray = field(repr=False)
    cell_vcov: FloatArray = field(repr=False)
    cell_size: FloatArray = field(repr=False)
    aggregation: FloatArray = field(repr=False)
    att_weights: FloatArray = field(repr=False)
    df_resid: int
    n_obs: int
    n_units: int
    n_clusters: int
    outcome: str
    cluster: str
    control_group: str
    reference_period: int
    alpha: float = 0.05
    dropped: tuple[str, ...] = ()
    wild_design: WildDesign | None = field(default=None, repr=False)

    att = DeprecatedAttribute("overall_estimate")
    att_se = DeprecatedAttribute("overall_std_error")

    # ------------------------------------------------------------------ presentation

    def _frame(self, terms: list[str], est: FloatArray, se: FloatArray) -> pd.DataFrame:
        from scipy import stats  # here, not at module level: slow to import

        with np.errstate(divide="ignore", invalid="ignore"):
            stat = est / se
        p = 2 * stats.t.sf(np.abs(stat), self.df_resid)
        q = stats.t.ppf(1 - self.alpha / 2, self.df_resid)
        return pd.DataFrame(
            {
                "term": terms,
                "estimate": est,
                "std_error": se,
                "statistic": stat,
                "p_value": p,
                "conf_low": est - q * se,
                "conf_high": est + q * se,
            }
        )

    def tidy(self, level: Level = "event_time") -> pd.DataFrame:
        """Tidy table of the estimates.

        Parameters
        ----------
        level : {"event_time", "cohort", "overall"}
            ``"event_time"`` (default): one row per event time (``term`` like ``"e=-2"``,
            column ``event_time``), the shape :func:`improve.report.did_figures.
            plot_event_study` draws. ``"cohort"``: the saturated cohort x relative-period
            coefficients (columns ``cohort``, ``event_time``, ``weight`` = cell size).
            ``"overall"``: one row, the overall ATT.

        Returns
        -------
        pandas.DataFrame
        """
        if level == "event_time":
            out = self._frame(
                [f"e={_num(e)}" for e in self.event_time], self.estimate, self.std_error
            )
            out.insert(1, "event_time", self.event_time)
            return out
        if level == "cohort":
            out = self._frame(
                [
                    f"cohort {_num(g)}, e={_num(e)}"
                    for g, e in zip(self.cohorts, self.cell_event_time, strict=True)
                ],
                self.cell_estimate,
                self.cell_std_error,
            )
            out.insert(1, "cohort", self.cohorts)
            out.insert(2, "event_time", self.cell_event_time)
            out["cell_size"] = self.cell_size
            return out
        if level == "overall":
            return self._frame(
                ["ATT"], np.array([self.overall_estimate]), np.array([self.overall_std_error])
            )
        raise SpecError(
            f"SunabResult.tidy: level must be 'event_time', 'cohort' or 'overall', got {level!r}"
        )

    def _notes(self) -> list[str]:
        from scipy import stats  # here, not at module level: slow to import

        q = stats.t.ppf(1 - self.alpha / 2, self.df_resid)
        overall, se = self.overall_estimate, self.overall_std_error
        notes = [
            f"Overall ATT (post-treatment cells weighted by size): {overall:.4f} "
            f"(SE {se:.4f}, {100 * (1 - self.alpha):.0f}% CI "
            f"{overall - q * se:.4f} to {overall + q * se:.4f}).",
            f"Comparison group: {self.control_group}. Reference period: e = "
            f"{self.reference_period}. {self.n_obs:,} rows, {self.n_units:,} units; SEs "
            f"clustered by {self.cluster} ({self.n_clusters} clusters, CR1).",
        ]
        if self.dropped:
            notes.append("Dropped: " + "; ".join(self.dropped) + ".")
        return notes

    def summary(self) -> str:
        """Readable text summary: event-time estimates and the overall ATT."""
        title = f"Sun-Abraham interaction-weighted event study for {self.outcome}"
        return "\n".join([title, "", text_table(self.tidy()), "", *self._notes()])

    def _repr_html_(self) -> str:
        from improve.report.display import html_table

        df = self.tidy()
        keep = [c for c in df.columns if c not in ("statistic", "p_value")]
        return html_table(f"Sun-Abraham event study for {self.outcome}", df[keep], self._notes())

    def plot(self, outcome_label: str | None = None, title: str | None = None) -> Any:
        """Event-study figure of the interaction-weighted estimates (pointwise CIs)."""
        from improve.report.did_figures import plot_event_study

        return plot_event_study(
            self.tidy(),
            outcome_label=outcome_label or f"Effect on {self.outcome}",
            reference_period=self.reference_period,
            title=title or "Sun-Abraham event study",
            level=1 - self.alpha,
        )

    # -- maketables: event times, then the overall ATT ------------------------------------
    def _maketables_tidy(self) -> pd.DataFrame:
        return pd.concat([self.tidy(), self.tidy("overall")], ignore_index=True)


# ----------------------------------------------------------------------------- inputs


# ----------------------------------------------------------------------------- core


def _independent_columns(z: FloatArray, tol: float = 1e-9) -> list[int]:
    """Columns of ``z`` that are not combinations of the columns before them.

    The diagonal of the R factor of an unpivoted QR is the norm of each column's residual on
    the columns to its left; a column whose residual is tiny relative to its norm is dropped.
    """
    if z.shape[1] == 0:
        return []
    r = np.linalg.qr(z, mode="r")
    norms = np.linalg.norm(z, axis=0)
    diag = np.abs(np.diag(r))
    return [j for j in range(z.shape[1]) if norms[j] > 0 and diag[j] > tol * norms[j]]


def sunab(
    data: Any,
    outcome: str | None = None,
    *,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
    cluster: str | None = None,
    weights: str | None = None,
    reference_period: int = -1,
    min_e: int | None = None,
    max_e: int | None = None,
    alpha: float = 0.05,
) -> SunabResult:
    """Sun-Abraham (2021) interaction-weighted event study.

    Parameters
    ----------
    data : Panel or DataFrame
        A :class:`improve.data.Panel` (column names default to its spec) or a DataFrame in long
        form, one row per unit and period.
    outcome : str, optional
        Outcome column (default: the Panel's first outcome).
    unit, time, cohort : str
        Unit id, period (numeric) and first treated period (0, empty or ``inf`` = never
        treated) columns.
    cluster : str, optional
        Cluster column for the standard errors (default: the Panel's cluster, else the unit).
    weights : str, optional
        Sampling weights (weighted least squares; cell shares become sums of weights).
    reference_period : int
        Relative period omitted for every cohort (default -1, the period before treatment).
    min_e, max_e : int, optional
        Bin relative periods below ``min_e`` / above ``max_e`` into the endpoint cells.
    alpha : float
        1 - confidence level.

    Returns
    -------
    SunabResult
        ``.tidy()`` one row per event time (``term``, ``event_time``, ``estimate``, ...),
        ``.tidy("cohort")`` the saturated coefficients, ``.overall_estimate`` /
        ``.tidy("overall")`` the overall ATT.

    Raises
    ------
    SpecError
        Missing or non-numeric columns, duplicated unit-period rows, bad ``min_e``/``max_e``.
    EstimationError
        No treated cohort, no comparison group, or a design with collinear cells.

    Examples
    --------
    >>> res = sunab(df, "lemp", unit="countyreal", time="year", cohort="first_treat")
    ... # doctest: +SKIP
    >>> res.tidy()  # doctest: +SKIP
    """
    frame, names = panel_columns(
        data,
        "sunab",
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
    y_col, u_col, t_col, g_col = (
        str(getattr(names, k)) for k in ("outcome", "unit", "time", "cohort")
    )
    w_col = names.weights
    c_col = names.cluster or u_col
    _check_options(alpha, min_e, max_e, reference_period)
    df = _usable_rows(frame, y_col, u_col, t_col, g_col, c_col, w_col)
    sample = _event_sample(df, u_col, t_col, g_col, reference_period, min_e, max_e)
    df = sample.df
    y = df[y_col].to_numpy(dtype=float)
    w = df[w_col].to_numpy(dtype=float) if w_col else np.ones(y.size)
    unit_codes, unit_levels = pd.factorize(df[u_col], sort=False)
    cluster_codes = pd.factorize(df[c_col], sort=False)[0]
    design = _cell_design(sample, reference_period)
    fit = _fit(design, y, w, unit_codes, unit_levels.size, cluster_codes, c_col)
    beta = fit.coef[fit.n_time :]
    vcov = fit.vcov[fit.n_time :, fit.n_time :]
    se = np.sqrt(np.clip(np.diag(vcov), 0.0, None))
    cells, row_cell = design.cells, design.row_cell
    size = np.bincount(row_cell[row_cell >= 0], weights=w[row_cell >= 0], minlength=len(cells))
    agg, att_w = _aggregation_weights(cells, size)
    est = agg @ beta
    ev_vcov = agg @ vcov @ agg.T
    ev_se = np.sqrt(np.clip(np.diag(ev_vcov), 0.0, None))
    if att_w is not None:
        att = float(att_w @ beta)
        att_se = float(np.sqrt(max(att_w @ vcov @ att_w, 0.0)))
    else:
        att_w = np.zeros(len(cells))
        att, att_se = float("nan"), float("nan")

    return SunabResult(
        event_time=np.unique(cells[:, 1]),
        estimate=est,
        std_error=ev_se,
        vcov=ev_vcov,
        overall_estimate=att,
        overall_std_error=att_se,
        cohorts=cells[:, 0].copy(),
        cell_event_time=cells[:, 1].copy(),
        cell_estimate=beta,
        cell_std_error=se,
        cell_vcov=vcov,
        cell_size=size,
        aggregation=agg,
        att_weights=att_w,
        df_resid=max(fit.n_clusters - 1, 1),
        n_obs=int(y.size),
        n_units=int(unit_levels.size),
        n_clusters=int(fit.n_clusters),
        outcome=y_col,
        cluster=c_col,
        control_group=sample.control_group,
        reference_period=int(reference_period),
        alpha=alpha,
        dropped=tuple(sample.dropped),
        wild_design=(
            WildDesign(fit.z_w, fit.y_w, np.asarray(cluster_codes, dtype=np.intp))
            if fit.nested and fit.z_w.size <= MAX_DESIGN_SIZE
            else None
        ),
    )


def _check_options(
    alpha: float, min_e: int | None, max_e: int | None, reference_period: int
) -> None:
    if not 0 < alpha < 1:
        raise SpecError(f"sunab: alpha must be between 0 and 1, got {alpha}")
    if min_e is not None and max_e is not None and min_e > max_e:
        raise SpecError(f"sunab: min_e ({min_e}) is larger than max_e ({max_e})")
    if min_e is not None and min_e > reference_period:
        raise SpecError(f"sunab: min_e ({min_e}) must be <= reference_period ({reference_period})")
    if max_e is not None and max_e < reference_period:
        raise SpecError(f"sunab: max_e ({max_e}) must be >= reference_period ({reference_period})")


def _usable_rows(
    frame: pd.DataFrame,
    y_col: str,
    u_col: str,
    t_col: str,
    g_col: str,
    c_col: str,
    w_col: str | None,
) -> pd.DataFrame:
    """The used columns of the rows with an outcome, period, cluster and positive weight."""
    cols = list(dict.fromkeys(c for c in (u_col, t_col, g_col, y_col, c_col, w_col) if c))
    df = frame.loc[:, cols]
    if w_col and (df[w_col] < 0).any():
        raise SpecError(
            f"sunab: weights column {w_col!r} has negative values; sampling weights must be >= 0"
        )
    keep = df[y_col].notna() & df[t_col].notna() & df[c_col].notna()
    if w_col:
        keep &= df[w_col].notna() & (df[w_col] > 0)
    df = df.loc[keep]
    check_unique_keys(df, u_col, t_col, "sunab")
    return df


@dataclass
class _EventSample:
    """The rows of the regression with their period, cohort and (binned) event time."""

    df: pd.DataFrame
    t: FloatArray
    g: FloatArray
    e: FloatArray  # NaN for comparison units
    treated: NDArray[np.bool_]
    control_group: str
    dropped: list[str]

    def keep(self, sel: NDArray[np.bool_]) -> None:
        self.df, self.t, self.g, self.e, self.treated = (
            self.df.loc[sel],
            self.t[sel],
            self.g[sel],
            self.e[sel],
            self.treated[sel],
        )


def _event_sample(
    df: pd.DataFrame,
    u_col: str,
    t_col: str,
    g_col: str,
    reference_period: int,
    min_e: int | None,
    max_e: int | None,
) -> _EventSample:
    """Drop units without a pre-treatment period and cohorts without a reference cell
    (with a warning), choose the comparison group and bin event times to ``[min_e, max_e]``."""
    t = df[t_col].to_numpy(dtype=float)
    g = df[g_col].to_numpy(dtype=float)
    t_min, t_max = float(np.min(t)), float(np.max(t))
    never = ~np.isfinite(g) | (g == 0) | (g > t_max)
    dropped: list[str] = []

    always = ~never & (g <= t_min)
    if always.any():
        n_always = pd.unique(df.loc[always, u_col]).size
        msg = (
            f"{n_always} unit(s) treated at or before the first period ({t_min:g}) have no "
            "pre-treatment period"
        )
        warnings.warn(f"sunab: {msg}; they are dropped", UserWarning, stacklevel=3)
        dropped.append(msg)
    control_group = "never treated"
    sel = ~always
    if not never[sel].any():
        cohorts_left = np.unique(g[sel])
        if cohorts_left.size < 2:
            raise EstimationError(
                "sunab: no never-treated units and only one treated cohort, so there is no "
                "comparison group; add never-treated units or a later-treated cohort"
            )
        last = float(cohorts_left[-1])
        control_group = f"last treated (cohort {_num(last)}), periods before {_num(last)}"
        sel &= t < last
        never = never | (g == last)
        dropped.append(f"periods from {_num(last)} on (no untreated comparison)")
    df = df.loc[sel]
    t, g, never = t[sel], g[sel], never[sel]

    treated = ~never
    if not treated.any():
        raise EstimationError(
            f"sunab: no treated units (every value of {g_col!r} is 0, empty or after the last "
            "period)"
        )
    e = np.where(treated, t - g, np.nan)
    lo = float(np.nanmin(e)) if min_e is None else float(min_e)
    hi = float(np.nanmax(e)) if max_e is None else float(max_e)
    e = np.where(treated, np.clip(e, lo, hi), np.nan)
    sample = _EventSample(df, t, g, e, treated, control_group, dropped)
    _drop_cohorts_without_reference(sample, never, reference_period)
    return sample


def _drop_cohorts_without_reference(
    sample: _EventSample, never: NDArray[np.bool_], reference_period: int
) -> None:
    """Cohorts whose reference cell is not observed cannot be separated from their unit
    effects: drop them with a warning."""
    ref = float(reference_period)
    g, e, treated = sample.g, sample.e, sample.treated
    bad = [c for c in np.unique(g[treated]) if not np.any(treated & (g == c) & (e == ref))]
    if not bad:
        return
    msg = (
        f"cohort(s) {[_num(c) for c in bad]} with no observation at the reference period "
        f"e = {reference_period}"
    )
    warnings.warn(f"sunab: {msg}; they are dropped", UserWarning, stacklevel=4)
    sample.dropped.append(msg)
    sample.keep(~np.isin(g, bad) | never)
    if not sample.treated.any():
        raise EstimationError(
            f"sunab: no cohort is observed at the reference period e = {reference_period}; "
            "choose another reference_period"
        )


@dataclass(frozen=True)
class _CellDesign:
    """Time dummies and cohort x event-time dummies (the reference period left out)."""

    tdum: FloatArray
    x: FloatArray
    cells: FloatArray  # (n_cells, 2): cohort, event time
    row_cell: NDArray[np.intp]  # cell of each row, -1 outside the cells


def _cell_design(sample: _EventSample, reference_period: int) -> _CellDesign:
    """The saturated cells (cohort, e) without the reference period, and the time dummies."""
    g, e, treated = sample.g, sample.e, sample.treated
    ref = float(reference_period)
    time_codes, time_levels = pd.factorize(sample.t, sort=True)
    cell_mask = treated & (e != ref)
    cell_keys = pd.DataFrame({"g": g[cell_mask], "e": e[cell_mask]})
    cells = cell_keys.drop_duplicates().sort_values(["g", "e"]).to_numpy(dtype=float)
    cell_index = pd.MultiIndex.from_arrays([cells[:, 0], cells[:, 1]])
    n_rows = g.size
    row_cell = np.full(n_rows, -1, dtype=np.intp)
    row_cell[cell_mask] = cell_index.get_indexer(
        pd.MultiIndex.from_arrays([g[cell_mask], e[cell_mask]])
    )
    n_cells = cells.shape[0]
    if n_cells == 0:
        raise EstimationError(
            "sunab: no cohort has an observation outside the reference period; nothing to estimate"
        )
    n_times = time_levels.size
    x = np.zeros((n_rows, n_cells))
    x[np.flatnonzero(row_cell >= 0), row_cell[row_cell >= 0]] = 1.0
    tdum = np.zeros((n_rows, max(n_times - 1, 0)))
    later = time_codes > 0
    tdum[np.flatnonzero(later), time_codes[later] - 1] = 1.0
    return _CellDesign(tdum, x, cells, row_cell)


@dataclass(frozen=True)
class _Fit:
    """Within (``sqrt(w)``-weighted) regression with its CR1 covariance."""

    coef: FloatArray
    vcov: FloatArray
    n_time: int  # time-effect columns kept (they come first)
    n_clusters: int
    nested: bool  # units nested in clusters
    z_w: FloatArray
    y_w: FloatArray


def _fit(
    design: _CellDesign,
    y: FloatArray,
    w: FloatArray,
    unit_codes: NDArray[np.intp],
    n_units: int,
    cluster_codes: NDArray[np.intp],
    c_col: str,
) -> _Fit:
    """Least squares after partialling out the unit effects, with fixest's CR1 covariance."""
    tdum, cells = design.tdum, design.cells
    full = np.column_stack([tdum, design.x])
    within = demean(np.column_stack([y, full]), [unit_codes], w)
    root_w = np.sqrt(w)
    y_w = within[:, 0] * root_w
    z_w = within[:, 1:] * root_w[:, None]
    kept = _independent_columns(z_w)
    lost = [j - tdum.shape[1] for j in range(full.shape[1]) if j not in kept]
    lost_cells = [j for j in lost if j >= 0]
    if lost_cells:
        labels = [f"cohort {_num(cells[j, 0])}, e={_num(cells[j, 1])}" for j in lost_cells]
        raise EstimationError(
            f"sunab: the cell(s) {labels} are collinear with the unit and time effects (too few "
            "units or periods in them); bin them with min_e/max_e or drop the cohort"
        )
    z_w = z_w[:, kept]
    bread = np.linalg.inv(z_w.T @ z_w)
    coef = bread @ (z_w.T @ y_w)
    resid = y_w - z_w @ coef
    scores = np.zeros((int(cluster_codes.max()) + 1, z_w.shape[1]))
    np.add.at(scores, cluster_codes, z_w * resid[:, None])
    n_clusters = scores.shape[0]
    if n_clusters < 2:
        raise EstimationError(
            f"sunab: only one cluster in {c_col!r}; cluster-robust SEs need at least two "
            "(choose another cluster column)"
        )
    meat = scores.T @ scores
    n_obs = y.size
    nested = bool((pd.Series(cluster_codes).groupby(unit_codes).nunique() == 1).all())
    k_fe = 1 if nested else n_units
    k = z_w.shape[1] + k_fe
    if n_obs - k <= 0:
        raise EstimationError(
            f"sunab: {n_obs} rows for {k} parameters; the design is saturated (bin relative "
            "periods with min_e/max_e)"
        )
    ssc = n_clusters / (n_clusters - 1) * (n_obs - 1) / (n_obs - k)
    vcov_full = ssc * bread @ meat @ bread
    n_t = tdum.shape[1] - sum(1 for j in lost if j < 0)
    return _Fit(coef, vcov_full, n_t, n_clusters, nested, z_w, y_w)


def _aggregation_weights(
    cells: FloatArray, size: FloatArray
) -> tuple[FloatArray, FloatArray | None]:
    """Cohort shares of each event time's cells (rows: event times) and the weights of the
    overall ATT over the post-treatment cells (None without any)."""
    event_levels = np.unique(cells[:, 1])
    agg = np.zeros((event_levels.size, cells.shape[0]))
    for i, lvl in enumerate(event_levels):
        m = cells[:, 1] == lvl
        agg[i, m] = size[m] / size[m].sum()
    post = cells[:, 1] >= 0
    if not post.any():
        return agg, None
    return agg, np.where(post, size, 0.0) / size[post].sum()
