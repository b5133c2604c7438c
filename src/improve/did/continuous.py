"""Difference-in-differences with a continuous or multi-valued dose (Callaway, Goodman-Bacon
& Sant'Anna 2024).

:func:`cont_did` estimates the dose-response curves ``ATT(d)`` (effect of dose ``d`` against
no treatment, among units that got ``d``) and ``ACRT(d)`` (its slope, the average causal
response), their averages over the treated doses ``ATT^o`` and ``ACRT^o``, and the binarized
``ATT^o`` and ``ACRT^o`` by event time, in staggered adoption. Option names follow R
``contdid::cont_did`` and moderndid ``cont_did``: ``degree`` and ``num_knots`` of the
B-spline (``num_knots=0``: a global polynomial, the "parametric" estimator), ``dvals``,
``control_group`` ("notyettreated" / "nevertreated"), ``base_period``, ``anticipation``,
``treatment_type`` ("continuous" / "discrete": one coefficient per dose level),
``biters``. Standard errors come from the influence functions (clustered when a cluster
column is given); uniform bands over the dose grid (and over event times) use the sup-t
critical value of a multiplier bootstrap (R ``did::mboot``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from improve.did._continuous_aggregate import (
    Aggregate,
    combine,
    event_study,
    event_weights,
    overall_weights,
)
from improve.did._continuous_basis import (
    DoseBasis,
    bspline_basis,
    default_grid,
    dose_levels,
    saturated_basis,
)
from improve.did._continuous_cells import CellFit, base_period, fit_cell, masks
from improve.did._continuous_prepare import DosePanel, prepare_dose_panel
from improve.errors import EstimationError, SpecError
from improve.inference.bias_reduced import cr2_terms
from improve.inference.cluster import analytic_se
from improve.inference.multiplier import make_rng, multiplier_bootstrap
from improve.results import Result, tidy_frame

FloatArray = NDArray[np.float64]

#: Fewest treated units at a dose level for the saturated ("discrete") estimator.
MIN_UNITS_PER_LEVEL = 5

PARAMETERS = ("ATT(d)", "ACRT(d)", "ATT^o", "ACRT^o", "ATT(e)", "ACRT(e)")


@dataclass(frozen=True)
class DoseResponseResult(Result):
    """Dose-response curves, overall averages and event-time effects of :func:`cont_did`.

    ``curves`` has one row per dose in ``dose``: ``att``, ``att_se``, ``acrt``, ``acrt_se``;
    ``event`` one row per event time: ``event_time``, ``att``, ``att_se``, ``acrt``,
    ``acrt_se``; ``cells`` one row per (cohort, period) cell. ``*_crit`` are sup-t critical
    values of the uniform bands (NaN without a bootstrap).
    """

    outcome: str
    dose_name: str
    curves: pd.DataFrame
    event: pd.DataFrame
    cells: pd.DataFrame
    overall_att: float
    overall_att_se: float
    overall_acrt: float
    overall_acrt_se: float
    att_d_crit: float
    acrt_d_crit: float
    event_att_crit: float
    event_acrt_crit: float
    n_units: int
    n_treated: int
    n_clusters: int | None
    options: dict[str, Any]
    confidence_level: float = 0.95
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: Bell-McCaffrey degrees of freedom of ATT^o with CR2 clusters (``inf``: normal);
    #: the curves and ACRT^o use the same, event times their own (``event["df"]``)
    overall_df: float = np.inf

    @property
    def dose(self) -> FloatArray:
        return self.curves["dose"].to_numpy(dtype=float)

    def tidy(self) -> pd.DataFrame:
        """One row per estimate with ``parameter``, ``dose``, ``event_time`` and uniform bands."""
        c, e = self.curves, self.event
        nd, ne = len(c), len(e)
        params = ["ATT(d)"] * nd + ["ACRT(d)"] * nd + ["ATT^o", "ACRT^o"]
        params += ["ATT(e)"] * ne + ["ACRT(e)"] * ne
        dose = np.concatenate([c["dose"], c["dose"], [np.nan] * (2 + 2 * ne)])
        etime = np.concatenate([[np.nan] * (2 * nd + 2), e["event_time"], e["event_time"]])
        est = np.concatenate(
            [c["att"], c["acrt"], [self.overall_att, self.overall_acrt], e["att"], e["acrt"]]
        )
        se = np.concatenate(
            [
                c["att_se"],
                c["acrt_se"],
                [self.overall_att_se, self.overall_acrt_se],
                e["att_se"],
                e["acrt_se"],
            ]
        )
        crit = np.concatenate(
            [
                [self.att_d_crit] * nd,
                [self.acrt_d_crit] * nd,
                [np.nan, np.nan],
                [self.event_att_crit] * ne,
                [self.event_acrt_crit] * ne,
            ]
        )
        df = np.concatenate([c["df"], c["df"], [self.overall_df] * 2, e["df"], e["df"]]).astype(
            float
        )
        terms = [_term(p, d, t) for p, d, t in zip(params, dose, etime, strict=True)]
        return tidy_frame(
            terms,
            est,
            se,
            confidence_level=self.confidence_level,
            extra={"parameter": params, "dose": dose, "event_time": etime, "df": df},
            uniform_crit=crit,
            df=df,
        )

    def _title(self) -> str:
        return f"Dose-response of {self.outcome} to {self.dose_name} (CGBS continuous DiD)"

    def _display_table(self) -> pd.DataFrame:
        tidy = self.tidy()
        overall = tidy[tidy["parameter"].isin(["ATT^o", "ACRT^o"])]
        return overall[["term", "estimate", "std_error", "conf_low", "conf_high", "p_value"]]

    def _notes(self) -> list[str]:
        o = self.options
        basis = (
            "one coefficient per dose level"
            if o["treatment_type"] == "discrete"
            else f"B-spline of degree {o['degree']} with {o['num_knots']} interior knot(s)"
        )
        return [
            f"{self.n_treated} treated and {self.n_units - self.n_treated} never-treated units; "
            f"comparison: {o['control_group']}; base period: {o['base_period']}; {basis}.",
            "ATT^o averages ATT(d) over the treated doses; ACRT^o averages the slope ACRT(d).",
            *self.notes,
        ]

    def plot(self, parameter: str = "ATT(d)", **kwargs: Any) -> Any:
        """Draw the dose-response curve (``"ATT(d)"`` or ``"ACRT(d)"``) with its bands."""
        from improve.report.dose_figures import plot_dose_response

        return plot_dose_response(
            self.tidy(),
            parameter=parameter,
            dose_label=self.dose_name,
            outcome_label=self.outcome,
            **kwargs,
        )


def _term(parameter: str, dose: float, event_time: float) -> str:
    if parameter.endswith("(d)"):
        return f"{parameter[:-3]}(d={dose:.6g})"
    if parameter.endswith("(e)"):
        return f"{parameter[:-3]}(e={event_time:.0f})"
    return parameter


def cont_did(
    data: Any,
    outcome: str | None = None,
    *,
    dose: str | None = None,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
    cluster: str | None = None,
    cluster_correction: Literal["CR2", "none"] = "CR2",
    treatment_type: Literal["continuous", "discrete"] = "continuous",
    degree: int = 3,
    num_knots: int = 0,
    dvals: Sequence[float] | None = None,
    control_group: Literal["notyettreated", "nevertreated"] = "notyettreated",
    base_period: Literal["varying", "universal"] = "varying",
    anticipation: int = 0,
    confidence_level: float = 0.95,
    biters: int = 1000,
    seed: int | np.random.Generator | None = None,
    min_units_per_level: int = MIN_UNITS_PER_LEVEL,
) -> DoseResponseResult:
    """Continuous-treatment DiD (CGBS 2024): ATT(d), ACRT(d), ATT^o, ACRT^o, event study.

    Parameters
    ----------
    data : Panel or DataFrame
        Balanced long panel; column names default to the column map's.
    outcome, dose, unit, time, cohort, cluster : str, optional
        Columns. ``cohort`` is the first treated period (0 or empty: never treated);
        ``dose`` the amount of treatment (default: the map's first ``doses`` entry). A
        treated unit's dose is its mean positive dose from its first treated period on.
    cluster_correction : {"CR2", "none"}
        With a cluster column, "CR2" (default) applies the bias-reduced (Bell-McCaffrey)
        adjustment to each cell's cluster sums, as ``att_gt`` does; "none": plain sums.
    treatment_type : {"continuous", "discrete"}
        "continuous": B-spline in the dose; "discrete": one coefficient per dose level
        (ACRT is then the backward difference between adjacent levels, from dose 0).
    degree, num_knots : int
        B-spline degree and number of interior knots (quantiles of the treated doses);
        ``num_knots=0`` gives a polynomial of that degree.
    dvals : sequence of float, optional
        Doses at which to report the curves (default: treated-dose quantiles 0.10..0.99,
        or the levels for a discrete dose).
    control_group : {"notyettreated", "nevertreated"}
    base_period : {"varying", "universal"}
    anticipation : int
        Periods before the first treated period in which effects may already appear.
    confidence_level : float
        Coverage of pointwise intervals and uniform bands.
    biters : int
        Multiplier-bootstrap draws for the uniform bands (0: no bands).
    seed : int or Generator, optional
        Seed of the bootstrap.
    min_units_per_level : int
        Fewest treated units per dose level with ``treatment_type="discrete"``.

    Returns
    -------
    DoseResponseResult
    """
    _check_options(
        treatment_type,
        degree,
        num_knots,
        control_group,
        base_period,
        anticipation,
        confidence_level,
        biters,
    )
    panel = prepare_dose_panel(
        data,
        "cont_did",
        outcome=outcome,
        dose=dose,
        unit=unit,
        time=time,
        cohort=cohort,
        cluster=cluster,
    )
    basis = _basis(panel, treatment_type, degree, num_knots, min_units_per_level)
    grid = _grid(panel, basis, dvals)
    if cluster_correction not in ("CR2", "none"):
        raise SpecError(
            f"cont_did: cluster_correction must be 'CR2' or 'none', got {cluster_correction!r}"
        )
    cr2 = panel.cluster_codes if cluster_correction == "CR2" else None
    cells, skipped = _fit_cells(panel, basis, grid, control_group, base_period, anticipation, cr2)
    return _assemble(
        panel,
        cells,
        skipped,
        grid,
        confidence_level,
        biters,
        seed,
        {
            "cluster_correction": "none" if cr2 is None else "CR2",
            "treatment_type": treatment_type,
            "degree": degree,
            "num_knots": num_knots,
            "control_group": control_group,
            "base_period": base_period,
            "anticipation": anticipation,
            "biters": biters,
        },
    )


def _check_options(
    treatment_type: str,
    degree: int,
    num_knots: int,
    control_group: str,
    base_period: str,
    anticipation: int,
    confidence_level: float,
    biters: int,
) -> None:
    checks = [
        (
            treatment_type in ("continuous", "discrete"),
            f"treatment_type must be 'continuous' or 'discrete', got {treatment_type!r}",
        ),
        (
            isinstance(degree, int) and degree >= 1,
            f"degree must be an integer >= 1, got {degree!r}",
        ),
        (
            isinstance(num_knots, int) and num_knots >= 0,
            f"num_knots must be an integer >= 0, got {num_knots!r}",
        ),
        (
            control_group in ("notyettreated", "nevertreated"),
            f"control_group must be 'notyettreated' or 'nevertreated', got {control_group!r}",
        ),
        (
            base_period in ("varying", "universal"),
            f"base_period must be 'varying' or 'universal', got {base_period!r}",
        ),
        (
            isinstance(anticipation, int) and anticipation >= 0,
            f"anticipation must be an integer >= 0, got {anticipation!r}",
        ),
        (
            0.0 < confidence_level < 1.0,
            f"confidence_level must be between 0 and 1 (e.g. 0.95), got {confidence_level!r}",
        ),
        (
            isinstance(biters, int) and biters >= 0,
            f"biters must be an integer >= 0, got {biters!r}",
        ),
    ]
    for ok, message in checks:
        if not ok:
            raise SpecError(f"cont_did: {message}")


def _basis(
    panel: DosePanel, treatment_type: str, degree: int, num_knots: int, min_units: int
) -> DoseBasis:
    doses = panel.treated_doses
    levels = dose_levels(doses)
    if treatment_type == "discrete":
        counts = [(lv, int(np.sum(np.abs(doses - lv) <= 1e-9))) for lv in levels]
        thin = [f"{lv:g} ({k} unit{'s' if k != 1 else ''})" for lv, k in counts if k < min_units]
        if thin:
            raise EstimationError(
                f"cont_did: dose level(s) {', '.join(thin)} of {panel.dose_name!r} have fewer "
                f"than {min_units} treated units; merge them with a neighbouring level or use "
                "treatment_type='continuous'"
            )
        return saturated_basis(doses)
    if len(levels) <= degree + num_knots:
        raise EstimationError(
            f"cont_did: {panel.dose_name!r} takes only {len(levels)} distinct value(s) among "
            f"treated units, too few for a degree-{degree} spline with {num_knots} knot(s); "
            "lower degree, or use treatment_type='discrete' for a multi-valued dose"
        )
    return bspline_basis(doses, degree, num_knots)


def _grid(panel: DosePanel, basis: DoseBasis, dvals: Sequence[float] | None) -> FloatArray:
    if dvals is None:
        return (
            basis.knots.copy() if basis.kind == "saturated" else default_grid(panel.treated_doses)
        )
    grid = np.asarray(dvals, dtype=float).ravel()
    if grid.size == 0 or not np.all(np.isfinite(grid)):
        raise SpecError("cont_did: dvals must be a non-empty list of finite doses")
    if basis.kind == "saturated" and np.any(np.isnan(basis.derivative(grid))):
        raise SpecError(
            f"cont_did: with treatment_type='discrete', dvals must be observed dose levels "
            f"{basis.knots.tolist()}"
        )
    return grid


def _fit_cells(
    panel: DosePanel,
    basis: DoseBasis,
    grid: FloatArray,
    control_group: str,
    kind: str,
    anticipation: int,
    cr2_codes: NDArray[np.intp] | None = None,
) -> tuple[list[CellFit], list[str]]:
    cells: list[CellFit] = []
    skipped: list[str] = []
    for g in np.unique(panel.cohort[panel.cohort > 0]):
        for t in panel.periods:
            b = base_period(g, t, panel.periods, anticipation, kind)
            label = f"cohort {g:.0f} in {t:.0f}"
            if not np.isfinite(b):
                if t >= g - anticipation:
                    skipped.append(f"{label}: no period observed before treatment to compare with")
                continue
            if b == t:
                continue
            treated, control = masks(panel, g, t, b, control_group, anticipation)
            if control.sum() < 1:
                skipped.append(f"{label}: no untreated comparison units")
            elif treated.sum() <= basis.size:
                skipped.append(
                    f"{label}: {int(treated.sum())} treated units for {basis.size} "
                    "dose coefficients"
                )
            else:
                cells.append(
                    fit_cell(panel, g, t, b, treated, control, basis, grid, anticipation, cr2_codes)
                )
    if not any(c.post for c in cells):
        reason = "; ".join(skipped[:4]) or "no cohort is observed after it is treated"
        hint = {
            "comparison": "the estimator needs untreated (dose 0) units: never-treated units "
            "or, with control_group='notyettreated', units treated later",
            "before": "each cohort needs a period before its treatment (and anticipation)",
            "coefficients": "lower degree or num_knots, or pool cohorts",
        }
        fixes = [fix for key, fix in hint.items() if key in reason] or [hint["comparison"]]
        raise EstimationError(
            f"cont_did: no effect after treatment is identified ({reason}); " + "; ".join(fixes)
        )
    return cells, skipped


def _crit(
    agg: Aggregate,
    se: FloatArray,
    df: FloatArray,
    panel: DosePanel,
    level: float,
    biters: int,
    rng: np.random.Generator,
) -> float:
    if biters == 0 or agg.inf_func.shape[1] == 0:
        return np.nan
    boot = multiplier_bootstrap(
        agg.inf_func,
        panel.n_units,
        panel.cluster_codes,
        biters,
        1.0 - level,
        rng,
        band_se=se,
        band_df=None if np.all(np.isinf(df)) else df,
    )
    return float(boot.crit_val)


def _cr2_df(
    cells: list[CellFit], w: FloatArray, event_w: FloatArray, panel: DosePanel, used: bool
) -> tuple[float, FloatArray]:
    """Bell-McCaffrey degrees of freedom of ATT^o and the event-time ATTs (contrasts of
    cohort and comparison means, as in ``att_gt``); ``inf`` without CR2."""
    if not used or panel.cluster_codes is None:
        return np.inf, np.full(event_w.shape[1], np.inf)
    terms = cr2_terms(
        np.column_stack([c.if_att_glob for c in cells]),
        panel.cluster_codes,
        panel.cohort,
        np.array([c.group for c in cells]),
        np.ones(panel.n_units),
    )
    return float(terms.satterthwaite_df(w)[0]), terms.satterthwaite_df(event_w)


def _estimates(
    cells: list[CellFit], panel: DosePanel, level: float, biters: int, seed: Any, cr2: bool
) -> dict[str, Any]:
    """Aggregated estimates, standard errors, degrees of freedom and band critical values."""
    w = overall_weights(cells)
    times, event_w = event_weights(cells)
    aggs = {
        "att_d": combine(cells, w, "att_d"),
        "acrt_d": combine(cells, w, "acrt_d"),
        "att_o": combine(cells, w, "att_glob"),
        "acrt_o": combine(cells, w, "acrt_glob"),
        "es_att": event_study(cells, "att_glob")[1],
        "es_acrt": event_study(cells, "acrt_glob")[1],
    }
    se = {k: analytic_se(a.inf_func, panel.n_units, panel.cluster_codes) for k, a in aggs.items()}
    df_o, df_e = _cr2_df(cells, w, event_w, panel, cr2)
    df = {k: np.full(a.estimate.size, df_o) for k, a in aggs.items()}
    df["es_att"] = df["es_acrt"] = df_e
    rng = make_rng(seed)
    crit = {
        k: _crit(aggs[k], se[k], df[k], panel, level, biters, rng)
        for k in ("att_d", "acrt_d", "es_att", "es_acrt")
    }
    return {"w": w, "times": times, "aggs": aggs, "se": se, "df": df, "crit": crit}


def _assemble(
    panel: DosePanel,
    cells: list[CellFit],
    skipped: list[str],
    grid: FloatArray,
    level: float,
    biters: int,
    seed: Any,
    options: dict[str, Any],
) -> DoseResponseResult:
    r = _estimates(cells, panel, level, biters, seed, options["cluster_correction"] == "CR2")
    a, se, df, crit = r["aggs"], r["se"], r["df"], r["crit"]
    curves = pd.DataFrame(
        {
            "dose": grid,
            "att": a["att_d"].estimate,
            "att_se": se["att_d"],
            "acrt": a["acrt_d"].estimate,
            "acrt_se": se["acrt_d"],
            "df": df["att_d"],
        }
    )
    event = pd.DataFrame(
        {
            "event_time": r["times"],
            "att": a["es_att"].estimate,
            "att_se": se["es_att"],
            "acrt": a["es_acrt"].estimate,
            "acrt_se": se["es_acrt"],
            "df": df["es_att"],
        }
    )
    cell_table = pd.DataFrame(
        [
            {
                "group": c.group,
                "time": c.time,
                "event_time": c.event_time,
                "post": c.post,
                "n_treated": c.n_treated,
                "n_control": c.n_control,
                "att": c.att_glob,
                "acrt": c.acrt_glob,
                "weight": wi,
            }
            for c, wi in zip(cells, r["w"], strict=True)
        ]
    )
    n_cl = None if panel.cluster_codes is None else int(panel.cluster_codes.max()) + 1
    return DoseResponseResult(
        outcome=panel.outcome,
        dose_name=panel.dose_name,
        curves=curves,
        event=event,
        cells=cell_table,
        overall_att=float(a["att_o"].estimate[0]),
        overall_att_se=float(se["att_o"][0]),
        overall_acrt=float(a["acrt_o"].estimate[0]),
        overall_acrt_se=float(se["acrt_o"][0]),
        att_d_crit=crit["att_d"],
        acrt_d_crit=crit["acrt_d"],
        event_att_crit=crit["es_att"],
        event_acrt_crit=crit["es_acrt"],
        n_units=panel.n_units,
        n_treated=int((panel.cohort > 0).sum()),
        n_clusters=n_cl,
        options=options,
        confidence_level=level,
        notes=tuple(_notes(panel, skipped)),
        overall_df=float(df["att_o"][0]),
    )


def _notes(panel: DosePanel, skipped: list[str]) -> list[str]:
    notes = list(panel.notes)
    if panel.dose_varies:
        notes.append(
            f"{panel.dose_name} varies over time within units; each treated unit's "
            "dose is its mean over its treated years."
        )
    if skipped:
        notes.append(
            f"{len(skipped)} cohort-period cell(s) are not identified and were left "
            f"out, e.g. {skipped[0]}."
        )
    return notes
