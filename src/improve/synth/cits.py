"""Comparative interrupted time series (CITS): the WWC's design for one treated group.

Each unit's outcome is projected forward from a straight line fitted to its own pre-period;
the effect is the treated unit's average departure from its projection after adoption minus
the comparison units' average departure from theirs (What Works Clearinghouse, Standards
Handbook v5.0, comparative interrupted time series; Somers et al. 2013). Equivalent to a
difference-in-differences with unit-specific linear trends on a block design. Inference, as
for the synthetic estimators, comes from the donor pool: the permutation test treats each
comparison unit in turn as if it had adopted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from improve.errors import EstimationError
from improve.results import Result
from improve.synth.matrices import BlockDesign, block_design

#: Fewest pre-periods for a line plus a residual degree of freedom.
MIN_CITS_PRE_PERIODS = 3


def _departures(y: np.ndarray, t0: int, x: np.ndarray) -> np.ndarray:
    """Each row's departure from its own pre-period linear trend in time ``x``."""
    design = np.column_stack([np.ones(t0), x[:t0]])
    coef, *_ = np.linalg.lstsq(design, y[..., :t0].T, rcond=None)
    fitted = np.column_stack([np.ones(x.size), x]) @ coef
    return y - fitted.T


@dataclass(frozen=True)
class CITSResult(Result):
    """CITS estimate, per-period gaps and the permutation test over donors."""

    estimate: float
    design: BlockDesign
    gaps: pd.DataFrame
    placebo_estimates: pd.Series

    @property
    def outcome(self) -> str:
        return self.design.outcome

    @property
    def p_value(self) -> float:
        """Share of all units (treated included) with |estimate| at least the treated one's."""
        everyone = np.append(self.estimate, self.placebo_estimates.to_numpy())
        return float(np.mean(np.abs(everyone) >= abs(self.estimate) - 1e-12))

    @property
    def rank(self) -> int:
        everyone = np.abs(np.append(self.estimate, self.placebo_estimates.to_numpy()))
        return int((everyone > everyone[0] + 1e-12).sum() + 1)

    def tidy(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "term": ["ATT (cits)"],
                "estimate": [self.estimate],
                "p_value": [self.p_value],
                "vcov_type": ["permutation"],
            }
        )

    def summary(self) -> str:
        n = self.placebo_estimates.size + 1
        return (
            f"Comparative interrupted time series for {self.outcome}: {self.estimate:.4g} "
            f"(departure from the pre-period trend, treated minus comparison); ranks "
            f"{self.rank} of {n} among placebo units, permutation p = {self.p_value:.3g}"
        )


def cits_estimate(data: Any, outcome: str | None = None, **options: Any) -> CITSResult:
    """Comparative interrupted time series on a block design.

    Takes the data arguments of :func:`improve.synth.synthdid_estimate` (columns, timing,
    ``treated_units``/``adoption``, ``exclude_donors``).
    """
    design = options.pop("design", None)
    if design is None:
        options.setdefault("caller", "cits_estimate")
        design = block_design(data, outcome, **options)
    if design.t0 < MIN_CITS_PRE_PERIODS:
        raise EstimationError(
            f"cits_estimate: {design.t0} pre-periods; a trend needs at least {MIN_CITS_PRE_PERIODS}"
        )
    y = design.y.to_numpy(float)
    n0, t0 = design.n0, design.t0
    periods = pd.to_numeric(pd.Series(design.y.columns), errors="coerce").to_numpy(float)
    if not np.isfinite(periods).all():
        periods = np.arange(y.shape[1], dtype=float)  # ordered labels: equally spaced
    dep = _departures(y, t0, periods - periods[0])
    treated_dep = dep[n0:].mean(axis=0)
    comparison_dep = dep[:n0].mean(axis=0)
    gap = treated_dep - comparison_dep
    estimate = float(gap[t0:].mean())
    # placebo: donor j as treated, the other donors as comparison
    donors = dep[:n0]
    others_mean = (donors.sum(axis=0)[None, :] - donors) / (n0 - 1)
    placebo = (donors - others_mean)[:, t0:].mean(axis=1)
    gaps = pd.DataFrame(
        {
            "period": design.y.columns,
            "treated": treated_dep,
            "comparison": comparison_dep,
            "gap": gap,
            "post": design.y.columns >= design.adoption,
        }
    )
    return CITSResult(
        estimate=estimate,
        design=design,
        gaps=gaps,
        placebo_estimates=pd.Series(placebo, index=design.donors, name="estimate"),
    )
