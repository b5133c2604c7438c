"""Plain-language sentences built from numbers, never overstating what the design supports."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from improve.report.numbers import format_number, log_percent
from improve.report.permutation_text import permutation_wording


def _fmt(value: float, decimals: int | None) -> str:
    if decimals is None:
        return format_number(value, sentence=True)
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
    decimals: int | None = 2,
) -> str:
    """One sentence describing an estimated difference and its interval.

    The wording says "were … higher/lower than", not "caused", and states the interval at its
    level; when the interval includes zero the sentence says the data are consistent with no
    difference. ``decimals=None`` writes numbers to three significant digits
    (:func:`improve.report.numbers.format_number`).

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
    decimals: int | None = 2,
    permutation: Any = None,
) -> str:
    """Summary sentence for an overall (simple) ATT from a difference-in-differences.

    ``overall`` holds ``estimate``, ``conf_low`` and ``conf_high`` (e.g. a row of
    ``aggregate(..., type="simple").tidy()``, possibly in SD units). The sentence describes
    a difference between groups in the years after the program began, the quantity the
    design identifies under parallel trends; it does not claim causation.

    ``permutation`` (a :class:`improve.inference.PermutationResult`) replaces the interval:
    with one or a few treated clusters the interval is not valid inference, so the sentence
    gives the difference and the permutation p-value instead.
    """
    if permutation is not None:
        estimate = float(overall["estimate"])
        direction = "higher" if estimate > 0 else "lower"
        unit_text = f" {units}" if units else ""
        return (
            f"Averaged over the years after {program} began, {outcome_label} in {unit_label} "
            f"that received {program} were {_fmt(abs(estimate), decimals)}{unit_text} "
            f"{direction} than in {comparison_phrase(control_group, unit_label)}. "
            + permutation_wording(permutation, "sentence", alpha=1 - level)
        )
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
        decimals=decimals,
    )


def did_question(outcomes: list[str], labels: Any, control_group: str) -> str:
    """The question a DiD report answers, in the data's own words.

    E.g. "Did teen employment change in counties after the minimum-wage increase began,
    compared with counties that had not yet received it?"
    """
    names = [labels.outcome(o) for o in outcomes]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    comparison = comparison_phrase(control_group, labels.unit_plural, "it")
    return (
        f"**The question:** did {listed} change in {labels.unit_plural} after "
        f"{labels.program} began, compared with {comparison}?"
    )


def log_effect_sentence(outcome_label: str, estimate: float) -> str:
    """For an outcome in logs: the effect in log points and in approximate percent.

    ``100·(exp(b) − 1)`` percent; e.g. −0.0414 log points is about −4.1%.
    """
    if not math.isfinite(float(estimate)):
        return ""
    pct = format_number(log_percent(float(estimate)), digits=2, sentence=True)
    return (
        f"On {outcome_label} itself (a log scale) the average effect is "
        f"{format_number(float(estimate), sentence=True)} log points, about {pct}%."
    )


def diagnostics_paragraph(
    comparison: Any,
    pretests: Any,
    *,
    robust: list[str],
    reference: str | None = None,
    breakdown_rm: float | None = None,
    breakdown_sd: float | None = None,
    units: str = "points",
    alpha: float = 0.05,
) -> str:
    """A short paragraph on agreement between estimators, pre-trends and robustness.

    Parameters
    ----------
    comparison : pandas.DataFrame
        :func:`improve.did.event_study_comparison.compare_event_studies` output.
    pretests : pandas.DataFrame
        :func:`improve.did.pretest.pretrend_table` output.
    robust : list of str
        Labels of the heterogeneity-robust estimators in ``comparison``.
    reference : str, optional
        Label of the two-way fixed-effects event study, compared with the robust average.
    breakdown_rm, breakdown_sd : float, optional
        Largest M-bar (relative magnitudes) and M (smoothness) at which the first
        post-period effect stays significant; NaN when it is not significant even at 0.
    """
    post = comparison.loc[comparison["event_time"] >= 0]
    sentences = []
    robust_rows = post.loc[post["estimator"].isin(robust)]
    if len(robust_rows):
        spread = robust_rows.groupby("event_time")["estimate"].agg(lambda s: s.max() - s.min())
        last = int(robust_rows["event_time"].max())
        sentences.append(
            f"After treatment began, the {len(robust)} heterogeneity-robust estimators agree to "
            f"within {spread.max():.2f} {units} at every event time from 0 to {last}."
        )
        if reference is not None:
            mean = robust_rows.groupby("event_time")["estimate"].mean()
            ref = post.loc[post["estimator"] == reference].set_index("event_time")["estimate"]
            gap = (ref - mean.reindex(ref.index)).abs().max()
            if np.isfinite(gap):
                sentences.append(
                    f"Two-way fixed effects differs from their average by up to {gap:.2f} {units}."
                )
    rejected = pretests.loc[pretests["p_value"] < alpha, "estimator"].tolist()
    if rejected:
        sentences.append(
            f"The joint test of no pre-trends rejects at the {alpha:.0%} level for "
            f"{', '.join(rejected)}: parallel trends is doubtful and the estimates may be biased."
        )
    elif pretests["p_value"].notna().any():
        sentences.append(
            f"No joint pre-trend test rejects at the {alpha:.0%} level (smallest p = "
            f"{pretests['p_value'].min():.2f}); a passed pre-test is weak evidence, as its power "
            "against gradual trends is limited."
        )
    untested = pretests.loc[pretests["p_value"].isna(), "estimator"].tolist()
    if untested:
        sentences.append(
            f"No joint pre-trend test is reported for {', '.join(untested)}: the clustered "
            "covariance has fewer effective degrees of freedom than pre-treatment estimates."
        )
    if breakdown_rm is not None:
        if np.isfinite(breakdown_rm):
            sentences.append(
                f"The first-year effect stays significant if post-treatment violations of "
                f"parallel trends are up to {breakdown_rm:g} times the largest pre-treatment "
                "violation (relative magnitudes)."
            )
        else:
            sentences.append(
                "Even small violations of parallel trends could explain the first-year effect: "
                "it is not robust under the relative-magnitudes restriction."
            )
    if breakdown_sd is not None and np.isfinite(breakdown_sd):
        if breakdown_sd > 0:
            sentences.append(
                f"Under the smoothness restriction it stays significant if the trend may bend "
                f"by up to {breakdown_sd:g} {units} per period."
            )
        else:
            sentences.append(
                "Under the smoothness restriction it is significant only if the pre-treatment "
                "trend continues exactly (M = 0)."
            )
    return " ".join(sentences)
