"""Plain-language sentences built from numbers, never overstating what the design supports."""

from __future__ import annotations

import math
from collections.abc import Mapping


def _fmt(value: float, decimals: int) -> str:
    text = f"{abs(value):.{decimals}f}"
    return ("−" + text) if value < 0 and float(text) != 0 else text


def effect_sentence(
    estimate: float,
    conf_low: float,
    conf_high: float,
    *,
    outcome: str,
    units: str = "SD",
    level: float = 0.95,
    treated: str = "treated units",
    comparison: str = "comparison units",
    timing: str | None = None,
    decimals: int = 2,
) -> str:
    """One sentence describing an estimated difference and its interval.

    The wording says "were … higher/lower than", not "caused", and states the interval at its
    level; when the interval includes zero the sentence says the data are consistent with no
    difference.

    Examples
    --------
    ``effect_sentence(0.12, 0.07, 0.17, outcome="math scores", treated="grant schools",
    comparison="schools not yet funded", timing="Two years after the grant began")`` gives
    "Two years after the grant began, math scores in grant schools were 0.12 SD higher
    (95% CI 0.07 to 0.17) than in schools not yet funded."
    """
    if any(math.isnan(v) for v in (estimate, conf_low, conf_high)):
        return f"The {outcome} difference could not be estimated from these data."
    pct = f"{level:.0%}"
    unit_text = f" {units}" if units else ""
    direction = "higher" if estimate > 0 else "lower" if estimate < 0 else "no different"
    lead = f"{timing}, " if timing else ""
    subject = f"{outcome} in {treated}"
    if lead:
        subject = subject[0].lower() + subject[1:]
    else:
        subject = subject[0].upper() + subject[1:]
    ci = f"{pct} CI {_fmt(conf_low, decimals)} to {_fmt(conf_high, decimals)}"
    if direction == "no different":
        core = f"{lead}{subject} were no different ({ci}) from those in {comparison}."
    else:
        core = (
            f"{lead}{subject} were {_fmt(estimate, decimals)}{unit_text} {direction} "
            f"({ci}) than in {comparison}."
        )
    if conf_low <= 0 <= conf_high:
        core += (
            f" The {pct} confidence interval includes zero, so the data are also consistent "
            "with no difference."
        )
    return core


def comparison_phrase(control_group: str, unit_label: str = "schools", program: str = "it") -> str:
    """Who the treated units are compared with, in words."""
    if control_group == "notyettreated":
        return f"{unit_label} that had not yet received {program}"
    return f"{unit_label} that never received {program}"


def did_summary_sentence(
    overall: Mapping[str, float],
    *,
    outcome_label: str,
    control_group: str,
    units: str,
    level: float,
    unit_label: str = "schools",
    program: str = "the program",
) -> str:
    """Summary sentence for an overall (simple) ATT from a difference-in-differences.

    ``overall`` holds ``estimate``, ``conf_low`` and ``conf_high`` (e.g. a row of
    ``aggregate(..., type="simple").tidy()``, possibly in SD units). The sentence describes
    a difference between groups in the years after the program began, the quantity the
    design identifies under parallel trends; it does not claim causation.
    """
    return effect_sentence(
        float(overall["estimate"]),
        float(overall["conf_low"]),
        float(overall["conf_high"]),
        outcome=outcome_label,
        units=units,
        level=level,
        treated=f"{unit_label} that received {program}",
        comparison=comparison_phrase(control_group, unit_label),
        timing=f"Averaged over the years after {program} began",
    )
