"""Leave-one-cluster-out jackknife (CV3) variances from refitted estimates.

With few or very unequal clusters, cluster-robust standard errors from influence functions
or scores are too small. Re-estimating with each cluster left out and using the jackknife
variance ``(G - 1) / G * sum_g (theta_(g) - mean)^2`` (CV3 in MacKinnon, Nielsen and Webb,
2023) corrects this; the refits themselves belong to the estimator (e.g.
:func:`improve.did.jackknife.jackknife_aggregates`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


def cv3_se(estimates: FloatArray) -> FloatArray:
    """Jackknife standard error of each column over the leave-out fits where it exists.

    Parameters
    ----------
    estimates : ndarray, shape (G, k)
        One row per left-out cluster, one column per estimate; NaN where the estimate does
        not exist in that leave-out fit.

    Returns
    -------
    ndarray, shape (k,)
        ``sqrt((g - 1) / g * sum (theta_(i) - mean)^2)`` over the ``g`` finite entries of each
        column; NaN for columns with fewer than two.
    """
    ses = np.full(estimates.shape[1], np.nan)
    for j in range(estimates.shape[1]):
        col = estimates[:, j]
        col = col[np.isfinite(col)]
        g = col.size
        if g >= 2:
            ses[j] = float(np.sqrt((g - 1) / g * np.sum((col - col.mean()) ** 2)))
    return ses
