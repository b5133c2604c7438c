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

import numpy as np
from numpy.typing import ArrayLike, NDArray

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


def mcloone(x: ArrayLike, w: ArrayLike | None = None) -> float:
    """Spending on pupils at or below the median over what they would get at the median.

    1 means no pupil below the median gets less than the median amount (McLoone 1974).
    """
    values, weights = _arrays(x, w)
    median = weighted_quantile(values, weights, 0.5)
    low = values <= median
    return float(np.sum(weights[low] * values[low]) / (median * np.sum(weights[low])))


def verstegen(x: ArrayLike, w: ArrayLike | None = None) -> float:
    """Spending on pupils at or above the median over what they would get at the median.

    1 means no pupil above the median gets more than the median (Verstegen 1996); the
    upper-half counterpart of the McLoone index.
    """
    values, weights = _arrays(x, w)
    median = weighted_quantile(values, weights, 0.5)
    high = values >= median
    return float(np.sum(weights[high] * values[high]) / (median * np.sum(weights[high])))
