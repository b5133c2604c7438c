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
regression projector and linear representations are computed once per design). Unbalanced
panels and repeated cross-sections without covariates are estimated from cohort x period
sums and a second pass over the rows sorted by period (:mod:`improve.did._cell_sums`). The
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

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from improve._deprecation import DeprecatedAttribute
from improve._warn import warn_at_caller
from improve.data.columns import panel_columns
from improve.did import _estimators as est
from improve.did._cells import Cells, estimate_cells
from improve.did._prepare import Prepared, number_label, prepare
from improve.engines.detect import engine_of
from improve.errors import SpecError
from improve.inference import (
    ZERO_SE,
    ClusterCorrection,
    CR2Terms,
    block_vcov,
    corrected_sums,
    cr2_terms,
    make_rng,
    multiplier_bootstrap,
    se_from_sums,
    vcov_from_sums,
    z_crit,
)
from improve.results import Result, fmt_num, text_table, tidy_frame

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

ControlGroup = Literal["nevertreated", "notyettreated"]
EstMethod = Literal["dr", "ipw", "reg"]
BasePeriod = Literal["varying", "universal"]


# ----------------------------------------------------------------------------- result


@dataclass(frozen=True, eq=False)
class ATTGTResult(Result):
    """Group-time average treatment effects and everything needed for inference.

    Attributes
    ----------
    groups, times : ndarray, shape (k,)
        Cohort (first treated period) and calendar period of each ATT(g,t) cell, ordered
        by group then time, as R ``did``.
    estimate, std_error : ndarray, shape (k,)
        Estimates and standard errors (NaN where a cell could not be estimated or, as R,
        where the standard error is numerically zero, e.g. the reference cell of a
        universal base period). ``att`` and ``se`` are their deprecated names.
    inf_func : ndarray, shape (n_units, k)
        Influence functions; ``estimate - ATT ~ inf_func.mean(axis=0)``.
    vcov : ndarray, shape (k, k)
        Analytic covariance matrix of ``estimate`` (cluster-robust when clustered).
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
    failed_cells : tuple of (group, time, reason)
        Cells that could not be estimated (their ATT is NaN), with R's reason, e.g. the
        overlap rule (a propensity score of 0.999 or more) or no comparison units.
    pretrend_stat, pretrend_p_value : float or None
        Pre-trend Wald test that all pre-treatment ATT(g,t) are zero (R ``W``/``Wpval``);
        ``wald_stat`` and ``wald_pvalue`` are their deprecated names.
    pretrend_df : int
        Number of pre-treatment cells in the test (deprecated name ``wald_df``).
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
    vcov_type : str
        The inference behind ``std_error``: "bootstrap" (multiplier bootstrap), "CR2"
        (bias-reduced cluster sums with Satterthwaite df), "cluster-robust" (cluster sums
        of the influence functions) or "analytic" (unit-level influence functions).
    """

    groups: FloatArray
    times: FloatArray
    estimate: FloatArray
    std_error: FloatArray
    inf_func: FloatArray
    vcov: FloatArray
    crit_val: float
    uniform: bool
    post: NDArray[np.bool_]
    n_treated: NDArray[np.int64]
    n_control: NDArray[np.int64]
    small_cells: tuple[tuple[float, float, int, int], ...]
    pretrend_stat: float | None
    pretrend_p_value: float | None
    pretrend_df: int
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
    failed_cells: tuple[tuple[float, float, str], ...] = ()
    cr2: CR2Terms | None = field(default=None, repr=False)
    df: FloatArray | None = field(default=None, repr=False)

    att = DeprecatedAttribute("estimate")
    se = DeprecatedAttribute("std_error")
    wald_stat = DeprecatedAttribute("pretrend_stat")
    wald_pvalue = DeprecatedAttribute("pretrend_p_value")
    wald_df = DeprecatedAttribute("pretrend_df")

    @property
    def vcov_type(self) -> str:
        """Short label of the inference behind ``std_error`` (see the class docstring)."""
        return inference_label(self.bootstrap, self.cr2, self.cluster_codes)

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
        terms = [
            f"ATT({number_label(g)},{number_label(t)})"
            for g, t in zip(self.groups, self.times, strict=True)
        ]
        extra = {
            "group": self.groups,
            "time": self.times,
            "event_time": self.event_times,
        }
        return tidy_frame(
            terms,
            self.estimate,
            self.std_error,
            confidence_level=1.0 - self.alpha,
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
        if self.pretrend_stat is not None:
            notes.append(
                f"Pre-trend Wald test (all {self.pretrend_df} pre-treatment ATT(g,t) = 0): "
                f"chi2 = {self.pretrend_stat:.3f}, p = {fmt_num(self.pretrend_p_value)}."
            )
        if self.small_cells:
            notes.append(f"{len(self.small_cells)} cell(s) have few treated or comparison units.")
        if self.failed_cells:
            notes.append(
                f"{len(self.failed_cells)} cell(s) could not be estimated (see failed_table())."
            )
        return notes

    def failed_table(self) -> pd.DataFrame:
        """Cells that could not be estimated: ``group, time, reason`` (empty when none)."""
        return pd.DataFrame(list(self.failed_cells), columns=["group", "time", "reason"])

    def summary(self) -> str:
        """A readable text summary of all cells and the pre-trend test."""
        table = self.tidy().drop(columns=["term", "event_time"])
        head = "Group-time average treatment effects (Callaway & Sant'Anna)"
        return "\n".join([head, "", text_table(table), "", *self._notes()])

    def _repr_html_(self) -> str:
        from improve.report.display import html_table

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
            f"ATTGTResult(outcome={self.outcome!r}, cells={self.estimate.size}, "
            f"n_units={self.n_units}, est_method={self.est_method!r}, "
            f"control_group={self.control_group!r})"
        )


def inference_label(bootstrap_se: bool, cr2: CR2Terms | None, clusters: object) -> str:
    """Short label of the inference behind standard errors (a result's ``vcov_type``).

    "bootstrap" (multiplier-bootstrap standard errors), "CR2" (bias-reduced cluster sums),
    "cluster-robust" (cluster sums) or "analytic" (unit-level influence functions).
    """
    if bootstrap_se:
        return "bootstrap"
    if cr2 is not None:
        return "CR2"
    return "analytic" if clusters is None else "cluster-robust"


_METHOD_LABEL = {"dr": "doubly robust", "ipw": "inverse probability weighting", "reg": "regression"}
_CONTROL_LABEL = {"nevertreated": "never treated", "notyettreated": "not yet treated"}


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
    data : pandas.DataFrame, Panel, DuckDB relation or Spark DataFrame
        Long data, one row per unit and period (per observation for repeated
        cross-sections). A DuckDB relation or Spark DataFrame stays in its engine: the
        cells are estimated from aggregates computed there (no covariates or weights;
        see ``docs/ENGINES.md``) and the result is the same as in memory. A Panel-like
        object with ``.data`` (DataFrame) and ``.spec`` (``unit``, ``time``, ``cohort``,
        ``outcomes``, ``covariates``, ``cluster``, ``weights``) fills every column name
        not passed explicitly; ``outcome`` then defaults to the first outcome and
        ``covariates`` to the spec's covariates (pass ``covariates=[]`` for none).
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
        estimate); the multiplier bootstrap draws on the corrected sums. The coverage of
        corrected and uncorrected intervals with one large district among many small ones
        is measured in ``benchmarks/montecarlo_results``. "none": plain sums and normal
        critical values (R ``did`` and csdid semantics).
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
        raise SpecError(f"cluster_correction must be 'CR2' or 'none', got {cluster_correction!r}")
    if engine_of(data) is not None:  # a DuckDB relation or Spark DataFrame: estimate there
        from improve.engines.attgt_result import att_gt_in_engine

        return att_gt_in_engine(
            data,
            outcome,
            unit=unit,
            time=time,
            cohort=cohort,
            covariates=covariates,
            control_group=control_group,
            est_method=est_method,
            base_period=base_period,
            anticipation=anticipation,
            weights=weights,
            cluster=cluster,
            panel=panel,
            allow_unbalanced_panel=allow_unbalanced_panel,
            bootstrap=bootstrap,
            n_boot=n_boot,
            alpha=alpha,
            seed=seed,
            cluster_correction=cluster_correction,
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
    prep = prepare(df, names, control_group, anticipation, panel, allow_unbalanced_panel)
    cells = estimate_cells(prep, control_group, est_method, base_period, anticipation)
    return result_from_cells(
        prep,
        cells,
        outcome=names.outcome,
        covariates=tuple(names.covariates),
        weights=names.weights,
        est_method=est_method,
        control_group=control_group,
        base_period=base_period,
        anticipation=anticipation,
        cluster_correction=cluster_correction,
        bootstrap=bootstrap,
        n_boot=n_boot,
        alpha=alpha,
        seed=seed,
    )


def result_from_cells(
    prep: Prepared,
    cells: Cells,
    *,
    outcome: str,
    covariates: tuple[str, ...],
    weights: str | None,
    est_method: str,
    control_group: str,
    base_period: str,
    anticipation: int,
    cluster_correction: str,
    bootstrap: bool,
    n_boot: int,
    alpha: float,
    seed: int | None,
) -> ATTGTResult:
    """Inference, pre-test and the :class:`ATTGTResult` of estimated cells.

    Shared by the in-memory path and the engines (:mod:`improve.engines`), which build
    ``prep`` (unit-level arrays only) and ``cells`` from aggregates computed in a database.
    """
    inference = _cell_inference(prep, cells, cluster_correction, bootstrap, n_boot, alpha, seed)
    att, se, vcov, cr2 = cells.att, inference.se, inference.vcov, inference.cr2

    wald, wald_p, wald_df = _pretest(cells.groups, cells.times, att, vcov, inference.zero_na)

    return ATTGTResult(
        groups=cells.groups,
        times=cells.times,
        estimate=att,
        std_error=se,
        inf_func=cells.inf,
        vcov=vcov,
        crit_val=float(inference.crit),
        uniform=inference.uniform,
        post=cells.groups <= cells.times,
        n_treated=cells.n_treated,
        n_control=cells.n_control,
        small_cells=cells.small,
        failed_cells=cells.failed,
        pretrend_stat=wald,
        pretrend_p_value=wald_p,
        pretrend_df=wald_df,
        n_units=prep.n,
        n_clusters=prep.n_clusters,
        unit_cohort=prep.unit_cohort,
        unit_weight=prep.unit_weight,
        cluster_codes=prep.cluster_codes,
        alpha=float(alpha),
        outcome=outcome,
        est_method=est_method,
        control_group=control_group,
        base_period=base_period,
        anticipation=int(anticipation),
        panel=prep.panel,
        unbalanced=prep.unbalanced,
        covariates=tuple(covariates),
        weights=weights,
        cluster=prep.cluster_name,
        bootstrap=bool(bootstrap),
        n_boot=int(n_boot),
        seed=seed,
        time_periods=prep.tlist,
        cohorts=prep.glist,
        cluster_correction="none" if cr2 is None else "CR2",
        cr2=cr2,
        df=inference.df,
    )


@dataclass(frozen=True)
class _CellInference:
    """Standard errors, covariance and critical value of the ATT(g,t) cells."""

    se: FloatArray
    vcov: FloatArray
    crit: float
    uniform: bool
    zero_na: NDArray[np.bool_]  # standard error missing or zero before the bootstrap
    cr2: CR2Terms | None
    df: FloatArray


def _cell_inference(
    prep: Prepared,
    cells: Cells,
    cluster_correction: str,
    bootstrap: bool,
    n_boot: int,
    alpha: float,
    seed: int | None,
) -> _CellInference:
    """Analytic (optionally CR2-corrected) covariance of the cells; with ``bootstrap`` the
    multiplier-bootstrap standard errors and sup-t critical value."""
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
        sums = (  # computed once; CR2 formed them in its pass over the units
            cr2.sums
            if cr2 is not None and cr2.sums is not None
            else corrected_sums(inf, prep.cluster_codes, correction)
        )
        se = se_from_sums(sums, n)
        vcov = vcov_from_sums(sums, n)
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
                warn_at_caller(
                    f"the simultaneous critical value ({crit:.2f}) is very large; groups may "
                    "be too small or outcomes too little varied for a reliable uniform band",
                )
    se = np.where(np.isfinite(se) & (se > ZERO_SE), se, np.nan)
    return _CellInference(se, vcov, float(crit), uniform, zero_na, cr2, df)


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


# ----------------------------------------------------------------------------- pretest


def _pretest(
    groups: FloatArray,
    times: FloatArray,
    att: FloatArray,
    vcov: FloatArray,
    zero_na: NDArray[np.bool_],
) -> tuple[float | None, float | None, int]:
    """R's Wald pre-test that all pre-treatment ATT(g,t) are zero."""
    from scipy import stats  # here, not at module level: slow to import

    pre = np.flatnonzero((groups > times) & ~zero_na & np.isfinite(att))
    if pre.size == 0:
        return None, None, 0
    pv = vcov[np.ix_(pre, pre)]
    if not np.all(np.isfinite(pv)) or est.rcond(pv) <= np.finfo(float).eps:
        warn_at_caller(
            "the pre-trend Wald test is not reported: the covariance matrix of the "
            "pre-treatment ATT(g,t) is singular",
        )
        return None, None, int(pre.size)
    a = att[pre]
    w = float(a @ np.linalg.solve(pv, a))
    return w, float(stats.chi2.sf(w, pre.size)), int(pre.size)
