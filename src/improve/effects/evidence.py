"""The evidence summary: every outcome's effect in natural and SD units, with the WWC checks,
multiple-comparison-adjusted significance and the ESSA tier they imply."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from improve._deprecation import warn_renamed
from improve.effects.essa import EssaTier, essa_tier
from improve.effects.multiple import bh_within_domains
from improve.effects.size import OutcomeSD, outcome_sd
from improve.effects.wwc import (
    HANDBOOK,
    Attrition,
    WWCRating,
    improvement_index,
    panel_attrition,
    pre_period_equivalence,
    wwc_rating,
)

Direction = Literal["higher", "lower"]


@dataclass(frozen=True)
class EvidenceSummary:
    """One row per outcome plus the study-level WWC rating and ESSA tier.

    Attributes
    ----------
    table : pandas.DataFrame
        Per outcome: domain, natural-unit estimate and CI, SD used, effect size and CI,
        improvement index, p-value and its Benjamini–Hochberg adjustment within the domain,
        favourable direction, baseline equivalence, attrition.
    rating : WWCRating
    tier : EssaTier
    sds : dict
        Outcome -> the :class:`OutcomeSD` used.
    handbook : str
    """

    table: pd.DataFrame
    rating: WWCRating
    tier: EssaTier
    sds: dict[str, OutcomeSD]
    handbook: str = HANDBOOK

    def reasons(self) -> list[str]:
        """Why the study gets its WWC rating and ESSA tier, in order."""
        return [*self.rating.reasons, *self.tier.reasons]


def evidence_summary(
    panel: Any,
    overall: Mapping[str, Mapping[str, float]],
    *,
    domains: Mapping[str, str],
    better: Mapping[str, Direction],
    design: str = "staggered_did",
    sd_kind: Literal["comparison_pre", "pooled_pre"] = "comparison_pre",
    confidence_level: float = 0.95,
    baseline_period: int | None = None,
    followup_period: int | None = None,
    alpha: float | None = None,
) -> EvidenceSummary:
    """Assemble the evidence summary from each outcome's overall estimate.

    Parameters
    ----------
    panel : Panel
        The analysis panel (for SDs, baseline equivalence and attrition).
    overall : mapping outcome -> mapping
        Each outcome's overall estimate with ``estimate``, ``std_error``, ``conf_low``,
        ``conf_high`` and ``p_value`` (e.g. a row of ``aggregate(..., "simple").tidy()``).
    domains : mapping outcome -> str
        WWC outcome domain of each outcome (BH is applied within a domain).
    better : mapping outcome -> "higher" | "lower"
        Which direction is favourable (e.g. ``"lower"`` for chronic absenteeism).
    design : str
        Study design for the WWC rating and ESSA tier (a staggered DiD is quasi-experimental).
    sd_kind : str
        SD used for effect sizes (see :func:`improve.effects.outcome_sd`).
    confidence_level : float
        The Benjamini-Hochberg false discovery rate within a domain is
        ``1 - confidence_level`` (0.95 gives 0.05).
    baseline_period, followup_period : int, optional
        Periods for panel attrition (default: first and last period).
    alpha : float, optional
        Deprecated: the false discovery rate itself; give ``confidence_level`` instead.
    """
    if alpha is not None:
        warn_renamed("alpha", "confidence_level")
    else:
        alpha = round(1.0 - confidence_level, 12)  # 0.95 gives exactly 0.05
    spec = panel.spec
    data = panel.data
    periods = panel.periods
    base = baseline_period if baseline_period is not None else periods[0]
    follow = followup_period if followup_period is not None else periods[-1]
    treated = (data[spec.cohort] > 0).astype(int)
    frame = data.assign(_treated=treated)
    rows = []
    sds: dict[str, OutcomeSD] = {}
    baselines = []
    attritions: list[Attrition] = []
    for outcome, est in overall.items():
        sd = outcome_sd(panel, outcome, sd_kind)
        sds[outcome] = sd
        _, equivalence = pre_period_equivalence(panel, outcome)
        baselines.append(equivalence)
        lost = panel_attrition(
            frame,
            unit=spec.unit,
            time=spec.time,
            treated="_treated",
            outcome=outcome,
            baseline=base,
            followup=follow,
        )
        attritions.append(lost)
        g = float(est["estimate"]) / sd.value
        direction = better.get(outcome, "higher")
        favourable = g > 0 if direction == "higher" else g < 0
        rows.append(
            {
                "outcome": outcome,
                "domain": domains.get(outcome, outcome),
                "estimate": float(est["estimate"]),
                "conf_low": float(est["conf_low"]),
                "conf_high": float(est["conf_high"]),
                "sd": sd.value,
                "effect_size": g,
                "es_conf_low": float(est["conf_low"]) / sd.value,
                "es_conf_high": float(est["conf_high"]) / sd.value,
                "improvement_index": float(improvement_index(g if direction == "higher" else -g)),
                "p_value": float(est["p_value"]),
                "favourable": bool(favourable),
                "baseline_effect_size": equivalence.effect_size,
                "baseline_equivalence": equivalence.category,
                "attrition_overall": lost.overall,
                "attrition_differential": lost.differential,
                "attrition_level": lost.cautious.level,
            }
        )
    table = pd.DataFrame(rows)
    table = bh_within_domains(table, domain="domain", p_value="p_value", alpha=alpha)
    worst = max(attritions, key=lambda a: a.overall) if attritions else None
    rating = wwc_rating(design, attrition=worst, baseline=baselines)
    significant = table["significant_bh"].astype(bool)
    n_sites = int(data[spec.cluster].nunique()) if spec.cluster else 1
    tier = essa_tier(
        design,
        wwc=rating,
        significant=bool((significant & table["favourable"]).any()),
        favorable=bool((significant & table["favourable"]).any()),
        overriding_negative_evidence=bool((significant & ~table["favourable"]).any()),
        n_participants=int(data[spec.unit].nunique()),
        n_sites=n_sites,
        controls_for_selection=True,
    )
    return EvidenceSummary(table=table, rating=rating, tier=tier, sds=sds)
