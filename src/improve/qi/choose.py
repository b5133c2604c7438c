"""Choose the chart from the kind of measure.

* proportion → P chart, or Laney P′ when the points vary more than binomial noise allows
  (large denominators: median Laney σ_z across units above :data:`OVERDISPERSION`);
* rate (events per exposure) → U chart, or Laney U′ by the same rule;
* count → C chart;
* continuous → I chart with one value per unit and period, Xbar with several.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from improve.qi.limits import moving_range_sigma
from improve.qi.series import MeasureSpec

#: Laney's σ_z above this means the binomial / Poisson limits are too tight.
OVERDISPERSION = 1.5


def laney_sigma_z(data: pd.DataFrame, numerator: str, denominator: str, kind: str) -> float:
    """σ_z of one series (time-ordered rows): moving-range sigma of the z-scores."""
    y = data[numerator].to_numpy(float)
    n = data[denominator].to_numpy(float)
    centre = np.nansum(y) / np.nansum(n)
    var = centre * (1 - centre) / n if kind == "proportion" else centre / n
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (y / n - centre) / np.sqrt(var)
    return moving_range_sigma(z[np.isfinite(z)])


def choose_chart(
    data: pd.DataFrame, measure: MeasureSpec, *, unit: str | None, time: str
) -> tuple[str, str]:
    """The chart type and a sentence saying why."""
    if measure.type == "count":
        return "c", "counts without a denominator: C chart (Poisson limits)."
    if measure.type == "continuous":
        keys = [k for k in (unit, time) if k]
        several = bool(data.duplicated(keys).any())
        if several:
            return "xbar", "several measurements per period: Xbar chart of period means."
        return "i", "one measurement per period: I chart (individuals, moving-range sigma)."
    groups = data.sort_values(time).groupby(unit) if unit else [(None, data.sort_values(time))]
    sigmas = [
        laney_sigma_z(g, measure.numerator, str(measure.denominator), measure.type)
        for _, g in groups
    ]
    sigma = float(np.nanmedian(sigmas))
    base = "p" if measure.type == "proportion" else "u"
    if sigma > OVERDISPERSION:
        return base + "p", (
            f"a {measure.type} whose points vary {sigma:.1f} times more than "
            f"{'binomial' if base == 'p' else 'Poisson'} noise (median across units): "
            f"Laney {base.upper()}′ chart."
        )
    return base, (
        f"a {measure.type} with about binomial/Poisson variation (Laney σ_z "
        f"{sigma:.1f}): {base.upper()} chart."
    )
