"""Cluster sums of influence functions and the analytic variances built from them.

Conventions (as R ``did``): an estimator's influence-function column ``psi`` over ``n``
units satisfies ``theta_hat - theta ~ mean(psi)``, so the analytic standard error is
``sqrt(sum(psi**2)) / n`` (R ``getSE``: ``sqrt(mean(psi^2)/n)``). With clusters, influence
functions are *summed* within each cluster and the standard error is
``sqrt(sum_c S_c**2) / n`` (R averages instead of sums within clusters, which coincides with
the sum only for equal cluster sizes; summing is the cluster-robust form). The sums can carry
a CR2 correction (:class:`improve.inference.bias_reduced.CR2Terms`).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

#: Small-sample correction of cluster-robust inference from influence functions: ``"CR2"``
#: (bias-reduced sums and Bell--McCaffrey degrees of freedom) or ``"none"`` (plain sums).
ClusterCorrection = Literal["CR2", "none"]

#: R's threshold below which a standard error counts as zero (``sqrt(.Machine$double.eps)*10``).
ZERO_SE = float(np.sqrt(np.finfo(float).eps) * 10)


def cluster_sum(inf_func: FloatArray, cluster_codes: NDArray[np.intp] | None) -> FloatArray:
    """Sum influence-function rows within clusters (identity when ``cluster_codes`` is None).

    Parameters
    ----------
    inf_func : ndarray, shape (n,) or (n, k)
        Influence functions, one row per unit.
    cluster_codes : ndarray of int, shape (n,), optional
        Cluster index ``0..C-1`` of each unit.

    Returns
    -------
    ndarray, shape (C, k) or (n, k)
    """
    m = inf_func.reshape(inf_func.shape[0], -1)
    if cluster_codes is None:
        return m
    n_cl = int(cluster_codes.max()) + 1 if cluster_codes.size else 0
    if m.flags.f_contiguous and m.shape[1] > 1:
        # column by column: no row-major copy of a large column-major matrix
        out = np.empty((n_cl, m.shape[1]))
        for j in range(m.shape[1]):
            out[:, j] = np.bincount(cluster_codes, weights=m[:, j], minlength=n_cl)
        return out
    ind = sp.csr_matrix(
        (np.ones(cluster_codes.size), (cluster_codes, np.arange(cluster_codes.size))),
        shape=(n_cl, cluster_codes.size),
    )
    return np.asarray(ind @ m)


def corrected_sums(
    inf_func: FloatArray,
    cluster_codes: NDArray[np.intp] | None,
    score_correction: FloatArray | None = None,
) -> FloatArray:
    """Cluster sums of influence functions plus an optional CR2 correction (shape (C, k),
    :attr:`CR2Terms.correction`)."""
    s = cluster_sum(inf_func, cluster_codes)
    return s if score_correction is None else s + score_correction


def analytic_se(
    inf_func: FloatArray,
    n: int,
    cluster_codes: NDArray[np.intp] | None,
    score_correction: FloatArray | None = None,
) -> FloatArray:
    """Analytic standard errors ``sqrt(sum_c S_c^2) / n``; zeros become NaN (as R).

    ``S_c`` are the :func:`corrected_sums`.
    """
    return se_from_sums(corrected_sums(inf_func, cluster_codes, score_correction), n)


def se_from_sums(sums: FloatArray, n: int) -> FloatArray:
    """Standard errors ``sqrt(sum_c S_c^2) / n`` from (corrected) cluster sums ``S``; zeros
    become NaN (as R)."""
    se = np.sqrt(np.einsum("ij,ij->j", sums, sums)) / n
    return np.where(np.isfinite(se) & (se > ZERO_SE), se, np.nan)


def analytic_vcov(
    inf_func: FloatArray,
    n: int,
    cluster_codes: NDArray[np.intp] | None,
    score_correction: FloatArray | None = None,
) -> FloatArray:
    """Covariance matrix of the estimates, ``S'S / n^2`` (``S``: :func:`corrected_sums`)."""
    return vcov_from_sums(corrected_sums(inf_func, cluster_codes, score_correction), n)


def vcov_from_sums(sums: FloatArray, n: int) -> FloatArray:
    """Covariance matrix ``S'S / n^2`` from (corrected) cluster sums ``S``."""
    return sums.T.dot(sums) / float(n) ** 2


_GRAM_ROWS = 128


def block_vcov(
    inf_func: FloatArray, n: int, row_group: NDArray[np.intp], part: NDArray[np.bool_]
) -> FloatArray:
    """``S'S / n^2`` (unit level) for influence functions with a known zero pattern.

    Row ``i`` of ``inf_func`` may be non-zero only in the columns ``j`` with
    ``part[row_group[i], j]`` (in ATT(g,t), a unit's cohort takes part in few cells), so
    the cross products are accumulated group by group over those columns only.
    """
    k = inf_func.shape[1]
    out = np.zeros((k, k))
    order = np.argsort(row_group, kind="stable")
    bounds = np.searchsorted(row_group[order], np.arange(part.shape[0] + 1))
    for c in range(part.shape[0]):
        cols = np.flatnonzero(part[c])
        rows = order[bounds[c] : bounds[c + 1]]
        if cols.size == 0 or rows.size == 0:
            continue
        # gather column by column (contiguous in the column-major influence matrix)
        sub = np.empty((rows.size, cols.size), order="F")
        for jj, j in enumerate(cols):
            np.take(inf_func[:, j], rows, out=sub[:, jj])
        # products over blocks of _GRAM_ROWS rows stay below OpenBLAS's threading
        # threshold: as fast as one threaded call when the cores are free, and no stalls of
        # up to a second when other processes share them
        acc = np.zeros((cols.size, cols.size))
        for start in range(0, rows.size, _GRAM_ROWS):
            blk = sub[start : start + _GRAM_ROWS]
            acc += blk.T @ blk
        out[np.ix_(cols, cols)] += acc
    return out / float(n) ** 2


def z_crit(alpha: float) -> float:
    """Two-sided normal critical value ``z_{1 - alpha/2}``."""
    from scipy import stats  # here, not at module level: slow to import

    return float(stats.norm.ppf(1.0 - alpha / 2.0))
