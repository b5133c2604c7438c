"""What Works Clearinghouse conventions for effect sizes, equivalence, attrition and clustering.

Every formula here follows the *What Works Clearinghouse Procedures and Standards Handbook,
Version 5.0* (2022) and, where that handbook carries a convention forward unchanged, the
Version 4.1 handbooks (2020). Thresholds (baseline equivalence cut-offs, default ICCs, the
attrition boundaries) are read from the versioned data file
``improve/effects/data/wwc_handbook_v5.json``, which also holds their sources; results carry
the handbook reference in ``handbook`` so every table can cite it.

Modules
-------
* :mod:`~improve.effects.wwc.handbook`: the handbook citation, version and rule lookup.
* :mod:`~improve.effects.wwc.effect_sizes`: Hedges' g with the small-sample correction
  ``omega = 1 - 3 / (4N - 9)`` and its variance; cluster adjustment of g, its variance and
  degrees of freedom (Hedges 2007; WWC v5.0 Eq. E.21 for ``h``) and the WWC clustering
  correction of a significance test (v4.1 Procedures Handbook Appendix F, carried into
  v5.0); the Cox index for yes/no outcomes, the difference-in-differences effect size and
  the improvement index ``100 * Phi(g) - 50``.
* :mod:`~improve.effects.wwc.equivalence`: baseline equivalence (<= 0.05 satisfied;
  0.05-0.25 requires statistical adjustment; > 0.25 not satisfied).
* :mod:`~improve.effects.wwc.sample_attrition`: overall / differential attrition against
  the cautious and optimistic boundaries.
* :mod:`~improve.effects.wwc.rating`: a group-design study rating built from those checks
  (:func:`wwc_rating`).
* :mod:`~improve.effects.wwc.standardized`: any tidy estimate on the WWC effect-size scale.

Every public name is importable from ``improve.effects.wwc`` itself.
"""

from __future__ import annotations

import warnings
from typing import Any

from improve.effects.wwc.effect_sizes import (
    ClusterCorrectedTest,
    EffectSize,
    cluster_adjusted_g,
    cluster_corrected_test,
    cluster_df,
    cox_index,
    default_icc,
    did_effect_size,
    hedges_g,
    hedges_g_from_samples,
    hedges_g_variance,
    improvement_index,
    pooled_sd,
    small_sample_correction,
)
from improve.effects.wwc.equivalence import (
    BaselineEquivalence,
    baseline_equivalence,
    pre_period_equivalence,
)
from improve.effects.wwc.handbook import (
    HANDBOOK,
    HANDBOOK_CITATION,
    HANDBOOK_VERSION,
    TIDY_COLUMNS,
    Boundary,
    EquivalenceCategory,
)
from improve.effects.wwc.rating import WWCRating, normalize_design, wwc_rating
from improve.effects.wwc.sample_attrition import (
    Attrition,
    AttritionBoundaryCheck,
    attrition,
    attrition_boundary,
    attrition_table,
    panel_attrition,
)
from improve.effects.wwc.standardized import standardized_effects

__all__ = [
    "HANDBOOK",
    "HANDBOOK_CITATION",
    "HANDBOOK_VERSION",
    "TIDY_COLUMNS",
    "Attrition",
    "AttritionBoundaryCheck",
    "BaselineEquivalence",
    "Boundary",
    "ClusterCorrectedTest",
    "EffectSize",
    "EquivalenceCategory",
    "WWCRating",
    "attrition",
    "attrition_boundary",
    "attrition_table",
    "baseline_equivalence",
    "cluster_adjusted_g",
    "cluster_corrected_test",
    "cluster_df",
    "cox_index",
    "default_icc",
    "did_effect_size",
    "hedges_g",
    "hedges_g_from_samples",
    "hedges_g_variance",
    "improvement_index",
    "normalize_design",
    "panel_attrition",
    "pooled_sd",
    "pre_period_equivalence",
    "small_sample_correction",
    "standardized_effects",
    "wwc_rating",
]


#: Old names of renamed objects, importable for one release with a DeprecationWarning.
RENAMED = {"ClusterCorrection": "ClusterCorrectedTest"}


def renamed_object(name: str) -> Any:
    """The object behind a deprecated name of :data:`RENAMED`, with a DeprecationWarning.

    Called from a module's ``__getattr__``, so the warning points at the caller's code.
    """
    new = RENAMED[name]
    warnings.warn(
        f"improve.effects.{name} was renamed {new} ({name} is the DiD cluster-correction "
        "option type in improve.inference); the old name will be removed",
        DeprecationWarning,
        stacklevel=3,
    )
    return globals()[new]


def __getattr__(name: str) -> Any:
    """Deprecated names (:data:`RENAMED`)."""
    if name in RENAMED:
        return renamed_object(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
