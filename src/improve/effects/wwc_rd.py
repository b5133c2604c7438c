"""What Works Clearinghouse regression discontinuity standards, checked with reasons.

The WWC reviews an RD study against its own standards (Handbook v5.0, 2022, RDD
standards): the integrity of the forcing (running) variable, sample attrition, continuity
of the relation between outcome and forcing variable at the cutoff, and sensitivity to the
bandwidth and functional form; a fuzzy design also needs a strong first stage. This module
turns the numbers an RD analysis produces into a verdict and a reason for each standard and
an overall screening rating. It takes plain numbers (any RD estimator can feed it) and is
a screening aid, not a WWC review: a reviewer also weighs what the data cannot show (who
set the cutoff, whether another program uses the same line).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from improve.effects.wwc import HANDBOOK, Attrition, attrition

MET = "met"
RESERVATIONS = "met with reservations"
NOT_MET = "not met"
#: A first stage below this F statistic is weak (Stock & Yogo's rule of thumb).
MIN_FIRST_STAGE_F = 10.0
#: Significance level of the density, balance and placebo tests.
TEST_LEVEL = 0.05
#: Baseline differences (SD units) of the WWC baseline-equivalence rule: above the larger
#: fails, between the two needs statistical adjustment.
MAX_BASELINE_SD = 0.25
MIN_BASELINE_SD = 0.05


@dataclass(frozen=True)
class RDStandard:
    """One standard: its verdict and the reason in a sentence."""

    name: str
    verdict: str
    reason: str


@dataclass(frozen=True)
class RDStandardsCheck:
    """Every standard and the rating they add up to."""

    standards: tuple[RDStandard, ...]
    handbook: str = HANDBOOK

    @property
    def rating(self) -> str:
        verdicts = {s.verdict for s in self.standards}
        if NOT_MET in verdicts:
            return "Does not meet WWC RDD standards"
        if RESERVATIONS in verdicts:
            return "Meets WWC RDD standards with reservations"
        return "Meets WWC RDD standards without reservations"

    def table(self) -> pd.DataFrame:
        """One row per standard: ``standard, verdict, reason``."""
        return pd.DataFrame(
            [(s.name, s.verdict, s.reason) for s in self.standards],
            columns=["standard", "verdict", "reason"],
        )

    def summary(self) -> str:
        lines = [f"{self.rating} (screening against {self.handbook})", ""]
        lines += [f"- {s.name}: {s.verdict}. {s.reason}" for s in self.standards]
        return "\n".join(lines)


def forcing_variable_integrity(density_p_value: float, heaping: bool) -> RDStandard:
    """No sign that units sorted around the cutoff (density test, heaping at the line)."""
    name = "Integrity of the forcing variable"
    if density_p_value < TEST_LEVEL:
        return RDStandard(
            name,
            NOT_MET,
            (
                f"the density of the forcing variable jumps at the cutoff (p = "
                f"{density_p_value:.3f}): units may have been placed on the side they wanted"
            ),
        )
    if heaping:
        return RDStandard(
            name,
            RESERVATIONS,
            (
                f"the density test does not reject (p = {density_p_value:.3f}) but values "
                "heap exactly at the cutoff; the estimate without them (donut hole) should "
                "agree"
            ),
        )
    return RDStandard(
        name,
        MET,
        (
            f"the density test finds no jump at the cutoff (p = {density_p_value:.3f}) and "
            "values do not heap at the line; confirm the score could not be set with the "
            "cutoff in mind"
        ),
    )


def attrition_standard(attrition: Attrition) -> RDStandard:
    """Overall and differential attrition (outcome missing) below vs above the cutoff."""
    name = "Attrition"
    rates = (
        f"{attrition.overall:.1%} overall; {100 * attrition.differential:.1f} percentage "
        "points apart above and below the cutoff"
    )
    if attrition.level == "low":
        return RDStandard(name, MET, f"low attrition ({rates}, {attrition.boundary} boundary)")
    return RDStandard(
        name,
        RESERVATIONS,
        (
            f"high attrition ({rates}, {attrition.boundary} boundary): the analytic sample may "
            "differ from the units assigned by the cutoff"
        ),
    )


def continuity_standard(
    balance: Mapping[str, tuple[float, float]], placebo_p_values: Sequence[float] = ()
) -> RDStandard:
    """Baseline covariates and placebo cutoffs show no jumps where the program does not act.

    Parameters
    ----------
    balance : mapping covariate -> (effect size, p-value)
        Each covariate's jump at the cutoff in SD units and its robust p-value. After the
        WWC's baseline equivalence rule, a significant jump over 0.25 SD fails; one that is
        not significant, or a significant jump between 0.05 and 0.25 SD (which needs the
        covariate in the model), gives reservations. Significance is required because a
        local jump is far noisier than a difference in group means.
    placebo_p_values : sequence of float
        Robust p-values at placebo cutoffs; more rejections than chance gives reservations.
    """
    name = "Continuity of the outcome-forcing variable relation"
    if not balance:
        return RDStandard(
            name,
            RESERVATIONS,
            ("no baseline covariates were given, so continuity at the cutoff cannot be shown"),
        )
    large = {
        c: p for c, (es, p) in balance.items() if np.isfinite(es) and abs(es) > MAX_BASELINE_SD
    }
    if any(p < TEST_LEVEL for p in large.values()):
        shown = [c for c, p in large.items() if p < TEST_LEVEL]
        return RDStandard(
            name,
            NOT_MET,
            (
                f"baseline covariate(s) {', '.join(shown)} jump by more than {MAX_BASELINE_SD} SD "
                f"at the cutoff (p < {TEST_LEVEL}): units just above and below differ in more "
                "than the program"
            ),
        )
    if large:
        return RDStandard(
            name,
            RESERVATIONS,
            (
                f"the jump in baseline covariate(s) {', '.join(large)} is over {MAX_BASELINE_SD} "
                "SD but not statistically significant: too imprecise to show continuity"
            ),
        )
    adjust = [
        c
        for c, (es, p) in balance.items()
        if np.isfinite(es) and abs(es) > MIN_BASELINE_SD and p < TEST_LEVEL
    ]
    placebo = [p for p in placebo_p_values if np.isfinite(p)]
    rejected = sum(p < TEST_LEVEL for p in placebo)
    if adjust:
        return RDStandard(
            name,
            RESERVATIONS,
            (
                f"baseline covariate(s) {', '.join(adjust)} jump by {MIN_BASELINE_SD}-"
                f"{MAX_BASELINE_SD} SD at the cutoff (p < {TEST_LEVEL}); the estimate should "
                "adjust for them"
            ),
        )
    text = (
        f"none of {len(balance)} baseline covariates jumps by more than "
        f"{MIN_BASELINE_SD} SD with p < {TEST_LEVEL}"
    )
    if placebo and rejected > max(1, round(TEST_LEVEL * len(placebo))):
        return RDStandard(
            name,
            RESERVATIONS,
            (
                f"{text}, but {rejected} of {len(placebo)} placebo cutoffs show a jump where "
                "nothing changes"
            ),
        )
    if placebo:
        text += f"; {rejected} of {len(placebo)} placebo cutoffs show a jump"
    return RDStandard(name, MET, text)


def bandwidth_standard(
    main_estimate: float,
    estimates: Sequence[float],
    conf_lows: Sequence[float],
    conf_highs: Sequence[float],
    labels: Sequence[str],
) -> RDStandard:
    """The finding holds across bandwidths (and functional forms) near the chosen one.

    Each alternative (0.5× to 2× the bandwidth, a quadratic fit...) should have the main
    estimate's sign and a robust interval that contains the main estimate.
    """
    name = "Bandwidth and functional form"
    est = np.asarray(estimates, dtype=float)
    ok = np.isfinite(est)
    if not ok.any():
        return RDStandard(name, NOT_MET, "no sensitivity estimates could be computed")
    sign = np.sign(est[ok]) == np.sign(main_estimate)
    covers = (np.asarray(conf_lows, float)[ok] <= main_estimate) & (
        main_estimate <= np.asarray(conf_highs, float)[ok]
    )
    off = [
        lab for lab, s, c in zip(np.asarray(labels)[ok], sign, covers, strict=True) if not (s and c)
    ]
    if not off:
        return RDStandard(
            name,
            MET,
            (
                f"all {int(ok.sum())} alternatives ({', '.join(map(str, labels))}) agree in sign "
                "and their robust intervals contain the main estimate"
            ),
        )
    return RDStandard(
        name,
        RESERVATIONS,
        (
            f"the estimate changes with {', '.join(map(str, off))}: the finding depends on how "
            "much data around the cutoff is used or on the fitted curve"
        ),
    )


def first_stage_standard(first_stage_f: float) -> RDStandard:
    """A fuzzy design's take-up jumps clearly at the cutoff."""
    name = "First stage (fuzzy design)"
    if first_stage_f >= MIN_FIRST_STAGE_F:
        return RDStandard(
            name, MET, f"take-up jumps clearly at the cutoff (F = {first_stage_f:.1f})"
        )
    return RDStandard(
        name,
        NOT_MET,
        (
            f"take-up barely changes at the cutoff (F = {first_stage_f:.1f}, below "
            f"{MIN_FIRST_STAGE_F:g}): the effect of receiving the program is not identified well"
        ),
    )


def wwc_rd_standards(*standards: RDStandard) -> RDStandardsCheck:
    """Collect the standards checked (the functions above) into a rating."""
    return RDStandardsCheck(tuple(standards))


def rd_standards_check(evaluation: Any, boundary: str = "cautious") -> RDStandardsCheck:
    """The standards for a threshold evaluation (``improve.rd.evaluation.RDEvaluation``).

    Reads its density test and heaping flag, attrition counts (units with the outcome among
    those on each side), covariate balance and placebo p-values, bandwidth and
    functional-form sensitivity and, in a fuzzy design, the first-stage F statistic.
    """
    above_start, above_end, below_start, below_end = evaluation.attrition_counts
    lost = attrition(
        above_start,
        above_end,
        below_start,
        below_end,
        boundary=boundary,
        source="units on each side of the cutoff without the outcome",
    )
    table = evaluation.balance
    balance = {
        str(row["covariate"]): (float(row["effect_size"]), float(row["robust_p_value"]))
        for _, row in table.iterrows()
    }
    sens = evaluation.sensitivity_rows()
    items = [
        forcing_variable_integrity(evaluation.density.p_value, evaluation.heaping),
        attrition_standard(lost),
        continuity_standard(balance, list(evaluation.placebo.get("robust_p_value", []))),
        bandwidth_standard(
            evaluation.main.estimate,
            sens["estimate"],
            sens["robust_conf_low"],
            sens["robust_conf_high"],
            list(sens["label"]),
        ),
    ]
    if evaluation.main.first_stage_f is not None:
        items.append(first_stage_standard(evaluation.main.first_stage_f))
    return wwc_rd_standards(*items)
