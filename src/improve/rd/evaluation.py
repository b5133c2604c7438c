"""Everything the threshold-design workbook shows, computed in one call.

``evaluate_threshold`` reads the design from the column map (sharp when treatment follows
the cutoff rule exactly, fuzzy otherwise; pooled over centred scores when rounds have
different cutoffs), runs the main estimate, the density test, the RD plot's bins and fits,
covariate balance, placebo cutoffs, bandwidth sensitivity, a quadratic fit and donut holes,
and writes the plain-language summary. The workbook only lays these out.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from improve.errors import EstimationError, SpecError
from improve.rd.binned import BinnedScatter, binned_scatter
from improve.rd.checks import warn_heaping
from improve.rd.cutoffs import CENTRED, pooled_cutoffs
from improve.rd.data import RDData
from improve.rd.density import DensityTest, density_test
from improve.rd.estimate import RDResult, rd_estimate
from improve.rd.robustness import (
    bandwidth_sensitivity,
    covariate_balance,
    donut_hole,
    placebo_cutoffs,
    result_row,
)


def num(v: float) -> str:
    """Three significant digits for sentences (11.0, 3.98, 0.125; 1,234 above 100)."""
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:#.3g}"


def p_text(p: float) -> str:
    """``p < 0.001`` or ``p = 0.042``."""
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


#: Donut radii as shares of the estimation bandwidth.
DONUT_SHARES = (0.05, 0.1, 0.2)


@dataclass(frozen=True)
class RDEvaluation:
    """Results of :func:`evaluate_threshold` for one outcome."""

    outcome: str
    running: str
    cutoff: float
    design: str
    data: pd.DataFrame
    main: RDResult
    reduced_form: RDResult | None
    density: DensityTest
    heaping: bool
    binned: BinnedScatter
    balance: pd.DataFrame
    placebo: pd.DataFrame
    bandwidths: pd.DataFrame
    functional_form: pd.DataFrame
    donut: pd.DataFrame
    by_cutoff: pd.DataFrame | None
    attrition_counts: tuple[int, int, int, int]
    comparison_sd: float
    comparison_n: int

    @property
    def verdict(self) -> str:
        """``sharp_regression_discontinuity`` or ``fuzzy_regression_discontinuity``."""
        return f"{self.design}_regression_discontinuity"

    def design_table(self, running_label: str = "", unit_plural: str = "units") -> pd.DataFrame:
        """The cutoff, forcing variable, design and counts, in words."""
        x = self.data[self.running]
        rows = [
            ("Design", f"{self.design} regression discontinuity"),
            ("Forcing variable", running_label or self.running),
            (
                "Cutoff",
                "each round's own line (scores centred at 0)"
                if self.by_cutoff is not None
                else f"{self.cutoff:g}",
            ),
            (f"{unit_plural.capitalize()} below the cutoff", f"{int((x < self.cutoff).sum()):,}"),
            (f"{unit_plural.capitalize()} at or above", f"{int((x >= self.cutoff).sum()):,}"),
            ("Distinct values of the forcing variable", f"{x.nunique():,}"),
            (
                "Density test (rddensity)",
                f"T = {self.density.statistic:.2f}, p = {self.density.p_value:.3f}",
            ),
        ]
        return pd.DataFrame(rows, columns=["item", "value"])

    def estimates_table(self) -> pd.DataFrame:
        """Conventional, bias-corrected and robust rows (and the first stage if fuzzy)."""
        frame = self.main.tidy().drop(columns=["outcome"])
        if self.main.first_stage is not None:
            fs = self.main.first_stage.assign(term=lambda d: "First stage: " + d["term"])
            frame = pd.concat([frame, fs], ignore_index=True)
        return frame

    def sensitivity_rows(self) -> pd.DataFrame:
        """Bandwidth multiples and the quadratic fit, for the WWC bandwidth standard."""
        bw = self.bandwidths.assign(label=lambda d: [f"{m:g}x bandwidth" for m in d.multiple])
        return pd.concat([bw, self.functional_form], ignore_index=True)

    def summary_sentence(
        self,
        unit_plural: str = "units",
        outcome_label: str | None = None,
        program_label: str = "the program",
        running_label: str | None = None,
    ) -> str:
        """What was found and how sure we can be (robust interval)."""
        label = outcome_label or self.outcome
        robust = self.main.robust
        level = f"{self.main.confidence_level:.0%}"
        est = self.main.estimate
        where = (
            f"the cutoff ({running_label or self.running} {self.cutoff:g})"
            if self.by_cutoff is None
            else "their round's cutoff"
        )
        interval = (
            f"robust {level} CI {num(robust['conf_low'])} to {num(robust['conf_high'])}, "
            f"{p_text(robust['p_value'])}"
        )
        if self.design == "fuzzy":
            fs = self.main.first_stage.iloc[0]
            text = (
                f"At {where}, the share of {unit_plural} that received {program_label} "
                f"jumped by {100 * fs['estimate']:.0f} percentage points; for those whose "
                f"take-up the cutoff changed, receiving it changed {label} by {num(est)} "
                f"({interval})"
            )
        else:
            text = (
                f"{unit_plural[:1].upper() + unit_plural[1:]} just at or above {where} had "
                f"{label} {num(abs(est))} {'higher' if est > 0 else 'lower'} than "
                f"{unit_plural} just below it ({interval})"
            )
        n = sum(self.main.n_effective)
        text += f", comparing {n:,} {unit_plural} within the bandwidth."
        low, high = robust["conf_low"], robust["conf_high"]
        if low > 0 or high < 0:
            text += f" The data show that {program_label} changed {label} at the cutoff."
        else:
            text += (
                f" An effect this size is within chance variation; the data do not show "
                f"that {program_label} changed {label}."
            )
        return text


def _design(rd: RDData) -> tuple[pd.DataFrame, str, float, str | None]:
    """Data, running column and cutoff to estimate at, and the fuzzy column (or None)."""
    spec = rd.spec
    data, running, cutoff = rd.data, spec.running, spec.cutoff
    if rd.multiple_cutoffs or (spec.cutoff_column and cutoff is None):
        data = data.assign(**{CENTRED: data[spec.running] - data[spec.cutoff_column]})
        running, cutoff = CENTRED, 0.0
    if cutoff is None:
        cutoff = float(data[spec.cutoff_column].iloc[0])
    fuzzy = None
    if spec.treatment:
        t = data[spec.treatment]
        rule = (data[running] >= cutoff).astype(float)
        ok = t.notna() & data[running].notna()
        fuzzy = spec.treatment if bool((t[ok] != rule[ok]).any()) else None
    return data, running, float(cutoff), fuzzy


def _main(
    rd: RDData,
    data: pd.DataFrame,
    outcome: str,
    running: str,
    cutoff: float,
    options: dict[str, Any],
) -> tuple[RDResult, pd.DataFrame | None]:
    if running == CENTRED:
        return pooled_cutoffs(rd.data, outcome, rd.spec.running, rd.spec.cutoff_column, **options)
    return rd_estimate(data, outcome, running, cutoff, **options), None


def evaluate_threshold(
    rd: RDData,
    outcome: str | None = None,
    *,
    bandwidth: str | float = "mserd",
    p: int = 1,
    kernel: str = "triangular",
    adjust_for_covariates: bool = False,
    cluster: bool = True,
    placebos: Sequence[float] | None = None,
    donut_radii: Sequence[float] | None = None,
    confidence_level: float = 0.95,
) -> RDEvaluation:
    """Estimate the jump at the cutoff and everything needed to judge it.

    Parameters
    ----------
    rd : RDData
        From :func:`improve.rd.load_cross_section`.
    outcome : str, optional
        Default: the map's first outcome.
    bandwidth : str or float
        An rdrobust bandwidth selector (``mserd``, ``msetwo``, ``cerrd``...) or a number
        (the same bandwidth on both sides).
    p, kernel : polynomial order and kernel (rdrobust's ``p`` and ``kernel``).
    adjust_for_covariates : bool
        Add the map's covariates to the main estimate (rdrobust ``covs``).
    cluster : bool
        Cluster standard errors by the map's cluster column (when it names one).
    placebos, donut_radii : optional
        Placebo cutoffs (default: quartiles of each side) and donut radii (default 5%,
        10% and 20% of the bandwidth).
    """
    outcome = outcome or rd.spec.outcomes[0]
    if outcome not in rd.data.columns:
        raise SpecError(f"outcome '{outcome}' is not in the data")
    data, running, cutoff, fuzzy = _design(rd)
    attrition = _attrition_counts(data, outcome, running, cutoff)
    density = density_test(data, running, cutoff)
    rd, data = _drop_missing(rd, data, outcome, running)
    plain: dict[str, Any] = {"p": int(p), "kernel": kernel, "confidence_level": confidence_level}
    plain |= {"bwselect": bandwidth} if isinstance(bandwidth, str) else {"h": float(bandwidth)}
    if cluster and rd.spec.cluster:
        plain["cluster"] = rd.spec.cluster
    options = dict(plain)
    if adjust_for_covariates and rd.spec.covariates:
        options["covs"] = list(rd.spec.covariates)
    main, by_cutoff = _main(rd, data, outcome, running, cutoff, options | {"fuzzy": fuzzy})
    reduced = rd_estimate(data, outcome, running, cutoff, **options) if fuzzy else None
    x = data[running].to_numpy(dtype=float)
    heaping = warn_heaping(x[np.isfinite(x)], cutoff, running)
    fixed = {k: v for k, v in options.items() if k not in ("bwselect", "h")}
    radii = (
        donut_radii
        if donut_radii is not None
        else [float(f"{s * min(main.h):.3g}") for s in DONUT_SHARES]
    )
    return RDEvaluation(
        outcome=outcome,
        running=running,
        cutoff=cutoff,
        design="fuzzy" if fuzzy else "sharp",
        data=data,
        main=main,
        reduced_form=reduced,
        density=density,
        heaping=heaping,
        binned=binned_scatter(
            data,
            outcome,
            running,
            cutoff,
            h=main.h,
            p=main.p,
            kernel=kernel,
            confidence_level=confidence_level,
        ),
        balance=covariate_balance(data, rd.spec.covariates, running, cutoff, **plain),
        placebo=placebo_cutoffs(data, outcome, running, cutoff, placebos, **options),
        bandwidths=bandwidth_sensitivity(data, main, **fixed, fuzzy=fuzzy),
        functional_form=_alternatives(
            data, outcome, running, cutoff, fixed | {"fuzzy": fuzzy}, rd.spec.covariates
        ),
        donut=donut_hole(data, outcome, running, cutoff, radii, **options, fuzzy=fuzzy),
        by_cutoff=by_cutoff,
        attrition_counts=attrition,
        **_comparison_sd(data, outcome, running, cutoff, main.h[0]),
    )


def _drop_missing(
    rd: RDData, data: pd.DataFrame, outcome: str, running: str
) -> tuple[RDData, pd.DataFrame]:
    """Rows with the outcome and running variable (one note for all estimates)."""
    missing = data[outcome].isna() | data[running].isna()
    if not missing.any():
        return rd, data
    warnings.warn(
        f"{int(missing.sum())} rows without {outcome} or {rd.spec.running} are left out "
        "of every estimate (they count as attrition in the WWC check)",
        UserWarning,
        stacklevel=3,
    )
    return RDData(data=rd.data.loc[~missing], spec=rd.spec, source=rd.source), data.loc[~missing]


def _alternatives(
    data: pd.DataFrame,
    outcome: str,
    running: str,
    cutoff: float,
    options: dict[str, Any],
    covariates: Sequence[str],
) -> pd.DataFrame:
    """The estimate with the other polynomial order and with(out) the baseline covariates,
    each with its own optimal bandwidth."""
    other_p = 2 if options.get("p", 1) == 1 else 1
    variants = [(f"local {'quadratic' if other_p == 2 else 'linear'}", options | {"p": other_p})]
    if covariates and "covs" not in options:
        variants.append(("with baseline covariates", options | {"covs": list(covariates)}))
    elif "covs" in options:
        variants.append(("without covariates", {k: v for k, v in options.items() if k != "covs"}))
    rows = []
    for label, opts in variants:
        try:
            rows.append(
                {"label": label, **result_row(rd_estimate(data, outcome, running, cutoff, **opts))}
            )
        except EstimationError:
            continue
    return pd.DataFrame(rows)


def _attrition_counts(
    data: pd.DataFrame, outcome: str, running: str, cutoff: float
) -> tuple[int, int, int, int]:
    """Units assigned and with the outcome: (above start, above end, below start, below end)."""
    x = data[running]
    has = data[outcome].notna()
    above, below = x >= cutoff, x < cutoff
    return (int(above.sum()), int((above & has).sum()), int(below.sum()), int((below & has).sum()))


def _comparison_sd(
    data: pd.DataFrame, outcome: str, running: str, cutoff: float, h: float
) -> dict[str, Any]:
    """SD of the outcome below the cutoff within the bandwidth (the comparison group)."""
    x = data[running]
    values = data.loc[(x < cutoff) & (x >= cutoff - h), outcome].dropna()
    return {
        "comparison_sd": float(values.std(ddof=1)) if len(values) > 1 else float("nan"),
        "comparison_n": int(len(values)),
    }
