"""One call for a complete staggered-DiD evaluation of an outcome: cells and all aggregations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from improve._deprecation import warn_renamed
from improve.design import DesignCheck, Inference
from improve.design import check_design as _check_design
from improve.did.aggregate import AggregateResult, aggregate
from improve.did.attgt import ATTGTResult, att_gt
from improve.did.placebo import placebo_att
from improve.errors import SpecError
from improve.inference.permutation import PermutationResult


@dataclass(frozen=True)
class DiDEvaluation:
    """Group-time effects of one outcome and their four standard summaries."""

    outcome: str
    cells: ATTGTResult
    simple: AggregateResult
    dynamic: AggregateResult
    group: AggregateResult
    calendar: AggregateResult
    inference: str = "analytic"
    design: DesignCheck | None = None
    permutation: PermutationResult | None = None

    @property
    def inference_valid(self) -> bool:
        """Whether the standard errors and intervals are valid inference for this design
        (False with one or a few treated clusters: the permutation p-value is then the
        inference to report)."""
        return self.permutation is None

    @property
    def permutation_note(self) -> str:
        """Deprecated: the permutation note is report text; use
        ``improve.report.permutation_text.permutation_wording(evaluation.permutation, "note")``.
        """
        warn_renamed(
            "DiDEvaluation.permutation_note",
            "improve.report.permutation_text.permutation_wording(evaluation.permutation, 'note')",
        )
        if self.permutation is None:
            return ""
        from improve.report.permutation_text import permutation_wording

        return permutation_wording(self.permutation, "note")

    @property
    def inference_note(self) -> str:
        """How the standard errors were computed, for captions."""
        if self.permutation is not None:
            return (
                "standard errors shown for reference only (not valid with few treated "
                f"clusters); inference: permutation p = {self.permutation.p_value:.3g}"
            )
        if self.inference == "jackknife":
            return (
                f"standard errors: leave-one-cluster-out jackknife over {self.cells.n_clusters} "
                f"clusters ({self.cells.cluster})"
            )
        if self.cells.cluster and self.cells.cluster_correction == "CR2":
            return (
                f"standard errors: cluster-robust by {self.cells.cluster} "
                f"({self.cells.n_clusters} clusters), bias-reduced (CR2), t intervals with "
                "Satterthwaite degrees of freedom"
            )
        if self.cells.cluster:
            return (
                f"standard errors: cluster-robust by {self.cells.cluster} "
                f"({self.cells.n_clusters} clusters)"
            )
        return "standard errors: analytic (influence function), by unit"

    def _repr_html_(self) -> str:
        """Overall effect and event study as tables (JupyterLab)."""
        from improve.report.did_tables import evaluation_html

        return evaluation_html(self)

    def cells_table(self) -> pd.DataFrame:
        """ATT(g,t) with the number of treated and comparison units behind each cell."""
        tidy = self.cells.tidy()
        tidy["n_treated"] = np.asarray(self.cells.n_treated)
        tidy["n_comparison"] = np.asarray(self.cells.n_control)
        return tidy

    def summary_table(self) -> pd.DataFrame:
        """Overall, by-cohort and by-period effects in one table (``summary`` column)."""
        parts = []
        for name, result in (
            ("overall", self.simple),
            ("cohort", self.group),
            ("period", self.calendar),
        ):
            tidy = result.tidy()
            if name != "overall":
                tidy = tidy.iloc[1:]
            tidy = tidy[["term", "estimate", "std_error", "conf_low", "conf_high", "p_value"]]
            parts.append(tidy.assign(summary=name))
        table = pd.concat(parts, ignore_index=True)
        table["n_units"] = self.cells.n_units
        return table[
            ["summary", "term", "estimate", "std_error", "conf_low", "conf_high", "p_value"]
            + ["n_units"]
        ]

    def event_study_table(self) -> pd.DataFrame:
        """Event-time estimates (without the overall row), with the estimation's N."""
        table = self.dynamic.tidy().iloc[1:].reset_index(drop=True)
        table["n_units"] = self.cells.n_units
        return table

    def to_results(self) -> dict[str, Any]:
        """Numbers for ``results.json``."""
        simple = self.simple.tidy().iloc[0]
        keep = ["event_time", "estimate", "std_error", "conf_low", "conf_high"]
        if "conf_low_uniform" in self.dynamic.tidy().columns:
            keep += ["conf_low_uniform", "conf_high_uniform"]
        return {
            "simple": {
                k: float(simple[k]) for k in ("estimate", "std_error", "conf_low", "conf_high")
            },
            "dynamic": self.event_study_table()[keep].to_dict(orient="records"),
            "group": self.group.tidy()
            .iloc[1:][["group", "estimate", "std_error", "conf_low", "conf_high"]]
            .to_dict(orient="records"),
            "pretest_p_value": self.cells.pretrend_p_value,
            "design_verdict": None if self.design is None else str(self.design.verdict),
            "permutation_p_value": None if self.permutation is None else self.permutation.p_value,
        }


def evaluate(
    data: Any,
    outcome: str,
    *,
    max_event_time: int | None = None,
    inference: str = "analytic",
    check_design: bool = True,
    permutation_seed: int = 0,
    **options: Any,
) -> DiDEvaluation:
    """Estimate ATT(g,t) for ``outcome`` and aggregate it four ways, as R ``did`` users do.

    Parameters
    ----------
    data : Panel or DataFrame
    outcome : str
    max_event_time : int, optional
        Event study from ``-max_event_time`` to ``+max_event_time``.
    inference : {"analytic", "jackknife"}
        ``"jackknife"`` replaces the aggregates' standard errors by a leave-one-cluster-out
        jackknife (recommended with few or very unequal clusters; see
        :mod:`improve.did.jackknife`); uniform bands keep their bootstrap critical value.
    **options
        Passed to :func:`improve.did.att_gt` (control_group, covariates, est_method,
        cluster, anticipation, alpha, bootstrap, n_boot, seed, ...). Standard errors of the
        aggregates are the analytic ones (CR2 with t intervals when clustered; measured
        coverage in ``benchmarks/montecarlo_results``); with ``bootstrap=True`` the
        multiplier bootstrap gives the uniform band of the event study.
    check_design : bool
        For a Panel, run :func:`improve.design.check_design` first; when it finds one or a
        few treated clusters (where cluster-robust intervals are not valid), also compute
        the placebo-in-space permutation p-value of the overall effect
        (:func:`improve.did.placebo.placebo_att`, same estimator options).
    permutation_seed : int
        Seed of the placebo draws when there are too many assignments to enumerate.
    """
    if inference not in ("analytic", "jackknife"):
        raise SpecError(f"inference must be 'analytic' or 'jackknife', got {inference!r}")
    if max_event_time is not None and max_event_time < 0:
        raise SpecError("max_event_time must be zero or more")
    cells = att_gt(data, outcome, **options)
    window = {}
    if max_event_time is not None:
        window = {"min_e": -max_event_time, "max_e": max_event_time}
    # analytic (CR2 when clustered) standard errors; the bootstrap, when asked for, gives
    # the uniform band of the event study
    # cells R's rules leave empty (overlap, no comparison units) are listed on the result
    # (cells.failed_table()) and the aggregations go on without them
    na_rm = bool(cells.failed_cells)
    results = {
        "simple": aggregate(cells, type="simple", bootstrap_se=False, na_rm=na_rm),
        "dynamic": aggregate(cells, type="dynamic", bootstrap_se=False, na_rm=na_rm, **window),
        "group": aggregate(cells, type="group", bootstrap_se=False, na_rm=na_rm),
        "calendar": aggregate(cells, type="calendar", bootstrap_se=False, na_rm=na_rm),
    }
    if inference == "jackknife":
        from improve.did.jackknife import jackknife_evaluation_ses

        if cells.cluster is None:
            raise SpecError("inference='jackknife' needs a cluster column (cluster=...)")
        results = jackknife_evaluation_ses(data, outcome, results, {"dynamic": window}, **options)
    design, permutation = None, None
    if check_design and hasattr(data, "spec"):
        design, permutation = _design_inference(data, outcome, na_rm, permutation_seed, options)
    return DiDEvaluation(
        outcome=outcome,
        cells=cells,
        inference=inference,
        design=design,
        permutation=permutation,
        **results,
    )


def _design_inference(
    panel: Any, outcome: str, na_rm: bool, seed: int, options: dict[str, Any]
) -> tuple[DesignCheck, PermutationResult | None]:
    """The design check and, where it calls for it, the permutation p-value."""
    design = _check_design(panel, outcome, cluster=options.get("cluster"))
    if design.recommended_inference != Inference.PERMUTATION:
        return design, None
    same = {k: v for k, v in options.items() if k in _PLACEBO_OPTIONS}
    return design, placebo_att(panel, outcome, na_rm=na_rm, seed=seed, **same)


#: Options of att_gt that the placebo fits must share with the reported estimate.
_PLACEBO_OPTIONS = (
    "unit",
    "time",
    "cohort",
    "covariates",
    "weights",
    "cluster",
    "control_group",
    "est_method",
    "base_period",
    "anticipation",
    "allow_unbalanced_panel",
)


def design_summary(
    panel: Any, control_group: str = "notyettreated", anticipation: int = 0
) -> pd.DataFrame:
    """Per cohort: units, periods observed before and after treatment, comparison units.

    ``comparison_units`` counts the units available as comparisons in the cohort's first
    treated period: never-treated units, plus (for ``notyettreated``) units first treated
    more than ``anticipation`` periods later.
    """
    spec = panel.spec
    if spec.cohort is None:
        raise SpecError("the design summary needs treatment timing (cohort or treatment)")
    unit_cohort = panel.data.groupby(spec.unit, observed=True)[spec.cohort].first()
    periods = np.array(panel.periods)
    rows = []
    for cohort in sorted(c for c in unit_cohort.unique() if c > 0):
        comparison = unit_cohort == 0
        if control_group == "notyettreated":
            comparison |= unit_cohort > cohort + anticipation
        rows.append(
            {
                "cohort": int(cohort),
                "units": int((unit_cohort == cohort).sum()),
                "periods_before": int((periods < cohort).sum()),
                "periods_after": int((periods >= cohort).sum()),
                "comparison_units": int(comparison.sum()),
            }
        )
    rows.append(
        {
            "cohort": 0,
            "units": int((unit_cohort == 0).sum()),
            "periods_before": 0,
            "periods_after": 0,
            "comparison_units": 0,
        }
    )
    table = pd.DataFrame(rows)
    table.insert(
        1, "label", ["Never treated" if c == 0 else f"First treated {c}" for c in table["cohort"]]
    )
    return table
