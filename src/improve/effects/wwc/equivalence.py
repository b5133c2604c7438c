"""WWC baseline equivalence of a baseline measure (or the pre-period outcome)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from improve.effects.wwc.effect_sizes import EffectSize, hedges_g_from_samples
from improve.effects.wwc.handbook import HANDBOOK, _handbook
from improve.errors import EstimationError, SpecError


@dataclass(frozen=True)
class BaselineEquivalence:
    """WWC baseline-equivalence verdict for one baseline measure.

    Attributes
    ----------
    effect_size : float
        Baseline difference in SD units (Hedges' g or Cox index).
    category : {"satisfied", "requires_adjustment", "not_satisfied"}
    adjusted : bool
        Whether the impact model adjusts for this baseline measure.
    met : bool
        Equivalence is established: satisfied, or requires adjustment and ``adjusted``.
    reason : str
        Sentence explaining the verdict with the thresholds used.
    """

    effect_size: float
    category: str
    adjusted: bool
    met: bool
    reason: str
    measure: str = "pre-period outcome"
    handbook: str = HANDBOOK

    def tidy(self) -> pd.DataFrame:
        """One row: measure, effect size, category, met and the reason."""
        return pd.DataFrame(
            [
                {
                    "term": self.measure,
                    "estimate": self.effect_size,
                    "category": self.category,
                    "adjusted": self.adjusted,
                    "met": self.met,
                    "reason": self.reason,
                    "handbook": self.handbook,
                }
            ]
        )


def baseline_equivalence(
    effect_size: float | EffectSize,
    *,
    adjusted: bool = False,
    measure: str = "pre-period outcome",
) -> BaselineEquivalence:
    """Classify a baseline difference under the WWC thresholds.

    ``|g| <= 0.05`` satisfied; ``0.05 < |g| <= 0.25`` satisfied only with statistical
    adjustment for the measure; ``|g| > 0.25`` not satisfied (WWC v5.0; thresholds read
    from the handbook data file).

    Parameters
    ----------
    effect_size : float or EffectSize
        Baseline difference in SD units (Hedges' g, or Cox index for yes/no measures).
    adjusted : bool
        Whether the impact model adjusts for this measure (e.g. a DiD or a regression on
        the pre-period outcome).
    measure : str
        Name of the baseline measure, for the reason text.
    """
    value = effect_size.estimate if isinstance(effect_size, EffectSize) else float(effect_size)
    if not np.isfinite(value):
        raise EstimationError(
            f"the baseline effect size for {measure} is missing; compute it from the "
            "pre-period outcome before rating equivalence"
        )
    rules = _handbook()["baseline_equivalence"]
    lo, hi = float(rules["satisfied_max"]), float(rules["adjustment_max"])
    size = abs(value)
    if size <= lo:
        category, met = "satisfied", True
        why = f"|{value:.3f}| <= {lo}: baseline equivalence satisfied"
    elif size <= hi:
        category, met = "requires_adjustment", bool(adjusted)
        why = (
            f"{lo} < |{value:.3f}| <= {hi}: equivalence requires statistical adjustment "
            f"for {measure}; "
            + ("the analysis adjusts for it" if adjusted else "the analysis does not adjust")
        )
    else:
        category, met = "not_satisfied", False
        why = f"|{value:.3f}| > {hi}: baseline equivalence not satisfied"
    return BaselineEquivalence(
        effect_size=value,
        category=category,
        adjusted=bool(adjusted),
        met=met,
        reason=why,
        measure=measure,
    )


def pre_period_equivalence(
    panel: object,
    outcome: str,
    *,
    adjusted: bool = True,
) -> tuple[EffectSize, BaselineEquivalence]:
    """Baseline equivalence of the pre-period outcome between treated and comparison units.

    Each unit's outcome is averaged over the periods before the earliest cohort starts;
    Hedges' g compares ever-treated units (cohort > 0) with never-treated units (cohort 0).

    Parameters
    ----------
    panel : Panel
        Loaded panel with treatment timing.
    outcome : str
    adjusted : bool
        Whether the impact model adjusts for the pre-period outcome. A difference-in-
        differences or event-study estimate does (its comparison is of changes), which is
        the default.
    """
    spec = panel.spec  # type: ignore[attr-defined]
    data: pd.DataFrame = panel.data  # type: ignore[attr-defined]
    if spec.cohort is None:
        raise SpecError("baseline equivalence needs treatment timing (cohort) in the panel")
    if outcome not in data.columns:
        raise SpecError(f"outcome column {outcome!r} is not in the panel")
    cohort = data[spec.cohort]
    treated_any = (cohort > 0).any()
    if not treated_any or not (cohort == 0).any():
        raise EstimationError(
            "baseline equivalence needs both treated (cohort > 0) and never-treated "
            "(cohort 0) units"
        )
    first = cohort[cohort > 0].min()
    pre = data.loc[data[spec.time] < first]
    if pre.empty:
        raise EstimationError(
            f"no periods before the first cohort ({first}); baseline equivalence cannot "
            "be checked without a pre-period"
        )
    means = pre.groupby(spec.unit, observed=True).agg(y=(outcome, "mean"), c=(spec.cohort, "max"))
    g = hedges_g_from_samples(
        means.loc[means["c"] > 0, "y"], means.loc[means["c"] == 0, "y"], term=outcome
    )
    return g, baseline_equivalence(g, adjusted=adjusted, measure=f"pre-period {outcome}")
