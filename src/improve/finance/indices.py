"""Horizontal equity indices of per-pupil amounts, each with explicit weights.

Every function takes the per-pupil amounts ``x`` of the units (schools or districts) and the
weight of each unit ``w``. With ``w`` = enrollment the index describes the distribution
across *pupils* (each pupil carries the amount of the school they attend), as the
school-finance literature recommends (Berne & Stiefel 1984, *The Measurement of Equity in
School Finance*, ch. 2); with ``w`` = 1 it describes the distribution across schools.

Percentiles follow the federal disparity test (34 CFR 222, Subpart K, Appendix, par. 1):
units are ranked by amount and the p-th percentile is the amount of the unit at which p% of
the pupils is reached (the smallest amount whose cumulative pupil share is at least p).
This keeps every index unchanged when every school is duplicated.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: Which pupils :func:`mcloone` counts as below the median.
McLooneBelow = Literal["at_or_below", "half"]
#: Cumulative shares within this distance of a percentile count as reaching it.
_SHARE_TOLERANCE = 1e-12


def _arrays(x: ArrayLike, w: ArrayLike | None) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    values = np.asarray(x, dtype=float)
    weights = np.ones_like(values) if w is None else np.asarray(w, dtype=float)
    if values.shape != weights.shape or values.ndim != 1:
        raise ValueError("amounts and weights must be one-dimensional and of equal length")
    keep = weights > 0
    if not keep.any():
        raise ValueError("no unit has a positive weight")
    if not np.all(np.isfinite(values[keep])):
        raise ValueError("amounts must be finite")
    return values[keep], weights[keep]


def weighted_mean(x: ArrayLike, w: ArrayLike | None = None) -> float:
    """Weighted mean (per pupil when ``w`` is enrollment)."""
    values, weights = _arrays(x, w)
    return float(np.sum(weights * values) / np.sum(weights))


def weighted_quantile(x: ArrayLike, w: ArrayLike | None, p: float) -> float:
    """The amount at which a share ``p`` of the weight is reached (inverted CDF).

    Parameters
    ----------
    x, w : array
        Amounts and weights.
    p : float
        Share in [0, 1].
    """
    values, weights = _arrays(x, w)
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order]) / np.sum(weights)
    k = int(np.searchsorted(cumulative, p - _SHARE_TOLERANCE, side="left"))
    return float(values[order][min(k, values.size - 1)])


def value_range(x: ArrayLike, w: ArrayLike | None = None) -> float:
    """Highest minus lowest amount (units with positive weight)."""
    values, _ = _arrays(x, w)
    return float(values.max() - values.min())


def restricted_range(x: ArrayLike, w: ArrayLike | None = None) -> float:
    """95th minus 5th percentile."""
    return weighted_quantile(x, w, 0.95) - weighted_quantile(x, w, 0.05)


def federal_range_ratio(x: ArrayLike, w: ArrayLike | None = None) -> float:
    """(95th − 5th percentile) / 5th percentile: the federal disparity test's ratio.

    A state passes the Impact Aid disparity standard when this is at most 0.25
    (34 CFR 222.162(a)).
    """
    low = weighted_quantile(x, w, 0.05)
    return (weighted_quantile(x, w, 0.95) - low) / low


def coefficient_of_variation(x: ArrayLike, w: ArrayLike | None = None) -> float:
    """Weighted standard deviation (population form) divided by the weighted mean."""
    values, weights = _arrays(x, w)
    mean = np.sum(weights * values) / np.sum(weights)
    sd = np.sqrt(np.sum(weights * (values - mean) ** 2) / np.sum(weights))
    return float(sd / mean)


def mcloone(x: ArrayLike, w: ArrayLike | None = None, below: McLooneBelow = "at_or_below") -> float:
    """Spending on pupils below the median over what they would get at the median.

    1 means no pupil below the median gets less than the median amount (McLoone 1974).

    Parameters
    ----------
    x, w : array
        Amounts and weights (pupils).
    below : {"at_or_below", "half"}
        Which pupils count as "below the median". ``"at_or_below"`` (default): every pupil
        whose amount is at or below the median, so the pupils of the median school count
        whole (the textbook form, e.g. Odden & Picus). ``"half"``: exactly the lower half of
        the pupils, taking from the median school only the pupils needed to reach 50%.
        The two agree when no school straddles the middle pupil.
    """
    values, weights = _arrays(x, w)
    median = weighted_quantile(values, weights, 0.5)
    if below == "at_or_below":
        low = values <= median
        return float(np.sum(weights[low] * values[low]) / (median * np.sum(weights[low])))
    if below != "half":
        raise ValueError(f"below must be 'at_or_below' or 'half', got {below!r}")
    order = np.argsort(values, kind="stable")
    sorted_values, sorted_weights = values[order], weights[order]
    half = 0.5 * float(np.sum(weights))
    before = np.concatenate([[0.0], np.cumsum(sorted_weights)[:-1]])
    counted = np.clip(half - before, 0.0, sorted_weights)  # pupils of each school counted
    return float(np.sum(counted * sorted_values) / (median * half))


def verstegen(x: ArrayLike, w: ArrayLike | None = None) -> float:
    """Spending on pupils at or above the median over what they would get at the median.

    1 means no pupil above the median gets more than the median (Verstegen 1996); the
    upper-half counterpart of the McLoone index.
    """
    values, weights = _arrays(x, w)
    median = weighted_quantile(values, weights, 0.5)
    high = values >= median
    return float(np.sum(weights[high] * values[high]) / (median * np.sum(weights[high])))
