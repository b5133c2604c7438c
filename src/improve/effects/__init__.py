"""Effect sizes and evidence conventions for education audiences.

* :mod:`improve.effects.size`: any estimate in SD units with the SD choice reported.
* :mod:`improve.effects.wwc`: What Works Clearinghouse conventions (Handbook v5.0, 2022):
  Hedges' g, clustering, Cox index, DiD effect size, improvement index, baseline
  equivalence, attrition boundaries, study rating.
* :mod:`improve.effects.multiple`: Benjamini-Hochberg within an outcome domain.
* :mod:`improve.effects.essa`: ESSA evidence tier with reasons.
* :mod:`improve.effects.power`: MDES and schools needed for planning.
"""

from typing import Any

from improve.effects import wwc
from improve.effects._rules import rules
from improve.effects.essa import EssaTier, essa_tier
from improve.effects.multiple import BHResult, benjamini_hochberg, bh_within_domains
from improve.effects.power import MDESResult, SampleSize, mdes, multiplier, power_at, schools_needed
from improve.effects.size import OutcomeSD, effect_record, outcome_sd, to_sd_units
from improve.effects.wwc import (
    HANDBOOK,
    HANDBOOK_CITATION,
    Attrition,
    BaselineEquivalence,
    ClusterCorrectedTest,
    EffectSize,
    WWCRating,
    attrition,
    attrition_boundary,
    attrition_table,
    baseline_equivalence,
    cluster_adjusted_g,
    cluster_corrected_test,
    cluster_df,
    cox_index,
    default_icc,
    did_effect_size,
    hedges_g,
    hedges_g_from_samples,
    improvement_index,
    panel_attrition,
    pre_period_equivalence,
    small_sample_correction,
    standardized_effects,
    wwc_rating,
)

__all__ = [
    "HANDBOOK",
    "HANDBOOK_CITATION",
    "Attrition",
    "BHResult",
    "BaselineEquivalence",
    "ClusterCorrectedTest",
    "EffectSize",
    "EssaTier",
    "MDESResult",
    "OutcomeSD",
    "SampleSize",
    "WWCRating",
    "attrition",
    "attrition_boundary",
    "attrition_table",
    "baseline_equivalence",
    "benjamini_hochberg",
    "bh_within_domains",
    "cluster_adjusted_g",
    "cluster_corrected_test",
    "cluster_df",
    "cox_index",
    "default_icc",
    "did_effect_size",
    "essa_tier",
    "hedges_g",
    "hedges_g_from_samples",
    "improvement_index",
    "mdes",
    "multiplier",
    "outcome_sd",
    "panel_attrition",
    "power_at",
    "pre_period_equivalence",
    "rules",
    "schools_needed",
    "small_sample_correction",
    "standardized_effects",
    "to_sd_units",
    "effect_record",
    "wwc_rating",
]


def __getattr__(name: str) -> Any:
    """Deprecated names (``ClusterCorrection``: :class:`ClusterCorrectedTest`)."""
    if name in wwc.RENAMED:
        return wwc.renamed_object(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
