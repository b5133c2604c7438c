"""Aggregations of ATT(g,t) into summary parameters (R ``did::aggte``).

``simple`` (post-treatment cells weighted by cohort size), ``group`` (average effect per
cohort, then across cohorts), ``dynamic`` (event study by time since treatment) and
``calendar`` (by period). Influence functions include the term for the estimated cohort-size
weights (R's ``wif``), so standard errors match R ``aggte``.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from improve._deprecation import DeprecatedAttribute
from improve._maketables import MaketablesHooks
from improve.did._prepare import number_label
from improve.did.attgt import ATTGTResult, inference_label
from improve.errors import EstimationError, SpecError
from improve.inference import (
    ZERO_SE,
    CR2Terms,
    analytic_se,
    make_rng,
    multiplier_bootstrap,
    z_crit,
)
from improve.results import Result, fmt_num, text_table, tidy_frame

FloatArray = NDArray[np.float64]
AggType = Literal["simple", "group", "dynamic", "calendar"]

_LABEL = {"group": "group", "dynamic": "event_time", "calendar": "time"}
_TITLE = {
    "simple": "Overall ATT (simple weighted average of post-treatment ATT(g,t))",
    "group": "ATT by cohort (group)",
    "dynamic": "Event study (ATT by time since treatment)",
    "calendar": "ATT by calendar period",
}


@dataclass(frozen=True, eq=False)
class AggregateResult(MaketablesHooks, Result):
    """An aggregated treatment-effect parameter and its components.

    Attributes
    ----------
    type : str
        "simple", "group", "dynamic" or "calendar".
    estimate, std_error : float
        The overall summary parameter (for "dynamic", the average over event times >= 0;
        for "group", the cohort-size weighted average of cohort effects; for "calendar",
        the average over periods) and its standard error. ``overall_att`` and
        ``overall_se`` are their deprecated names.
    egt : ndarray
        Cohorts, event times or periods of the component estimates (empty for "simple").
    att_egt, se_egt : ndarray
        Component estimates and standard errors.
    crit_val_egt : float
        Critical value for the component band (sup-t from the bootstrap when
        ``uniform``, else ``z_{1-alpha/2}``).
    uniform : bool
        Whether ``crit_val_egt`` gives a simultaneous band.
    inf_func_overall : ndarray, shape (n_units,)
        Influence function of the overall parameter.
    inf_func_egt : ndarray, shape (n_units, len(egt))
        Influence functions of the components.
    df : float
        Degrees of freedom of the overall estimate's t critical value (``inf``: normal);
        ``df_overall`` is its deprecated name.
    df_egt : ndarray or None
        Degrees of freedom of the components (None: normal).
    cr2 : CR2Terms or None
        The CR2 terms of the cells aggregated (None without the correction).
    cell_weights_egt : ndarray, shape (n_cells, len(egt)), or None
        Weights of those cells in each component (with ``cr2``), e.g. for joint tests.
    vcov_type : str
        The inference behind the standard errors: "bootstrap" (multiplier-bootstrap standard
        errors), "CR2" (bias-reduced cluster sums with Satterthwaite df), "cluster-robust"
        (cluster sums of the influence functions), "analytic" (unit-level influence
        functions) or "jackknife" (leave-one-cluster-out, see
        :func:`improve.did.jackknife.with_jackknife_se`).
    conf_low, conf_high : float
        Pointwise interval of the overall estimate (the first row of :meth:`tidy`).
    """

    type: str
    estimate: float
    std_error: float
    egt: FloatArray
    att_egt: FloatArray
    se_egt: FloatArray
    crit_val_egt: float
    uniform: bool
    inf_func_overall: FloatArray
    inf_func_egt: FloatArray
    alpha: float
    n_units: int
    bootstrap: bool
    n_boot: int
    balance_e: int | None
    min_e: float
    max_e: float
    outcome: str
    df: float = math.inf
    df_egt: FloatArray | None = None
    cr2: CR2Terms | None = field(default=None, repr=False)
    cell_weights_egt: FloatArray | None = field(default=None, repr=False)
    vcov_type: str = "analytic"

    overall_att = DeprecatedAttribute("estimate")
    overall_se = DeprecatedAttribute("std_error")
    df_overall = DeprecatedAttribute("df")

    def _overall_row(self) -> pd.DataFrame:
        return tidy_frame(
            [f"ATT ({self.type})"],
            np.array([self.estimate]),
            np.array([self.std_error]),
            confidence_level=1.0 - self.alpha,
            uniform_crit=np.nan if self.uniform and self.type != "simple" else None,
            df=self.df,
        )

    @property
    def conf_low(self) -> float:
        """Lower end of the overall estimate's pointwise interval."""
        return float(self._overall_row()["conf_low"].iloc[0])

    @property
    def conf_high(self) -> float:
        """Upper end of the overall estimate's pointwise interval."""
        return float(self._overall_row()["conf_high"].iloc[0])

    def tidy(self) -> pd.DataFrame:
        """Overall estimate first, then one row per cohort / event time / period."""
        overall = self._overall_row()
        if self.type == "simple":
            return overall
        col = _LABEL[self.type]
        if self.type == "dynamic":
            terms = [f"e={number_label(e)}" for e in self.egt]
        elif self.type == "group":
            terms = [f"cohort {number_label(g)}" for g in self.egt]
        else:
            terms = [f"period {number_label(t)}" for t in self.egt]
        parts = tidy_frame(
            terms,
            self.att_egt,
            self.se_egt,
            confidence_level=1.0 - self.alpha,
            extra={col: self.egt},
            uniform_crit=self.crit_val_egt if self.uniform else None,
            df=self.df_egt,
        )
        overall.insert(1, col, np.nan)
        return pd.concat([overall, parts], ignore_index=True)

    def _notes(self) -> list[str]:
        notes = [
            f"Outcome: {self.outcome}. Overall ATT {fmt_num(self.estimate)} "
            f"(SE {fmt_num(self.std_error)})."
        ]
        if self.uniform:
            notes.append(
                f"Uniform {100 * (1 - self.alpha):.0f}% band from {self.n_boot} bootstrap draws: "
                f"critical value {self.crit_val_egt:.3f}."
            )
        if self.balance_e is not None:
            notes.append(f"Balanced in event time up to e = {self.balance_e}.")
        return notes

    def summary(self) -> str:
        """A readable text summary."""
        return "\n".join([_TITLE[self.type], "", text_table(self.tidy()), "", *self._notes()])

    def _repr_html_(self) -> str:
        from improve.report.display import html_table

        df = self.tidy()
        keep = [c for c in df.columns if c not in ("statistic", "p_value")]
        return html_table(_TITLE[self.type], df[keep], self._notes())

    def plot(self, outcome_label: str | None = None, title: str | None = None) -> Any:
        """Event-study plot (dynamic) or coefficient plot (group, calendar) with both bands.

        The reference period of a universal-base-period event study (estimate and standard
        error exactly zero) is drawn as an open marker; with a varying base period each
        pre-period estimate compares a period with the one before it, so there is none.
        """
        from improve.report import did_figures

        frame = self.tidy().iloc[1:]
        label = outcome_label or f"Effect on {self.outcome}"
        level = 1 - self.alpha
        if self.type == "dynamic":
            ref = frame[(frame["estimate"] == 0) & (frame["std_error"].fillna(0) == 0)]
            reference = float(ref["event_time"].iloc[0]) if len(ref) else None
            shown = frame.drop(ref.index)
            return did_figures.plot_event_study(
                shown, outcome_label=label, reference_period=reference, title=title, level=level
            )
        if self.type == "simple":
            raise ValueError("a simple aggregation is one number; plot a dynamic or group one")
        return did_figures.plot_estimates(
            frame,
            x=_LABEL[self.type],
            outcome_label=label,
            title=title,
            level=level,
            overall=(self.estimate, self.std_error),
        )

    def __repr__(self) -> str:
        return (
            f"AggregateResult(type={self.type!r}, estimate={self.estimate:.6g}, "
            f"std_error={self.std_error:.6g}, components={self.egt.size})"
        )

    # -- maketables: influence-function (or bootstrap) inference, no fixed effects --------
    maketables_stat_keys = ("n_units", "se_type")

    def _maketables_vcov(self) -> dict[str, Any]:
        return {"vcov_type": self._se_label(), "clustervar": None}

    def _maketables_stats(self) -> dict[str, Any]:
        return {"n_units": self.n_units, "se_type": self._se_label()}

    def _se_label(self) -> str:
        return "multiplier bootstrap" if self.bootstrap else "influence function"


def _wif_terms(
    sets: list[NDArray[np.intp]],
    pg: FloatArray,
    att: FloatArray,
    group: FloatArray,
    cohorts: FloatArray,
    unit_code: NDArray[np.intp],
    weights_ind: FloatArray,
) -> FloatArray:
    """Weight-estimation terms of several aggregations at once, shape (n, len(sets)).

    For the cells ``K`` of one aggregation (values ``att[K]``, cohort shares ``pg[K]``,
    ``s = sum(pg[K])``, ``m = pg[K] @ att[K]``), R's ``wif %*% att[K]`` equals
    ``w_i (V_c - N_c m / s) / s`` for a unit of cohort ``c``, with ``V_c`` the sum of
    ``att[K]`` and ``N_c`` the number of cells of ``K`` that belong to cohort ``c`` (the
    constant terms of ``wif`` cancel). ``unit_code`` indexes ``cohorts``; ``cohorts.size``
    marks units of no listed cohort (term 0).
    """
    n_c = cohorts.size
    coef = np.zeros((n_c + 1, len(sets)))
    for e, keep in enumerate(sets):
        pk = pg[keep]
        s = pk.sum()
        v = att[keep]
        m = float(pk @ v)
        code = np.searchsorted(cohorts, group[keep])
        vbc = np.bincount(code, weights=v, minlength=n_c)
        kbc = np.bincount(code, minlength=n_c)
        coef[:n_c, e] = (vbc - kbc * (m / s)) / s
    out = coef[unit_code]
    out *= weights_ind[:, None]
    return out


def _mean_cols(m: FloatArray, cols: NDArray[np.intp]) -> FloatArray:
    """``m[:, cols] @ full(len(cols), 1 / len(cols))`` by in-place column sums (no copy)."""
    w = 1.0 / cols.size
    out = m[:, cols[0]] * w
    for j in cols[1:]:
        out += m[:, j] * w
    return out


def _cell_weights(k: int, sets: list[NDArray[np.intp]], weights: list[FloatArray]) -> FloatArray:
    """Weights of the ``k`` cells in each aggregated estimate, shape (k, len(sets))."""
    out = np.zeros((k, len(sets)))
    for e, (keep, w) in enumerate(zip(sets, weights, strict=True)):
        out[keep, e] = w
    return out


def _agg_cols(
    att: FloatArray,
    inf: FloatArray,
    sets: list[NDArray[np.intp]],
    weights: list[FloatArray],
    wif: tuple[FloatArray, FloatArray, FloatArray, NDArray[np.intp], FloatArray] | None,
) -> FloatArray:
    """Influence functions of ``sum(w_e * att[K_e])`` for several cell sets ``K_e``, plus
    the weight-estimation terms; shape (n, len(sets)).

    The sets of one aggregation are disjoint, so each column of ``inf`` is read once and
    added in place (no copies of the selected columns, no matrix product: multithreaded
    BLAS gains nothing on these passes over memory and stalls when the cores are shared).
    ``wif`` holds ``(pg, group, cohorts, unit_code, weights_ind)`` for :func:`_wif_terms`.
    """
    out = np.zeros((inf.shape[0], len(sets)), order="F")
    tmp = np.empty(inf.shape[0])
    for e, (keep, w) in enumerate(zip(sets, weights, strict=True)):
        col = out[:, e]
        for j, wj in zip(keep, w, strict=True):
            np.multiply(inf[:, j], wj, out=tmp)
            col += tmp
    if wif is not None:
        pg, group, cohorts, unit_code, w_ind = wif
        out += _wif_terms(sets, pg, att, group, cohorts, unit_code, w_ind)
    return out


def aggregate(
    result: ATTGTResult,
    type: AggType = "simple",
    *,
    balance_e: int | None = None,
    min_e: float = -math.inf,
    max_e: float = math.inf,
    na_rm: bool = False,
    bootstrap: bool | None = None,
    n_boot: int | None = None,
    alpha: float | None = None,
    seed: int | None = None,
    bootstrap_se: bool = True,
) -> AggregateResult:
    """Aggregate ATT(g,t) into an overall ATT, cohort, event-study or calendar effects.

    Reproduces R ``did::aggte`` including the influence-function term for the estimated
    weights. Cells are weighted by cohort shares ``P(G = g)`` (weighted by the sampling
    weights).

    Parameters
    ----------
    result : ATTGTResult
        Output of :func:`improve.did.att_gt`.
    type : {"simple", "group", "dynamic", "calendar"}
        Which aggregation.
    balance_e : int, optional
        Dynamic only: keep cohorts observed for at least ``balance_e`` periods after
        treatment, so every event time averages the same cohorts.
    min_e, max_e : float
        Dynamic: event-time window. ``max_e`` also limits the post-treatment cells used by
        "simple" and "group" (as R).
    na_rm : bool
        Drop ATT(g,t) cells that could not be estimated (NaN). Otherwise NaN cells raise.
    bootstrap : bool, optional
        Multiplier bootstrap for standard errors and the uniform band; defaults to the
        setting of ``result``.
    n_boot : int, optional
        Bootstrap draws; defaults to ``result.n_boot``.
    alpha : float, optional
        Significance level; defaults to ``result.alpha``.
    seed : int, optional
        Bootstrap seed; defaults to ``result.seed``. One set of multiplier draws is shared
        by all estimates of the aggregation (R draws anew for each; same distribution).
    bootstrap_se : bool
        With the bootstrap: report its (IQR-based) standard errors, as R (True), or keep
        the analytic ones and use the bootstrap only for the uniform band's critical value
        (False; deterministic standard errors that do not depend on the seed).

    Returns
    -------
    AggregateResult
    """
    if type not in ("simple", "group", "dynamic", "calendar"):
        raise SpecError(f"type must be 'simple', 'group', 'dynamic' or 'calendar', got {type!r}")
    boot = result.bootstrap if bootstrap is None else bool(bootstrap)
    n_boot = result.n_boot if n_boot is None else int(n_boot)
    alpha = result.alpha if alpha is None else float(alpha)
    seed = result.seed if seed is None else seed

    cells = _cell_set(result, type, na_rm, max_e)
    if type == "simple":
        comb = _simple(cells)
    elif type == "group":
        comb = _by_group(cells, max_e)
    elif type == "dynamic":
        comb = _dynamic(cells, balance_e, min_e, max_e)
    else:
        comb = _calendar(cells)
    inference = _aggregate_inference(
        comb,
        cells.cr2,
        result.n_units,
        result.cluster_codes,
        boot,
        n_boot,
        alpha,
        seed,
        bootstrap_se,
    )
    overall = comb.overall
    return AggregateResult(
        type=type,
        estimate=float(overall) if np.isfinite(overall) else np.nan,
        std_error=inference.se_o,
        egt=comb.egt,
        att_egt=comb.att_e,
        se_egt=inference.se_e,
        crit_val_egt=float(inference.crit),
        uniform=inference.uniform,
        inf_func_overall=np.asarray(comb.inf_o, dtype=float),
        inf_func_egt=comb.inf_e,
        alpha=alpha,
        n_units=result.n_units,
        bootstrap=boot,
        n_boot=n_boot,
        balance_e=balance_e,
        min_e=float(min_e),
        max_e=float(max_e),
        outcome=result.outcome,
        df=inference.df_o,
        df_egt=inference.df_e,
        cr2=cells.cr2,
        cell_weights_egt=None if cells.cr2 is None else comb.w_e,
        vcov_type=inference_label(boot and bootstrap_se, cells.cr2, result.cluster_codes),
    )


@dataclass(frozen=True)
class _CellSet:
    """The ATT(g,t) cells to aggregate and the cohort shares that weight them."""

    group: FloatArray
    t: FloatArray
    att: FloatArray
    inf: FloatArray
    cr2: CR2Terms | None
    glist: FloatArray
    uniq_t: FloatArray
    gt_list: FloatArray  # periods and cohorts, R's 1..T recoding
    t_idx: FloatArray
    g_idx: FloatArray
    ucode: NDArray[np.intp]  # cohort of each unit as an index into glist
    w_ind: FloatArray
    pgg: FloatArray  # cohort shares P(G = g) of glist
    pg: FloatArray  # cohort share of each cell
    keepers: NDArray[np.intp]  # post-treatment cells up to max_e
    n: int

    @property
    def wif(self) -> tuple[FloatArray, FloatArray, FloatArray, NDArray[np.intp], FloatArray]:
        """Arguments of the weight-estimation terms (:func:`_wif_terms`)."""
        return (self.pg, self.group, self.glist, self.ucode, self.w_ind)


def _cell_set(result: ATTGTResult, type: str, na_rm: bool, max_e: float) -> _CellSet:
    """Cells of ``result`` to aggregate (without NaN cells when ``na_rm``) and their weights."""
    group = result.groups.copy()
    t = result.times.copy()
    att = result.estimate.copy()
    inf = result.inf_func
    cr2 = result.cr2
    glist = np.unique(group)
    if na_rm:
        notna = np.isfinite(att)
        group, t, att, inf = group[notna], t[notna], att[notna], inf[:, notna]
        cr2 = None if cr2 is None else cr2.subset(notna)
        glist = np.unique(group)
        if type == "group":
            good = [
                g
                for g in glist
                if np.all(np.isfinite(att[(group == g) & (g <= t)]))
                and np.any((group == g) & (g <= t))
            ]
            keep = np.isin(group, good)
            group, t, att, inf = group[keep], t[keep], att[keep], inf[:, keep]
            cr2 = None if cr2 is None else cr2.subset(keep)
            glist = np.unique(group)
    elif np.any(~np.isfinite(att)):
        raise EstimationError(
            "some ATT(g,t) are missing (cells that could not be estimated); pass "
            "na_rm=True to aggregate the remaining cells"
        )
    if att.size == 0:
        raise EstimationError("no ATT(g,t) cells left to aggregate")

    n = result.n_units
    w_ind = result.unit_weight
    unit_g = result.unit_cohort
    # R recodes periods to 1..T for the max_e comparisons, over the union of the time
    # periods and the cohorts ("in case g's are not part of tlist"): a cohort first treated
    # in a gap year such as 2020 keeps its place between 2019 and 2021.
    uniq_t = np.unique(t)
    gt_list = np.union1d(uniq_t, np.unique(group))
    pos = {float(v): i + 1 for i, v in enumerate(gt_list)}
    t_idx = np.array([pos[float(v)] for v in t], dtype=float)
    g_idx = np.array([pos[float(v)] for v in group], dtype=float)
    # cohort of each unit as an index into glist (glist.size: not a listed cohort)
    upos = np.clip(np.searchsorted(glist, unit_g), 0, glist.size - 1)
    ucode = np.where(glist[upos] == unit_g, upos, glist.size)
    # cohort shares P(G = g) (weighted)
    pgg = np.bincount(ucode, weights=w_ind, minlength=glist.size + 1)[: glist.size] / n
    pg = pgg[np.searchsorted(glist, group)]
    with np.errstate(invalid="ignore"):
        keepers = np.flatnonzero((g_idx <= t_idx) & (t_idx <= g_idx + max_e))
    return _CellSet(
        group,
        t,
        att,
        inf,
        cr2,
        glist,
        uniq_t,
        gt_list,
        t_idx,
        g_idx,
        ucode,
        w_ind,
        pgg,
        pg,
        keepers,
        n,
    )


@dataclass(frozen=True)
class _Combination:
    """Aggregated estimates, their influence functions and cell weights."""

    overall: float
    inf_o: FloatArray
    w_o: FloatArray  # (k,) weights of the cells in the overall estimate
    egt: FloatArray = field(default_factory=lambda: np.array([], dtype=float))
    att_e: FloatArray = field(default_factory=lambda: np.array([], dtype=float))
    inf_e: FloatArray | None = None  # (n, components); None: no components
    w_e: FloatArray | None = None  # (k, components)

    def __post_init__(self) -> None:
        if self.inf_e is None:
            object.__setattr__(self, "inf_e", np.zeros((self.inf_o.shape[0], 0)))
        if self.w_e is None:
            object.__setattr__(self, "w_e", np.zeros((self.w_o.shape[0], 0)))


def _simple(c: _CellSet) -> _Combination:
    """Post-treatment cells weighted by cohort size."""
    keepers, pg = c.keepers, c.pg
    overall = float(np.sum(c.att[keepers] * pg[keepers]) / np.sum(pg[keepers]))
    w_simple = [pg[keepers] / pg[keepers].sum()]
    inf_o = _agg_cols(c.att, c.inf, [keepers], w_simple, c.wif)[:, 0]
    w_o = _cell_weights(c.att.size, [keepers], w_simple)[:, 0]
    return _Combination(overall, inf_o, w_o)


def _by_group(c: _CellSet, max_e: float) -> _Combination:
    """Average effect per cohort, then across cohorts by cohort size."""
    glist, group, pg, pgg = c.glist, c.group, c.pg, c.pgg
    egt = glist.astype(float)
    sets = []
    vals = []
    for g in glist:
        with np.errstate(invalid="ignore"):
            wg = np.flatnonzero((group == g) & (c.g_idx <= c.t_idx) & (c.t_idx <= c.g_idx + max_e))
        vals.append(c.att[wg].mean() if wg.size else np.nan)
        sets.append(wg)
    att_e = np.array(vals)
    with np.errstate(invalid="ignore", divide="ignore"):
        w_sets = [pg[wg] / pg[wg].sum() for wg in sets]
        inf_e = _agg_cols(c.att, c.inf, sets, w_sets, None)
        w_e = _cell_weights(c.att.size, sets, w_sets)
    overall = float(np.sum(att_e * pgg) / np.sum(pgg))
    wif_g = (pgg, glist, glist, c.ucode, c.w_ind)
    all_g = [np.arange(glist.size)]
    inf_o = _agg_cols(att_e, inf_e, all_g, [pgg / pgg.sum()], wif_g)[:, 0]
    w_o = w_e @ (pgg / pgg.sum())
    return _Combination(overall, inf_o, w_o, egt, att_e, inf_e, w_e)


def _dynamic(c: _CellSet, balance_e: int | None, min_e: float, max_e: float) -> _Combination:
    """Event study: cells by time since treatment, weighted by cohort size."""
    att, group, t, pg = c.att, c.group, c.t, c.pg
    ev = t - group
    eseq = np.unique(ev)
    include = np.ones(att.size, dtype=bool)
    if balance_e is not None:
        t_max = float(np.max(t))
        t_first = float(c.uniq_t[0])
        eseq = eseq[(eseq <= balance_e) & (eseq >= balance_e - t_max + t_first)]
        include = (t_max - group) >= balance_e
    eseq = eseq[(eseq >= min_e) & (eseq <= max_e)]
    if eseq.size == 0:
        raise EstimationError("no event times left in the requested window")
    egt = eseq.astype(float)
    sets = [np.flatnonzero((ev == e) & include) for e in eseq]
    weights = [pg[we] / pg[we].sum() for we in sets]
    att_e = np.array([float(att[we] @ pw) for we, pw in zip(sets, weights, strict=True)])
    inf_e = _agg_cols(att, c.inf, sets, weights, c.wif)
    w_e = _cell_weights(att.size, sets, weights)
    epos = np.flatnonzero(eseq >= 0)
    overall = float(np.mean(att_e[epos])) if epos.size else np.nan
    inf_o = _mean_cols(inf_e, epos) if epos.size else np.zeros(c.n)
    w_o = w_e[:, epos].mean(axis=1) if epos.size else np.zeros(att.size)
    return _Combination(overall, inf_o, w_o, egt, att_e, inf_e, w_e)


def _calendar(c: _CellSet) -> _Combination:
    """Effects by calendar period, then their mean."""
    att, g_idx, t_idx, pg = c.att, c.g_idx, c.t_idx, c.pg
    min_g = np.min(g_idx)
    t_list = np.unique(t_idx)
    cal = t_list[t_list >= min_g]
    egt = np.array([c.gt_list[int(p) - 1] for p in cal], dtype=float)
    sets = [np.flatnonzero((t_idx == p) & (g_idx <= t_idx)) for p in cal]
    weights = [pg[wt] / pg[wt].sum() for wt in sets]
    att_e = np.array([float(pw @ att[wt]) for wt, pw in zip(sets, weights, strict=True)])
    inf_e = _agg_cols(att, c.inf, sets, weights, c.wif)
    w_e = _cell_weights(att.size, sets, weights)
    overall = float(np.mean(att_e))
    inf_o = _mean_cols(inf_e, np.arange(att_e.size))
    w_o = w_e.mean(axis=1)
    return _Combination(overall, inf_o, w_o, egt, att_e, inf_e, w_e)


@dataclass(frozen=True)
class _AggregateInference:
    se_o: float
    se_e: FloatArray
    crit: float
    uniform: bool
    df_o: float
    df_e: FloatArray | None


def _aggregate_inference(
    comb: _Combination,
    cr2: CR2Terms | None,
    n: int,
    cl: NDArray[np.intp] | None,
    boot: bool,
    n_boot: int,
    alpha: float,
    seed: int | None,
    bootstrap_se: bool,
) -> _AggregateInference:
    """Standard errors (CR2-corrected with Satterthwaite df when ``cr2``), and with ``boot``
    the multiplier bootstrap's standard errors and sup-t critical value of the components."""
    inf_o, inf_e, w_o, w_e = comb.inf_o, comb.inf_e, comb.w_o, comb.w_e
    assert inf_e is not None and w_e is not None
    # CR2: corrections of the cluster sums and Satterthwaite df, linear in the cell weights
    # (the weight-estimation term of the influence function is left uncorrected)
    corr_o = corr_e = None
    df_o, df_e = math.inf, None
    if cr2 is not None:
        corr_o = cr2.correction @ w_o[:, None]
        corr_e = cr2.correction @ w_e
        df_o = float(cr2.satterthwaite_df(w_o)[0])
        df_e = cr2.satterthwaite_df(w_e) if w_e.shape[1] else None
    se_o = float(analytic_se(inf_o, n, cl, corr_o)[0])
    se_e = analytic_se(inf_e, n, cl, corr_e) if inf_e.shape[1] else np.array([], dtype=float)
    crit = z_crit(alpha)
    uniform = False
    if boot:
        allif = np.column_stack([inf_o, inf_e])
        allcorr = None if corr_o is None else np.column_stack([corr_o, corr_e])
        alldf = None
        if cr2 is not None:
            alldf = np.concatenate([[df_o], np.zeros(0) if df_e is None else df_e])
        bres = multiplier_bootstrap(
            allif,
            n,
            cl,
            n_boot,
            alpha,
            make_rng(seed),
            band_cols=np.arange(1, allif.shape[1]),
            score_correction=allcorr,
            band_df=alldf,
            band_se=None if bootstrap_se else np.concatenate([[se_o], se_e]),
        )
        if bootstrap_se:
            se_o = float(bres.se[0])
            se_e = bres.se[1:]
        if inf_e.shape[1]:
            cv = bres.crit_val
            if np.isfinite(cv) and cv >= crit:
                crit = float(cv)
                uniform = True
            elif np.isfinite(cv):
                warnings.warn(
                    "the simultaneous critical value is below the pointwise one; reporting "
                    "pointwise intervals (as R)",
                    UserWarning,
                    stacklevel=3,
                )
    if not (np.isfinite(se_o) and se_o > ZERO_SE):
        se_o = np.nan
    se_e = np.where(np.isfinite(se_e) & (se_e > ZERO_SE), se_e, np.nan)
    return _AggregateInference(se_o, se_e, crit, uniform, df_o, df_e)
