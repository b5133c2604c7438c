"""Everything a workbook shows about a dose-response, computed in one call.

:func:`dose_response_evaluation` runs :func:`improve.did.continuous.cont_did` and lays out
the curve at a few doses, the overall averages, the event-time effects, the figure and the
plain-language summary. Cells of fewer than ``min_cell_size`` treated or comparison units
are not reported.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from improve.did.continuous import DoseResponseResult, cont_did
from improve.errors import DataError, EstimationError, SpecError
from improve.report.dose_findings import DoseFacts, band_sign, dose_response_sentences
from improve.report.labels import Labels

#: Treated-dose quantiles at which the curve table reports the curve.
CURVE_QUANTILES = (0.10, 0.25, 0.50, 0.75, 0.90, 0.99)


@dataclass(frozen=True)
class DoseEvaluation:
    """Result of :func:`dose_response_evaluation`."""

    result: DoseResponseResult | None
    labels: Labels
    suppressed: bool
    sentences: tuple[str, ...]
    outcome: str = ""
    dose_name: str = ""

    @property
    def outcome_label(self) -> str:
        return self.labels.outcome(self.outcome)

    @property
    def dose_label(self) -> str:
        return self.labels.outcome(self.dose_name)

    def curve_table(self) -> pd.DataFrame:
        """ATT(d) and ACRT(d) with pointwise intervals and uniform bands at a few doses."""
        if self.suppressed:
            return pd.DataFrame()
        tidy = self.result.tidy()
        rows = []
        for q in CURVE_QUANTILES:
            pos = int(round((q - 0.10) / 0.01))
            att = tidy[tidy["parameter"] == "ATT(d)"].iloc[min(pos, len(self.result.dose) - 1)]
            acrt = tidy[tidy["parameter"] == "ACRT(d)"].iloc[min(pos, len(self.result.dose) - 1)]
            rows.append(
                {
                    "dose percentile": f"{100 * q:.0f}th",
                    "dose": att["dose"],
                    "effect ATT(d)": att["estimate"],
                    "std_error": att["std_error"],
                    "conf_low": att["conf_low"],
                    "conf_high": att["conf_high"],
                    "uniform_low": att["conf_low_uniform"],
                    "uniform_high": att["conf_high_uniform"],
                    "slope ACRT(d)": acrt["estimate"],
                    "slope_std_error": acrt["std_error"],
                }
            )
        if self.result.options["treatment_type"] == "discrete":
            rows = [r for i, r in enumerate(rows) if i < len(self.result.dose)]
        return pd.DataFrame(rows)

    def overall_table(self) -> pd.DataFrame:
        """ATT^o (average effect over treated doses) and ACRT^o (average slope)."""
        if self.suppressed:
            return pd.DataFrame()
        tidy = self.result.tidy()
        out = tidy[tidy["parameter"].isin(["ATT^o", "ACRT^o"])].copy()
        out["term"] = ["average effect (ATT^o)", "average slope per unit of dose (ACRT^o)"]
        return out[["term", "estimate", "std_error", "conf_low", "conf_high", "p_value"]]

    def event_table(self) -> pd.DataFrame:
        """Binarized effect by years since treatment started (with uniform band)."""
        if self.suppressed:
            return pd.DataFrame()
        tidy = self.result.tidy()
        rows = tidy[tidy["parameter"] == "ATT(e)"]
        return rows[
            [
                "event_time",
                "estimate",
                "std_error",
                "conf_low",
                "conf_high",
                "conf_low_uniform",
                "conf_high_uniform",
            ]
        ].reset_index(drop=True)

    def figure(self, parameter: str = "ATT(d)", truth: pd.DataFrame | None = None) -> Any:
        """The dose-response curve with bands (``truth``: columns ``dose``, ``truth``)."""
        from improve.report.dose_figures import plot_dose_response

        if self.suppressed or self.result is None:
            tidy = pd.DataFrame(columns=["parameter", "dose", "estimate", "conf_low", "conf_high"])
        else:
            tidy = self.result.tidy()
        return plot_dose_response(
            tidy,
            parameter=parameter,
            dose_label=self.dose_label,
            outcome_label=self.outcome_label,
            truth=truth,
        )

    def summary(self) -> str:
        """The plain-language findings as one paragraph."""
        return " ".join(self.sentences)

    def _repr_markdown_(self) -> str:
        return self.summary()


def dose_response_evaluation(
    panel: Any,
    outcome: str | None = None,
    *,
    dose: str | None = None,
    degree: int = 3,
    num_knots: int = 0,
    treatment_type: str = "continuous",
    control_group: str = "notyettreated",
    dvals: Sequence[float] | None = None,
    confidence_level: float = 0.95,
    biters: int = 999,
    seed: int = 20240601,
    min_cell_size: int = 10,
    labels: Mapping[str, Any] | None = None,
    explain_failure: bool = True,
    **columns: Any,
) -> DoseEvaluation:
    """Estimate and describe the dose-response of ``outcome`` to ``dose`` (CGBS 2024).

    Parameters
    ----------
    panel : Panel or DataFrame
        The panel; columns default to its column map (dose: the map's first ``doses``).
    outcome, dose : str, optional
    degree, num_knots, treatment_type, control_group, dvals, confidence_level, biters, seed
        As in :func:`improve.did.continuous.cont_did`.
    min_cell_size : int
        Fewest treated (and comparison) units for anything to be reported, and fewest
        treated units per dose level of a discrete dose.
    labels : mapping, optional
        Overrides of the column map's ``labels:`` (words for outcome, dose and units).
    **columns
        ``unit``, ``time``, ``cohort``, ``cluster`` column names.
    explain_failure : bool
        With no usable dose (no dose column in the map, a dose that is not numeric, too few
        distinct doses, no untreated units...), return an evaluation whose summary says why
        instead of raising, so a workbook section can report it.
    """
    words = Labels.from_panel(panel, labels)
    try:
        res = _estimate(
            panel,
            outcome,
            dose,
            degree,
            num_knots,
            treatment_type,
            control_group,
            dvals,
            confidence_level,
            biters,
            seed,
            min_cell_size,
            columns,
        )
    except (SpecError, EstimationError, DataError) as err:
        if not explain_failure:
            raise
        why = _plain_reason(err, panel, columns)
        text = f"The dose-response could not be estimated: {why}."
        return DoseEvaluation(None, words, True, (text,), outcome or "", dose or "")
    n_comparison = res.n_units - res.n_treated
    names = (res.outcome, res.dose_name)
    if min(res.n_treated, n_comparison) < min_cell_size:
        note = (
            f"Fewer than {min_cell_size} treated or comparison {words.unit_plural}: the "
            "dose-response is not reported."
        )
        return DoseEvaluation(res, words, True, (note,), *names)
    sentences = tuple(_sentences(res, words, n_comparison))
    return DoseEvaluation(res, words, False, sentences, *names)


def _plain_reason(err: Exception, panel: Any, columns: Mapping[str, Any]) -> str:
    """The reason an estimate failed, in words a report can show (no API examples)."""
    spec = getattr(panel, "spec", None)
    if spec is not None and not getattr(spec, "cohort", None) and "cohort" not in columns:
        return (
            "it needs the period each unit was first treated (a cohort column in the "
            "column map), and this file's map names none"
        )
    why = str(err).removeprefix("cont_did: ")
    return re.sub(r";?\s*pass them as keywords, e\.g\..*$", "", why, flags=re.S).rstrip(" .")


def _estimate(
    panel: Any,
    outcome: str | None,
    dose: str | None,
    degree: int,
    num_knots: int,
    treatment_type: str,
    control_group: str,
    dvals: Sequence[float] | None,
    confidence_level: float,
    biters: int,
    seed: int,
    min_cell_size: int,
    columns: Mapping[str, Any],
) -> DoseResponseResult:
    return cont_did(
        panel,
        outcome,
        dose=dose,
        degree=degree,
        num_knots=num_knots,
        treatment_type=treatment_type,
        control_group=control_group,
        dvals=dvals,
        confidence_level=confidence_level,
        biters=biters,
        seed=seed,
        min_units_per_level=max(min_cell_size, 2),
        **columns,
    )


def _sentences(res: DoseResponseResult, words: Labels, n_comparison: int) -> list[str]:
    tidy = res.tidy()
    att_rows = tidy[tidy["parameter"] == "ATT(d)"]
    above, below = band_sign(att_rows["conf_low_uniform"], att_rows["conf_high_uniform"])
    excl = att_rows[(att_rows["conf_low_uniform"] > 0) | (att_rows["conf_high_uniform"] < 0)]
    where = (float(excl["dose"].min()), float(excl["dose"].max())) if len(excl) else None
    pre = tidy[(tidy["parameter"] == "ATT(e)") & (tidy["event_time"] < 0)]
    pre_ok = None
    if len(pre) and np.isfinite(pre["conf_low_uniform"]).any():
        pre_ok = bool(((pre["conf_low_uniform"] <= 0) & (pre["conf_high_uniform"] >= 0)).all())
    overall = tidy.set_index("parameter")
    doses = res.dose
    q = np.quantile(doses, [0.0, 1.0]) if len(doses) else (np.nan, np.nan)
    pos = {p: min(int(round((p - 0.10) / 0.01)), len(doses) - 1) for p in (0.25, 0.75)}
    facts = DoseFacts(
        n_treated=res.n_treated,
        n_comparison=n_comparison,
        unit_plural=words.unit_plural,
        outcome=words.outcome(res.outcome),
        dose=words.outcome(res.dose_name),
        dose_low=float(q[0]),
        dose_high=float(q[1]),
        dose_p25=float(doses[pos[0.25]]),
        dose_p75=float(doses[pos[0.75]]),
        att=res.overall_att,
        att_low=float(overall.loc["ATT^o", "conf_low"]),
        att_high=float(overall.loc["ATT^o", "conf_high"]),
        acrt=res.overall_acrt,
        acrt_low=float(overall.loc["ACRT^o", "conf_low"]),
        acrt_high=float(overall.loc["ACRT^o", "conf_high"]),
        band_above_zero=above,
        band_below_zero=below,
        band_excludes_zero=where,
        pre_band_covers_zero=pre_ok,
        confidence_level=res.confidence_level,
    )
    return dose_response_sentences(facts)
