"""How units are named in a report: by name when the map says names are public, else by number.

A synthetic-control report shows comparison units (their weights, the estimate without each
of them). States are public, and a map says so with ``public_names: [units]``; districts or
schools pooled across states may not be. Without that declaration the report names no unit:
comparison units become "comparison district 1, 2, ..." in order of their weight, and the
treated units "the treated district" (or the map's ``labels: treated:`` wording).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class UnitNames:
    """Display names of the treated and comparison units of one evaluation.

    Parameters
    ----------
    public : bool
        Names may appear (the map's ``public_names: [units]``).
    treated : sequence
        Treated unit identifiers.
    comparison_weights : pandas.Series
        Comparison units' weights (index: unit identifiers); numbering follows the weights,
        largest first, ties by identifier.
    unit_label : str
        What a unit is called ("state", "district").
    treated_label : str, optional
        The map's wording for the treated unit(s), used instead of a generic phrase.
    """

    public: bool
    treated: Sequence[Any]
    comparison_weights: pd.Series
    unit_label: str = "unit"
    treated_label: str | None = None
    _mapping: dict[Any, str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        weights = self.comparison_weights
        if self.public:
            mapping = {u: str(u) for u in weights.index}
        else:
            order = sorted(weights.index, key=lambda u: (-float(weights[u]), str(u)))
            mapping = {u: f"comparison {self.unit_label} {i}" for i, u in enumerate(order, 1)}
        object.__setattr__(self, "_mapping", mapping)

    @classmethod
    def for_evaluation(cls, evaluation: Any, panel: Any, labels: Any) -> UnitNames:
        """Names for a :class:`improve.synth.evaluation.MandateEvaluation` on ``panel``."""
        spec = getattr(panel, "spec", None)
        public = bool(spec is not None and spec.names_public("units"))
        treated_label = getattr(getattr(spec, "labels", None), "treated", None) or None
        return cls(
            public=public,
            treated=list(evaluation.design.treated),
            comparison_weights=evaluation.main.omega,
            unit_label=labels.unit,
            treated_label=treated_label,
        )

    @property
    def treated_name(self) -> str:
        """The treated unit(s) in words."""
        if self.treated_label:
            return self.treated_label
        if self.public:
            return ", ".join(map(str, self.treated))
        n = len(self.treated)
        return f"the treated {self.unit_label}" if n == 1 else f"the {n} treated {self.unit_label}s"

    def comparison(self, unit: Any) -> str:
        """A comparison unit's display name."""
        return self._mapping.get(
            unit, str(unit) if self.public else f"a comparison {self.unit_label}"
        )

    def weights(self, weights: pd.Series) -> pd.Series:
        """``weights`` re-indexed by display names."""
        return pd.Series(
            weights.to_numpy(), index=[self.comparison(u) for u in weights.index], name=weights.name
        )

    def column(self, table: pd.DataFrame, column: str, keep: Sequence[str] = ()) -> pd.DataFrame:
        """``table`` with ``column``'s unit identifiers replaced by display names (values in
        ``keep``, such as "(none)", stay as they are)."""
        out = table.copy()
        out[column] = [v if v in keep else self.comparison(v) for v in out[column]]
        return out
