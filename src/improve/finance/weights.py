"""Need weights: how many "pupils" a student with a given need counts as.

A need-weighted pupil count is ``enrollment + Σ_k weight_k × count_k``: a weight of 0.25
for poverty means each student in poverty counts as 1.25 pupils. Dividing spending by it
gives spending per need-weighted pupil, which is equal across schools when money follows
need at exactly these weights.

The default set (:data:`DEFAULT_NEED_WEIGHTS`) and its sources:

``poverty`` = 0.25
    Tennessee Investment in Student Achievement (TISA) weighted allocation for an
    economically disadvantaged student (Tenn. Code Ann. § 49-3-105(b); Tenn. Comp. R. &
    Regs. 0520-12-05-.04(3)(a), "twenty-five percent").
``english_learners`` = 0.20
    TISA unique-learning-needs level 2, which covers English Learner Tier I (Tenn. Comp. R.
    & Regs. 0520-12-05-.04(3)(e)2; higher tiers carry 50% and 70%). The lowest tier is used
    because most files give only a count of English learners.
``disabilities`` = 0.90
    Spending on a student with a disability is about 1.9 times that on a student in
    regular education (Chambers, Parrish & Harr 2002, *What Are We Spending on Special
    Education Services in the United States, 1999–2000?*, Special Education Expenditure
    Project, American Institutes for Research; the factor Education Week's Quality Counts
    uses to adjust spending for need).

These are defaults to start a conversation, not findings: a state's own formula weights
are the natural choice, and the workbook takes any weights as a parameter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from improve.errors import SpecError

#: Default extra weight per student with each need (see the module notes for sources).
DEFAULT_NEED_WEIGHTS: dict[str, float] = {
    "poverty": 0.25,
    "english_learners": 0.20,
    "disabilities": 0.90,
}

#: Where each default weight comes from (shown in reports beside the weights used).
DEFAULT_WEIGHT_SOURCES: dict[str, str] = {
    "poverty": "Tennessee TISA economically disadvantaged weight (25%)",
    "english_learners": "Tennessee TISA English Learner Tier I weight (20%)",
    "disabilities": "Chambers, Parrish & Harr (2002): special education costs 1.9 times",
}


@dataclass(frozen=True)
class NeedWeights:
    """Extra weight per student with each need, and where the weights come from.

    Parameters
    ----------
    weights : mapping of str to float
        Need name (as in the column map's ``needs:``) to extra weight (≥ 0).
    source : str
        "default" or "user".
    """

    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_NEED_WEIGHTS))
    source: str = "default"

    def __post_init__(self) -> None:
        for name, value in self.weights.items():
            if not isinstance(value, int | float) or not np.isfinite(value) or value < 0:
                raise SpecError(
                    f"need weight '{name}' is {value!r}; give a number of at least 0 "
                    "(0.25 means a student with this need counts as 1.25 pupils)"
                )

    @classmethod
    def from_parameter(cls, value: Mapping[str, float] | None) -> NeedWeights:
        """Weights from a workbook parameter: empty or None gives the default set."""
        if not value:
            return cls()
        return cls(weights={str(k): float(v) for k, v in value.items()}, source="user")

    def table(self, needs: list[str] | None = None) -> pd.DataFrame:
        """The weights used, one row per need, with their source."""
        names = needs if needs is not None else list(self.weights)
        rows = []
        for name in names:
            source = (
                DEFAULT_WEIGHT_SOURCES.get(name, "not in the default set: weight 0")
                if self.source == "default"
                else "set by the user"
            )
            rows.append(
                {"need": name, "weight": float(self.weights.get(name, 0.0)), "source": source}
            )
        return pd.DataFrame(rows)

    def weighted_pupils(self, enrollment: pd.Series, counts: pd.DataFrame) -> pd.Series:
        """``enrollment + Σ weight × count`` for each row (needs absent from ``counts``
        add nothing)."""
        total = enrollment.astype(float).copy()
        for name, weight in self.weights.items():
            if name in counts.columns and weight:
                total = total + weight * counts[name].astype(float)
        return total
