"""Bootstrap over schools: draw schools with replacement, recompute, keep every draw."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray


def bootstrap_draws(
    statistic: Callable[[NDArray[np.intp]], NDArray[np.float64]],
    n_units: int,
    draws: int,
    seed: int,
) -> NDArray[np.float64]:
    """``statistic`` on ``draws`` resamples of ``n_units`` rows drawn with replacement.

    Parameters
    ----------
    statistic : callable
        Takes the row positions of one resample and returns a 1-d array of statistics.
    n_units : int
        Rows (schools) to draw from.
    draws : int
        Number of resamples (0 gives an empty array).
    seed : int
        Seed of the numpy ``Generator``, so the draws repeat exactly.

    Returns
    -------
    ndarray of shape (draws, number of statistics)
    """
    rng = np.random.default_rng(seed)
    rows = [statistic(rng.integers(0, n_units, size=n_units)) for _ in range(draws)]
    if not rows:
        return np.empty((0, 0))
    return np.vstack(rows)


def percentile_interval(
    draws: NDArray[np.float64], confidence_level: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Percentile bootstrap interval of each column (NaN without draws)."""
    if draws.size == 0:
        return np.array([np.nan]), np.array([np.nan])
    tail = (1.0 - confidence_level) / 2.0 * 100.0
    low, high = np.nanpercentile(draws, [tail, 100.0 - tail], axis=0)
    return low, high
