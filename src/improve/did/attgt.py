"""Group-time average treatment effects, ATT(g,t), of Callaway and Sant'Anna (2021).

:func:`att_gt` reproduces R ``did::att_gt`` (version 2.x, non-"faster" code path):
the 2x2 DRDID estimators per (g,t) cell, never-treated or not-yet-treated comparison
groups, varying or universal base period, anticipation, sampling weights, balanced panels,
unbalanced panels and repeated cross-sections, analytic and multiplier-bootstrap inference,
uniform (sup-t) bands and the pre-trend Wald test.

The numerical core works on numpy arrays: ids are factorised once, a balanced panel becomes
a periods x units outcome matrix, and each cell only slices arrays. Without covariates the
three estimators have a closed form over cohort sums that is used directly (identical to
DRDID's output). With covariates, the cells of a cohort that share comparison units and
covariate rows share one :class:`~improve.did._estimators.PanelDesign` (propensity score,
regression projector and linear representations are computed once per design). The
covariance of the ATT(g,t) uses that a unit's influence function is zero outside the cells
its cohort takes part in.

Where this module knowingly differs from R ``did`` 2.x:

* Clustering. ``cluster=`` gives analytic cluster-robust standard errors and a
  cluster-level multiplier bootstrap, both from influence functions *summed* within
  clusters, ``sqrt(sum_c S_c^2) / n`` (as current R ``did`` and csdid; diff-diff multiplies
  by ``sqrt(G / (G - 1))``); the pre-test uses the same cluster-robust covariance. A unit
  that moves between clusters (a student changing schools) belongs to the cluster of its
  first observed period, with a warning. Without clusters the results equal R's.
* Repeated cross-sections with covariates, ``est_method="dr"``: the base-period
  outcome-regression term of the influence function is subtracted, not added as in R
  ``DRDID::drdid_rc`` (a sign error there; ATTs are unaffected, SEs move by < 3e-4 on
  mpdta). See ``tests/reference/README.md``.
* Random numbers. The bootstrap uses numpy's Generator (``seed=``), so bootstrap standard
  errors and critical values equal R's in distribution, not draw for draw.
* No never-treated units with ``control_group="nevertreated"`` raises
  :class:`~improve.errors.EstimationError` (as ``did`` up to 2.1; ``did`` 2.5's "faster
  mode" instead turns the last cohort into the comparison group with a warning).
* Cells that fail (singular covariate design, perfect separation, no comparison units)
  are NaN with a warning instead of stopping the whole run.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats

from improve.data.columns import Columns, panel_columns
from improve.did import _estimators as est
from improve.did._format import fmt_num, html_table, text_table, tidy_frame
from improve.errors import DataError, EstimationError, SpecError
from improve.inference import (
    ZERO_SE,
    ClusterCorrection,
    CR2Terms,
    analytic_se,
    analytic_vcov,
    block_vcov,
    cr2_terms,
    make_rng,
    multiplier_bootstrap,
    z_crit,
)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

ControlGroup = Literal["nevertreated", "notyettreated"]
EstMethod = Literal["dr", "ipw", "reg"]
BasePeriod = Literal["varying", "universal"]


# ----------------------------------------------------------------------------- result


@dataclass(frozen=True, eq=False)
class ATTGTResult:
    """Group-time average treatment effects and everything needed for inference.

    Attributes
    ----------
    groups, times : ndarray, shape (k,)
        Cohort (first treated period) and calendar period of each ATT(g,t) cell, ordered
        by group then time, as R ``did``.
    att, se : ndarray, shape (k,)
        Estimates and standard errors (NaN where a cell could not be estimated or, as R,
        where the standard error is numerically zero, e.g. the reference cell of a
        universal base period).
    inf_func : ndarray, shape (n_units, k)
        Influence functions; ``att - ATT ~ inf_func.mean(axis=0)``.
    vcov : ndarray, shape (k, k)
        Analytic covariance matrix of ``att`` (cluster-robust when clustered).
    crit_val : float
        Critical value used for the bands: the bootstrap sup-t value when
        ``bootstrap=True`` (``uniform`` is then True), else ``z_{1-alpha/2}``.
    uniform : bool
        Whether ``crit_val`` gives a simultaneous (uniform) band.
    post : ndarray of bool
        Whether the cell is post-treatment (``t >= g``).
    n_treated, n_control : ndarray of int
        Treated and comparison units (observations for repeated cross-sections) per cell.
    small_cells : tuple of (group, time, n_treated, n_control)
        Cells with fewer than ``len(covariates) + 5`` treated or comparison units.
    wald_stat, wald_pvalue : float or None
        Pre-trend Wald test that all pre-treatment ATT(g,t) are zero (R ``W``/``Wpval``).
    wald_df : int
        Number of pre-treatment cells in the test.
    n_units : int
        Number of cross-sectional units (observations for repeated cross-sections).
    unit_cohort, unit_weight : ndarray, shape (n_units,)
        Cohort (0 = never treated) and normalised weight per unit, used by
        :func:`improve.did.aggregate`.
    cluster_codes : ndarray of int or None
        Cluster index of each unit (None: unit-level inference).
    cluster_correction : str
        "CR2" (bias-reduced cluster sums and t critical values) or "none" (see
        :func:`att_gt`).
    cr2 : CR2Terms or None
        CR2 corrections of the cluster sums of ``inf_func`` and the cluster shares that
        give Satterthwaite degrees of freedom (None without clusters or correction);
        aggregations apply them with their cell weights.
    df : ndarray, shape (k,)
        Degrees of freedom of the t critical values of the pointwise intervals (``inf``:
        normal, as R).
    """

    groups: FloatArray
    times: FloatArray
    att: FloatArray
    se: FloatArray
    inf_func: FloatArray
    vcov: FloatArray
    crit_val: float
    uniform: bool
    post: NDArray[np.bool_]
    n_treated: NDArray[np.int64]
    n_control: NDArray[np.int64]
    small_cells: tuple[tuple[float, float, int, int], ...]
    wald_stat: float | None
    wald_pvalue: float | None
    wald_df: int
    n_units: int
    n_clusters: int
    unit_cohort: FloatArray
    unit_weight: FloatArray
    cluster_codes: IntArray | None
    alpha: float
    outcome: str
    est_method: str
    control_group: str
    base_period: str
    anticipation: int
    panel: bool
    unbalanced: bool
    covariates: tuple[str, ...]
    weights: str | None
    cluster: str | None
    bootstrap: bool
    n_boot: int
    seed: int | None
    time_periods: FloatArray = field(repr=False)
    cohorts: FloatArray = field(repr=False)
    cluster_correction: str = "none"
    cr2: CR2Terms | None = field(default=None, repr=False)
    df: FloatArray | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ presentation
    @property
    def event_times(self) -> FloatArray:
        """``time - group`` of each cell."""
        return self.times - self.groups

    def tidy(self) -> pd.DataFrame:
        """One row per ATT(g,t) with estimate, SE, z statistic, p-value and intervals.

        ``conf_low``/``conf_high`` are pointwise; ``conf_low_uniform``/``conf_high_uniform``
        (present when a bootstrap band was computed) cover all cells jointly.
        """
        terms = [f"ATT({_num(g)},{_num(t)})" for g, t in zip(self.groups, self.times, strict=True)]
        extra = {
            "group": self.groups,
            "time": self.times,
            "event_time": self.event_times,
        }
        return tidy_frame(
            terms,
            self.att,
            self.se,
            self.alpha,
            extra=extra,
            uniform_crit=self.crit_val if self.uniform else None,
            df=self.df,
        )

    def _notes(self) -> list[str]:
        notes = [
            f"Outcome: {self.outcome}. Estimator: {_METHOD_LABEL[self.est_method]}; "
            f"comparison group: {_CONTROL_LABEL[self.control_group]}; "
            f"base period: {self.base_period}; anticipation: {self.anticipation}.",
            f"Units: {self.n_units}"
            + (f" in {self.n_clusters} clusters ({self.cluster})" if self.cluster else "")
            + (
                "; repeated cross-sections"
                if not self.panel and not self.unbalanced
                else ("; unbalanced panel" if self.unbalanced else "")
            )
            + ".",
        ]
        if self.uniform:
            notes.append(
                f"Uniform {100 * (1 - self.alpha):.0f}% band from {self.n_boot} multiplier-"
                f"bootstrap draws: critical value {self.crit_val:.3f}."
            )
        if self.wald_stat is not None:
            notes.append(
                f"Pre-trend Wald test (all {self.wald_df} pre-treatment ATT(g,t) = 0): "
                f"chi2 = {self.wald_stat:.3f}, p = {fmt_num(self.wald_pvalue)}."
            )
        if self.small_cells:
            notes.append(f"{len(self.small_cells)} cell(s) have few treated or comparison units.")
        return notes

    def summary(self) -> str:
        """A readable text summary of all cells and the pre-trend test."""
        table = self.tidy().drop(columns=["term", "event_time"])
        head = "Group-time average treatment effects (Callaway & Sant'Anna)"
        return "\n".join([head, "", text_table(table), "", *self._notes()])

    def _repr_html_(self) -> str:
        cols = ["group", "time", "estimate", "std_error", "conf_low", "conf_high"]
        return html_table("Group-time average treatment effects", self.tidy()[cols], self._notes())

    def plot(self, kind: str = "heatmap", outcome_label: str | None = None) -> Any:
        """Group-time heatmap (``kind="heatmap"``) or the dynamic event study (``"event"``)."""
        from improve.report import did_figures

        label = outcome_label or f"Effect on {self.outcome}"
        if kind == "heatmap":
            return did_figures.plot_att_gt_heatmap(self.tidy(), outcome_label=label)
        if kind == "event":
            from improve.did.aggregate import aggregate

            return aggregate(self, type="dynamic").plot(outcome_label=label)
        raise ValueError(f"kind must be 'heatmap' or 'event', got {kind!r}")

    def __repr__(self) -> str:
        return (
            f"ATTGTResult(outcome={self.outcome!r}, cells={self.att.size}, "
            f"n_units={self.n_units}, est_method={self.est_method!r}, "
            f"control_group={self.control_group!r})"
        )


_METHOD_LABEL = {"dr": "doubly robust", "ipw": "inverse probability weighting", "reg": "regression"}
_CONTROL_LABEL = {"nevertreated": "never treated", "notyettreated": "not yet treated"}


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


# ----------------------------------------------------------------------------- inputs


def _sorted_unique(v: FloatArray) -> FloatArray:
    """Sorted unique values (hash-based, faster than ``np.unique`` on long columns)."""
    return np.sort(pd.unique(v))


def _to_float(s: pd.Series, name: str, role: str) -> FloatArray:
    try:
        out = pd.to_numeric(s, errors="raise")
    except (ValueError, TypeError) as exc:
        raise DataError(
            f"{role} column '{name}' must be numeric; recode it (e.g. school year 2018-19 -> 2019)"
        ) from exc
    return np.asarray(out.to_numpy(dtype=float, na_value=np.nan), dtype=float)


def _covariate_matrix(df: pd.DataFrame, covariates: list[str]) -> tuple[FloatArray, list[str]]:
    """Intercept plus covariates; text/categorical covariates become 0/1 dummies."""
    n = len(df)
    cols = [np.ones(n)]
    labels = ["(Intercept)"]
    for c in covariates:
        s = df[c]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            cols.append(np.asarray(s.to_numpy(dtype=float, na_value=np.nan), dtype=float))
            labels.append(c)
        else:
            dummies = pd.get_dummies(s.astype("string"), prefix=c, drop_first=True, dtype=float)
            for dc in dummies.columns:
                cols.append(dummies[dc].to_numpy(dtype=float))
                labels.append(str(dc))
    return np.column_stack(cols), labels


# ----------------------------------------------------------------------------- main


def att_gt(
    data: Any,
    outcome: str | None = None,
    *,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
    covariates: list[str] | tuple[str, ...] | str | None = None,
    control_group: ControlGroup = "nevertreated",
    est_method: EstMethod = "dr",
    base_period: BasePeriod = "varying",
    anticipation: int = 0,
    weights: str | None = None,
    cluster: str | None = None,
    panel: bool = True,
    allow_unbalanced_panel: bool = False,
    bootstrap: bool = False,
    n_boot: int = 999,
    alpha: float = 0.05,
    seed: int | None = None,
    cluster_correction: ClusterCorrection = "CR2",
) -> ATTGTResult:
    """Estimate group-time average treatment effects ATT(g,t) (Callaway & Sant'Anna 2021).

    Semantics follow R ``did::att_gt`` 2.x: for every treated cohort ``g`` and period ``t``
    a 2x2 DiD compares cohort ``g`` with the comparison group between ``t`` and a base
    period, using the DRDID estimators (doubly robust ``drdid_panel``/``drdid_rc`` by
    default). Influence functions give analytic standard errors, cluster-robust standard
    errors, the multiplier bootstrap, uniform bands and the pre-trend Wald test.

    Parameters
    ----------
    data : pandas.DataFrame or Panel
        Long data, one row per unit and period (per observation for repeated
        cross-sections). A Panel-like object with ``.data`` (DataFrame) and ``.spec``
        (``unit``, ``time``, ``cohort``, ``outcomes``, ``covariates``, ``cluster``,
        ``weight``) fills every column name not passed explicitly; ``outcome`` then
        defaults to the first outcome and ``covariates`` to the spec's covariates (pass
        ``covariates=[]`` for none).
    outcome : str
        Outcome column.
    unit : str, optional
        Unit id column (numbers or strings). Required for panels.
    time : str
        Period column (numeric, e.g. spring year of a school year).
    cohort : str
        First period in which the unit is treated; 0 or missing = never treated. Cohorts
        later than the last period count as never treated (as R).
    covariates : list of str, optional
        Pre-treatment covariates for the propensity score / outcome regression. Text
        columns are expanded into dummies. In panels the covariate value is taken from the
        earlier of the two periods compared (as R ``did``); use time-invariant covariates.
    control_group : {"nevertreated", "notyettreated"}
        Comparison units: never treated only, or also units not yet treated by
        ``max(t, base period) + anticipation``.
    est_method : {"dr", "ipw", "reg"}
        Doubly robust (default), normalised inverse probability weighting or outcome
        regression.
    base_period : {"varying", "universal"}
        "varying": pre-treatment cells compare ``t`` with ``t-1`` (R default);
        "universal": every cell uses ``g - anticipation - 1`` (that cell is reported as 0
        with a missing standard error).
    anticipation : int
        Number of periods before ``g`` in which units may already react to treatment.
    weights : str, optional
        Sampling-weight column (non-negative, constant within unit); normalised to mean 1.
        In panels the weight of a unit's first period is used.
    cluster : str, optional
        Column defining clusters above the unit (e.g. district) for cluster-robust
        inference: influence functions are summed within clusters. Clusters must nest
        units; if a unit's cluster changes over time (students who change schools) the
        cluster of the unit's *first observed period* is used for all its periods and a
        warning says how many units moved. For repeated cross-sections each observation
        carries its own cluster.
    panel : bool
        True for panel data; False for repeated cross-sections (each row its own unit).
    allow_unbalanced_panel : bool
        If False (default, as R) units missing any period are dropped with a warning. If
        True and the panel is unbalanced, the repeated cross-section estimators are used
        on all available rows and influence functions are summed within unit (as R).
    bootstrap : bool
        Use the multiplier bootstrap (Mammen weights) for standard errors and a uniform
        sup-t band.
    n_boot : int
        Number of bootstrap draws.
    alpha : float
        Significance level.
    seed : int, optional
        Seed of the numpy Generator used by the bootstrap.
    cluster_correction : {"CR2", "none"}
        Small-sample correction of cluster-robust inference (only with ``cluster``).
        "CR2" (default): the cluster sums of the influence functions get the bias-reduced
        (Bell--McCaffrey CR2) leverage correction of each cell's treated and comparison
        means, and pointwise intervals and p-values use t critical values with
        Satterthwaite degrees of freedom (the effective number of clusters of each
        estimate); the multiplier bootstrap draws on the corrected sums. With one large
        district among many small ones, uncorrected cluster-robust 95% intervals cover
        about 89% on the demo generator, corrected ones about 95% (see
        ``benchmarks/montecarlo_results``). "none": plain sums and normal critical values
        (R ``did`` and csdid semantics).
        The uniform band's sup-t critical value comes from the bootstrap and is never
        below a row's pointwise t value.

    Returns
    -------
    ATTGTResult

    Raises
    ------
    SpecError
        Missing columns or invalid options.
    DataError
        Non-numeric periods/cohorts/outcomes, duplicated unit-periods, cohorts varying
        within a unit.
    EstimationError
        No never-treated units with ``control_group="nevertreated"`` (or too few), or no
        cohort that can be estimated.

    Warns
    -----
    UserWarning
        Dropped rows/units, cohorts treated in the first period (dropped, as R), cells that
        cannot be estimated (reported as NaN), small cells.
    """
    _validate_options(control_group, est_method, base_period, anticipation, n_boot, alpha)
    if cluster_correction not in ("CR2", "none"):
        raise SpecError(
            f"cluster_correction must be 'CR2' or 'none', got {cluster_correction!r}"
        )
    df, names = panel_columns(
        data,
        "att_gt",
        outcome=outcome,
        unit=unit,
        time=time,
        cohort=cohort,
        covariates=covariates,
        cluster=cluster,
        weights=weights,
    )
    prep = _prepare(df, names, control_group, anticipation, panel, allow_unbalanced_panel)
    cells = _estimate_cells(prep, control_group, est_method, base_period, anticipation)

    n = prep.n
    att = cells.att
    inf = cells.inf
    cr2 = None
    correction = None
    df = np.full(att.size, np.inf)
    if prep.cluster_codes is not None and cluster_correction == "CR2":
        cr2 = cr2_terms(inf, prep.cluster_codes, prep.unit_cohort, cells.groups, prep.unit_weight)
        correction = cr2.correction
        df = cr2.satterthwaite_df(np.eye(att.size))
    if cells.blocks is not None and prep.cluster_codes is None:
        vcov = block_vcov(inf, n, *cells.blocks)
        with np.errstate(invalid="ignore"):
            se = np.sqrt(np.diag(vcov))
        se = np.where(np.isfinite(se) & (se > ZERO_SE), se, np.nan)
    else:
        se = analytic_se(inf, n, prep.cluster_codes, correction)
        vcov = analytic_vcov(inf, n, prep.cluster_codes, correction)
    se[~np.isfinite(att)] = np.nan
    zero_na = ~np.isfinite(se)

    crit = z_crit(alpha)
    uniform = False
    if bootstrap:
        boot = multiplier_bootstrap(
            inf,
            n,
            prep.cluster_codes,
            n_boot,
            alpha,
            make_rng(seed),
            score_correction=correction,
            band_df=None if cr2 is None else df,
        )
        se = np.where(zero_na, se, boot.se)
        if np.isfinite(boot.crit_val):
            crit = boot.crit_val
            uniform = True
            if crit >= 7:
                warnings.warn(
                    f"the simultaneous critical value ({crit:.2f}) is very large; groups may "
                    "be too small or outcomes too little varied for a reliable uniform band",
                    UserWarning,
                    stacklevel=2,
                )
    se = np.where(np.isfinite(se) & (se > ZERO_SE), se, np.nan)

    wald, wald_p, wald_df = _pretest(cells.groups, cells.times, att, vcov, zero_na)

    return ATTGTResult(
        groups=cells.groups,
        times=cells.times,
        att=att,
        se=se,
        inf_func=inf,
        vcov=vcov,
        crit_val=float(crit),
        uniform=uniform,
        post=cells.groups <= cells.times,
        n_treated=cells.n_treated,
        n_control=cells.n_control,
        small_cells=cells.small,
        wald_stat=wald,
        wald_pvalue=wald_p,
        wald_df=wald_df,
        n_units=n,
        n_clusters=prep.n_clusters,
        unit_cohort=prep.unit_cohort,
        unit_weight=prep.unit_weight,
        cluster_codes=prep.cluster_codes,
        alpha=float(alpha),
        outcome=names.outcome,
        est_method=est_method,
        control_group=control_group,
        base_period=base_period,
        anticipation=int(anticipation),
        panel=prep.panel,
        unbalanced=prep.unbalanced,
        covariates=tuple(names.covariates),
        weights=names.weights,
        cluster=prep.cluster_name,
        bootstrap=bool(bootstrap),
        n_boot=int(n_boot),
        seed=seed,
        time_periods=prep.tlist,
        cohorts=prep.glist,
        cluster_correction="none" if cr2 is None else "CR2",
        cr2=cr2,
        df=df,
    )


def _validate_options(
    control_group: str,
    est_method: str,
    base_period: str,
    anticipation: int,
    n_boot: int,
    alpha: float,
) -> None:
    if control_group not in ("nevertreated", "notyettreated"):
        raise SpecError(
            f"control_group must be 'nevertreated' or 'notyettreated', got {control_group!r}"
        )
    if est_method not in ("dr", "ipw", "reg"):
        raise SpecError(f"est_method must be 'dr', 'ipw' or 'reg', got {est_method!r}")
    if base_period not in ("varying", "universal"):
        raise SpecError(f"base_period must be 'varying' or 'universal', got {base_period!r}")
    if anticipation < 0 or int(anticipation) != anticipation:
        raise SpecError(f"anticipation must be a non-negative integer, got {anticipation!r}")
    if int(n_boot) < 1:
        raise SpecError(f"n_boot must be a positive integer, got {n_boot!r}")
    if not 0 < alpha < 1:
        raise SpecError(f"alpha must be between 0 and 1, got {alpha!r}")


# ----------------------------------------------------------------------------- prep


@dataclass
class _Prepared:
    panel: bool  # True: balanced-panel estimators; False: RC estimators
    unbalanced: bool
    n: int
    tlist: FloatArray
    glist: FloatArray
    n_cov: int
    uniform_weights: bool
    # unit level (length n)
    unit_cohort: FloatArray
    unit_weight: FloatArray
    cluster_codes: IntArray | None
    n_clusters: int
    cluster_name: str | None
    # balanced panel
    y_mat: FloatArray | None = None  # (T, n): one contiguous row per period
    x_per: FloatArray | None = None  # (T, n, k) or (1, n, k) if time-invariant
    # row level (RC / unbalanced)
    y_row: FloatArray | None = None
    per_row: IntArray | None = None
    cohort_row: FloatArray | None = None
    w_row: FloatArray | None = None
    x_row: FloatArray | None = None
    unit_row: IntArray | None = None


def _prepare(
    df: pd.DataFrame,
    names: Columns,
    control_group: str,
    anticipation: int,
    panel: bool,
    allow_unbalanced: bool,
) -> _Prepared:
    n_rows0 = len(df)
    time_v = _to_float(df[names.time], names.time, "time")
    cohort_v = _to_float(df[names.cohort], names.cohort, "cohort")
    cohort_v = np.where(np.isnan(cohort_v), 0.0, cohort_v)
    y_v = _to_float(df[names.outcome], names.outcome, "outcome")
    x_v, x_labels = _covariate_matrix(df, names.covariates)
    w_v = (
        _to_float(df[names.weights], names.weights, "weight")
        if names.weights is not None
        else np.ones(n_rows0)
    )
    unit_raw = df[names.unit].to_numpy() if names.unit is not None else None
    cluster_name = names.cluster
    if cluster_name is not None and cluster_name == names.unit and panel:
        cluster_name = None
    cl_raw = df[cluster_name].to_numpy() if cluster_name is not None else None

    ok = np.isfinite(time_v) & np.isfinite(y_v)
    for j in range(1, x_v.shape[1]):  # column 0 is the intercept
        ok &= np.isfinite(x_v[:, j])
    if names.weights is not None:
        ok &= np.isfinite(w_v)
    if unit_raw is not None:
        ok &= ~pd.isna(unit_raw)
    if cl_raw is not None:
        ok &= ~pd.isna(cl_raw)
    n_bad = 0 if ok.all() else int((~ok).sum())
    if n_bad:
        warnings.warn(
            f"dropped {n_bad} of {n_rows0} rows with missing outcome, time, covariates, "
            "weight, unit or cluster",
            UserWarning,
            stacklevel=3,
        )
    if names.weights is not None and np.any(w_v[ok] < 0):
        raise DataError(
            f"weight column '{names.weights}' has negative values; weights must be >= 0"
        )

    def keep(mask: NDArray[np.bool_]) -> None:
        nonlocal time_v, cohort_v, y_v, x_v, w_v, unit_raw, cl_raw, tidy_t
        tidy_t = 0
        time_v, cohort_v, y_v, x_v, w_v = (
            time_v[mask],
            cohort_v[mask],
            y_v[mask],
            x_v[mask],
            w_v[mask],
        )
        if unit_raw is not None:
            unit_raw = unit_raw[mask]
        if cl_raw is not None:
            cl_raw = cl_raw[mask]

    tidy_t = 0  # periods per unit if the rows are a tidy balanced panel (see _tidy_periods)
    if n_bad:
        keep(ok)
    if time_v.size == 0:
        raise DataError("no rows left after dropping rows with missing values")
    if names.weights is not None:
        w_v = w_v / w_v.mean()

    if panel and unit_raw is not None:
        tidy_t = _tidy_periods(unit_raw, time_v, cohort_v)
    tlist = time_v[:tidy_t].copy() if tidy_t else _sorted_unique(time_v)
    cohort_v = np.where(cohort_v > tlist.max(), 0.0, cohort_v)
    glist = _sorted_unique(cohort_v[::tidy_t] if tidy_t else cohort_v)

    if not np.any(glist == 0):
        if control_group == "nevertreated":
            raise EstimationError(
                "there are no never-treated units to compare with (cohort 0 or missing); "
                "use control_group='notyettreated' to compare with units not yet treated"
            )
        gmax = glist.max()
        keep(time_v < gmax - anticipation)
        tlist = _sorted_unique(time_v)
        glist = _sorted_unique(cohort_v)
        glist = glist[glist < gmax]
    if tlist.size < 2:
        raise EstimationError("fewer than two time periods remain; DiD needs at least two")

    first = tlist[0]
    glist = glist[(glist > 0) & (glist > first + anticipation)]
    treated_first = (cohort_v <= first) & (cohort_v != 0)
    if np.any(treated_first):
        if panel and unit_raw is not None:
            n_first = int(pd.unique(unit_raw[treated_first]).size)
        else:
            n_first = int(treated_first.sum())
        what = "units" if panel else "observations"
        warnings.warn(
            f"dropped {n_first} {what} already treated in the first period ({_num(first)}); "
            "their effect cannot be identified without a pre-treatment period (as R did)",
            UserWarning,
            stacklevel=3,
        )
        keep(np.isin(cohort_v, np.concatenate([[0.0], glist])))
        tlist = _sorted_unique(time_v)
        glist = _sorted_unique(cohort_v)
        glist = glist[(glist > 0) & (glist > tlist[0] + anticipation)]
    if glist.size == 0:
        raise EstimationError(
            "no treated cohort can be estimated; the cohort column must hold the first "
            "treated period (0 or empty for never treated) and some cohort must start "
            "after the first period"
        )

    n_periods = tlist.size
    # period index of each row (not needed for a tidy balanced panel)
    per_v = np.empty(0, dtype=np.intp) if tidy_t else np.searchsorted(tlist, time_v)
    unbalanced = False

    if panel:
        if unit_raw is None:
            raise SpecError("panel data need a unit column: pass unit='...' (or panel=False)")
        tidy = bool(tidy_t)
        if tidy:  # sorted by unit then period, every period once: no factorising needed
            n_u = time_v.size // n_periods
            # unit of each row: only the cluster check below needs it
            codes = (
                np.repeat(np.arange(n_u, dtype=np.intp), n_periods)
                if cl_raw is not None
                else np.empty(0, dtype=np.intp)
            )
            first_idx = np.arange(0, time_v.size, n_periods, dtype=np.intp)
            balanced = True
        else:
            codes, _uniques = pd.factorize(pd.Series(unit_raw), sort=True)
            codes = np.asarray(codes, dtype=np.intp)
            n_u = int(codes.max()) + 1
            key = codes * n_periods + per_v
            if np.bincount(key, minlength=n_u * n_periods).max() > 1:
                raise DataError(
                    f"some units appear more than once in a period ('{names.unit}' x "
                    f"'{names.time}' must be unique); aggregate or deduplicate first"
                )
            # row of each unit's first observed period (-1: not observed in that period)
            row_of = np.full(n_u * n_periods, -1, dtype=np.intp)
            row_of[key] = np.arange(key.size)
            row_of = row_of.reshape(n_u, n_periods)
            first_per = np.argmax(row_of >= 0, axis=1)
            first_idx = row_of[np.arange(n_u), first_per]
            del row_of
            if np.any(cohort_v != cohort_v[first_idx][codes]):
                raise DataError(
                    f"the cohort column '{names.cohort}' changes within some units; it must "
                    "be the unit's first treated period in every row"
                )
            counts = np.bincount(codes, minlength=n_u)
            balanced = bool(np.all(counts == n_periods))
        if allow_unbalanced and not balanced:
            unbalanced = True
        elif not balanced:
            n_drop = int((counts < n_periods).sum())
            warnings.warn(
                f"dropped {n_drop} units not observed in all {n_periods} periods (a balanced "
                "panel is required; pass allow_unbalanced_panel=True to keep them)",
                UserWarning,
                stacklevel=3,
            )
            keep(counts[codes] == n_periods)
            per_v = per_v[counts[codes] == n_periods]
            codes = codes[counts[codes] == n_periods]
            if codes.size == 0:
                raise DataError("no unit is observed in every period; the balanced panel is empty")
            codes = np.asarray(pd.factorize(codes, sort=True)[0], dtype=np.intp)
            n_u = int(codes.max()) + 1
    else:
        tidy = False
        codes = np.arange(time_v.size, dtype=np.intp)
        n_u = time_v.size

    if not tidy:
        _check_group_sizes(cohort_v, n_periods, len(x_labels) - 1, control_group)

    # unit-level attributes (first observed period of each unit)
    if not panel:
        first_idx = np.arange(n_u)
    elif not balanced and not unbalanced:  # incomplete units dropped: rows renumbered
        rows0 = np.flatnonzero(per_v == 0)
        first_idx = np.empty(n_u, dtype=np.intp)
        first_idx[codes[rows0]] = rows0
    unit_cohort = cohort_v[first_idx]
    if tidy:  # balanced: rows per cohort / periods = units per cohort
        _check_group_sizes(unit_cohort, 1, len(x_labels) - 1, control_group)
    if unbalanced:
        # R aggregates the data by unit with a mean before computing group shares
        unit_weight = np.bincount(codes, weights=w_v, minlength=n_u) / np.bincount(
            codes, minlength=n_u
        )
    else:
        unit_weight = w_v[first_idx]

    cluster_codes: IntArray | None = None
    n_clusters = n_u
    if cl_raw is not None:
        cl_codes = np.asarray(pd.factorize(pd.Series(cl_raw), sort=True)[0], dtype=np.intp)
        if panel:
            unit_cl = cl_codes[first_idx]
            moved = int(np.unique(codes[cl_codes != unit_cl[codes]]).size)
            if moved:
                warnings.warn(
                    f"{moved} units change cluster ('{cluster_name}') over time; each unit is "
                    "assigned to the cluster of its first observed period",
                    UserWarning,
                    stacklevel=3,
                )
        else:
            unit_cl = cl_codes
        uniq, unit_cl = np.unique(unit_cl, return_inverse=True)
        cluster_codes = np.asarray(unit_cl, dtype=np.intp)
        n_clusters = int(uniq.size)
        if n_clusters < 2:
            raise EstimationError(
                f"cluster column '{cluster_name}' has a single cluster; cluster-robust "
                "inference needs many clusters (drop cluster= to use unit-level inference)"
            )

    prep = _Prepared(
        panel=panel and not unbalanced,
        unbalanced=unbalanced,
        n=n_u,
        tlist=tlist,
        glist=glist,
        n_cov=len(x_labels) - 1,
        uniform_weights=names.weights is None or bool(np.all(w_v == w_v[0])),
        unit_cohort=unit_cohort,
        unit_weight=unit_weight,
        cluster_codes=cluster_codes,
        n_clusters=n_clusters,
        cluster_name=cluster_name,
    )
    if prep.panel and tidy:
        y_mat = np.ascontiguousarray(y_v.reshape(n_u, n_periods).T)
        k = x_v.shape[1]
        x_first = x_v[first_idx]  # first period (balanced panel)
        x3 = x_v.reshape(n_u, n_periods, k)
        if all(
            np.array_equal(x3[:, :, j], np.broadcast_to(x_first[:, j : j + 1], x3.shape[:2]))
            for j in range(1, k)
        ):
            x_all = x_first[None]  # time-invariant covariates
        else:
            x_all = np.ascontiguousarray(x3.transpose(1, 0, 2))
        prep.y_mat = y_mat
        prep.x_per = x_all
    elif prep.panel:
        y_mat = np.full((n_periods, n_u), np.nan)
        y_mat[per_v, codes] = y_v
        k = x_v.shape[1]
        x_first = x_v[first_idx]  # first period (balanced panel)
        if k == 1 or np.array_equal(x_v[:, 1:], x_first[codes, 1:]):
            x_all = x_first[None]  # time-invariant covariates
        else:
            x_all = np.empty((n_periods, n_u, k))
            x_all[per_v, codes, :] = x_v
        prep.y_mat = y_mat
        prep.x_per = x_all
    else:
        prep.y_row = y_v
        prep.per_row = per_v
        prep.cohort_row = cohort_v
        prep.w_row = w_v
        prep.x_row = x_v
        prep.unit_row = codes
    return prep


def _tidy_periods(unit_raw: Any, time_v: FloatArray, cohort_v: FloatArray) -> int:
    """Number of periods ``T`` if the rows are sorted by a numeric unit id (strictly
    increasing) and every unit has the same strictly increasing periods in ``T`` consecutive
    rows and one cohort (the usual layout of a balanced panel); else 0. Such data need no
    factorising, sorting or duplicate checks."""
    size = time_v.size
    if size < 2 or unit_raw.dtype.kind not in "iuf":
        return 0
    change = unit_raw != unit_raw[0]
    n_t = int(np.argmax(change)) if change.any() else size
    if n_t < 2 or size % n_t:
        return 0
    tr = time_v.reshape(-1, n_t)
    row = tr[0]
    if not (np.all(row[1:] > row[:-1]) and np.array_equal(tr, np.broadcast_to(row, tr.shape))):
        return 0
    ur = unit_raw.reshape(-1, n_t)
    first = ur[:, 0]
    if not bool(np.all(first[1:] > first[:-1])):
        return 0
    if not np.array_equal(ur, np.broadcast_to(first[:, None], ur.shape)):
        return 0
    cr = cohort_v.reshape(-1, n_t)
    if not np.array_equal(cr, np.broadcast_to(cr[:, :1], cr.shape)):
        return 0
    return n_t


def _check_group_sizes(
    cohort_v: FloatArray, n_periods: int, n_cov: int, control_group: str
) -> None:
    """R's check: groups with fewer than ``n_cov + 5`` units (rows / periods) get a warning;
    a too small never-treated group with ``nevertreated`` is an error."""
    req = n_cov + 5
    vals = _sorted_unique(cohort_v)
    counts = np.bincount(np.searchsorted(vals, cohort_v), minlength=vals.size)
    sizes = counts / n_periods
    small = vals[sizes < req]
    if small.size:
        if control_group == "nevertreated" and np.any(small == 0):
            n_never = float(sizes[vals == 0][0])
            raise EstimationError(
                f"the never-treated group is too small (about {n_never:.0f} units, fewer "
                f"than {req}); use control_group='notyettreated'"
            )
        warnings.warn(
            "some cohorts are small (fewer than "
            f"{req} units): {', '.join(_num(v) for v in small)}; their estimates are imprecise",
            UserWarning,
            stacklevel=4,
        )


# ----------------------------------------------------------------------------- cells


@dataclass
class _Cells:
    groups: FloatArray
    times: FloatArray
    att: FloatArray
    inf: FloatArray
    n_treated: NDArray[np.int64]
    n_control: NDArray[np.int64]
    small: tuple[tuple[float, float, int, int], ...]
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


def _estimate_cells(
    prep: _Prepared,
    control_group: str,
    est_method: str,
    base_period: str,
    anticipation: int,
) -> _Cells:
    tlist = prep.tlist
    plan = _cell_plan(prep.glist, tlist, base_period, anticipation)
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
    small: list[tuple[float, float, int, int]] = []
    req = prep.n_cov + 5
    aux = _PanelCells(prep) if prep.panel else None
    part = None if aux is None else np.zeros((aux.cvals.size, k), dtype=bool)

    for j, (g, ti, base) in enumerate(plan):
        if base == ti:  # universal base period reference cell
            att[j] = 0.0
            continue
        label = f"cohort {_num(g)} in period {_num(tlist[ti])}"
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
        n_tr[j], n_co[j] = nt, nc
        if nt < req or nc < req:
            small.append((g, float(tlist[ti]), int(nt), int(nc)))

    if problems:
        shown = "; ".join(problems[:6]) + ("; ..." if len(problems) > 6 else "")
        warnings.warn(
            f"{len(problems)} ATT(g,t) cell(s) could not be estimated and are NaN: {shown}",
            UserWarning,
            stacklevel=3,
        )
    if small:
        shown = ", ".join(f"({_num(g)},{_num(t)}): {a}/{b}" for g, t, a, b in small[:8])
        warnings.warn(
            f"{len(small)} ATT(g,t) cell(s) have fewer than {req} treated or comparison "
            f"units (treated/comparison): {shown}{', ...' if len(small) > 8 else ''}",
            UserWarning,
            stacklevel=3,
        )
    blocks = None if aux is None or part is None else (aux.ccode, part)
    return _Cells(groups, times, att, inf, n_tr, n_co, tuple(small), blocks)


class _PanelCells:
    """Per-run helpers of the balanced-panel cells: cohort codes and sums, design cache."""

    def __init__(self, prep: _Prepared) -> None:
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

    def period_sums(self, prep: _Prepared, ti: int) -> FloatArray:
        """Weighted sums of the outcome in period ``ti`` by cohort (cached)."""
        out = self._psums.get(ti)
        if out is None:
            assert prep.y_mat is not None
            y = prep.y_mat[ti] if self.uniform else prep.unit_weight * prep.y_mat[ti]
            out = np.bincount(self.ccode, weights=y, minlength=self.cvals.size)
            self._psums[ti] = out
        return out


def _panel_cell(
    prep: _Prepared,
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
    prep: _Prepared, idx: IntArray, treat: NDArray[np.bool_], x_per_idx: int, est_method: str
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
    prep: _Prepared,
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
    prep: _Prepared,
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


# ----------------------------------------------------------------------------- pretest


def _pretest(
    groups: FloatArray,
    times: FloatArray,
    att: FloatArray,
    vcov: FloatArray,
    zero_na: NDArray[np.bool_],
) -> tuple[float | None, float | None, int]:
    """R's Wald pre-test that all pre-treatment ATT(g,t) are zero."""
    pre = np.flatnonzero((groups > times) & ~zero_na & np.isfinite(att))
    if pre.size == 0:
        return None, None, 0
    pv = vcov[np.ix_(pre, pre)]
    if not np.all(np.isfinite(pv)) or est.rcond(pv) <= np.finfo(float).eps:
        warnings.warn(
            "the pre-trend Wald test is not reported: the covariance matrix of the "
            "pre-treatment ATT(g,t) is singular",
            UserWarning,
            stacklevel=3,
        )
        return None, None, int(pre.size)
    a = att[pre]
    w = float(a @ np.linalg.solve(pv, a))
    return w, float(stats.chi2.sf(w, pre.size)), int(pre.size)
