"""Inference from influence functions: analytic and multiplier-bootstrap standard errors.

Conventions (as R ``did``): an estimator's influence-function column ``psi`` over ``n``
units satisfies ``theta_hat - theta ~ mean(psi)``, so the analytic standard error is
``sqrt(sum(psi**2)) / n`` (R ``getSE``: ``sqrt(mean(psi^2)/n)``).

With clusters, influence functions are *summed* within each cluster and the standard error
is ``sqrt(sum_c S_c**2) / n``. The multiplier bootstrap draws one Mammen weight per cluster
(per unit without clusters), forms ``sum_c v_c S_c / n`` for each draw and reports the
IQR-based standard error ``IQR / (z_.75 - z_.25)`` and the sup-t critical value, exactly as
R ``mboot`` does (R averages instead of sums within clusters, which coincides with the sum
only for equal cluster sizes; summing is the cluster-robust form).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy import stats

FloatArray = NDArray[np.float64]

#: R's threshold below which a standard error counts as zero (``sqrt(.Machine$double.eps)*10``).
ZERO_SE = float(np.sqrt(np.finfo(float).eps) * 10)
_IQR_SCALE = float(stats.norm.ppf(0.75) - stats.norm.ppf(0.25))
_SQRT5 = float(np.sqrt(5.0))
_MAMMEN_P = (_SQRT5 + 1.0) / (2.0 * _SQRT5)
_MAMMEN_LO = (1.0 - _SQRT5) / 2.0
_MAMMEN_HI = (1.0 + _SQRT5) / 2.0


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
    ind = sp.csr_matrix(
        (np.ones(cluster_codes.size), (cluster_codes, np.arange(cluster_codes.size))),
        shape=(n_cl, cluster_codes.size),
    )
    return np.asarray(ind @ m)


def analytic_se(inf_func: FloatArray, n: int, cluster_codes: NDArray[np.intp] | None) -> FloatArray:
    """Analytic standard errors ``sqrt(sum_c S_c^2) / n``; zeros become NaN (as R)."""
    s = cluster_sum(inf_func, cluster_codes)
    se = np.sqrt(np.einsum("ij,ij->j", s, s)) / n
    se = np.where(np.isfinite(se) & (se > ZERO_SE), se, np.nan)
    return se


def analytic_vcov(
    inf_func: FloatArray, n: int, cluster_codes: NDArray[np.intp] | None
) -> FloatArray:
    """Covariance matrix of the estimates, ``S'S / n^2``."""
    s = cluster_sum(inf_func, cluster_codes)
    return s.T.dot(s) / float(n) ** 2


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


def mammen_weights(rng: np.random.Generator, size: tuple[int, int]) -> FloatArray:
    """Mammen two-point multiplier weights (mean 0, variance 1), as R ``BMisc``."""
    u = rng.random(size)
    return np.where(u < _MAMMEN_P, _MAMMEN_LO, _MAMMEN_HI)


@dataclass(frozen=True)
class BootResult:
    """Multiplier-bootstrap output for ``k`` estimators.

    Attributes
    ----------
    draws : ndarray, shape (B, k)
        Bootstrap draws of ``theta* - theta_hat``.
    se : ndarray, shape (k,)
        IQR-based standard errors (NaN for degenerate columns).
    crit_val : float
        Sup-t critical value for a uniform band at level ``1 - alpha`` (NaN if none).
    """

    draws: FloatArray
    se: FloatArray
    crit_val: float


def multiplier_bootstrap(
    inf_func: FloatArray,
    n: int,
    cluster_codes: NDArray[np.intp] | None,
    n_boot: int,
    alpha: float,
    rng: np.random.Generator,
    band_cols: NDArray[np.intp] | None = None,
) -> BootResult:
    """Multiplier bootstrap of influence functions (R ``did::mboot``).

    Parameters
    ----------
    inf_func : ndarray, shape (n,) or (n, k)
        Influence functions.
    n : int
        Number of units (the normalisation of the influence functions).
    cluster_codes : ndarray of int, optional
        Cluster of each unit; weights are drawn per cluster.
    n_boot : int
        Number of bootstrap draws.
    alpha : float
        Level for the sup-t critical value.
    rng : numpy.random.Generator
        Random generator (seed it for reproducibility).
    band_cols : ndarray of int, optional
        Columns that enter the sup-t statistic (default: all).

    Returns
    -------
    BootResult
    """
    s = cluster_sum(np.nan_to_num(inf_func), cluster_codes)
    n_cl, k = s.shape
    draws = np.empty((n_boot, k))
    chunk = max(1, min(n_boot, 4_000_000 // max(n_cl, 1)))
    for start in range(0, n_boot, chunk):
        stop = min(n_boot, start + chunk)
        v = mammen_weights(rng, (stop - start, n_cl))
        draws[start:stop] = (v @ s) / n
    scaled = draws * np.sqrt(n)
    ndg = np.isfinite(scaled.sum(axis=0)) & (np.sum(scaled**2, axis=0) > ZERO_SE)
    se = np.full(k, np.nan)
    crit = np.nan
    if np.any(ndg):
        q = np.quantile(draws[:, ndg], [0.25, 0.75], axis=0, method="inverted_cdf")
        se[ndg] = (q[1] - q[0]) / _IQR_SCALE
        in_band = np.zeros(k, dtype=bool)
        in_band[np.arange(k) if band_cols is None else band_cols] = True
        ok = ndg & in_band & (se > ZERO_SE / np.sqrt(n))
        if np.any(ok):
            tstat = np.abs(draws[:, ok] / se[ok]).max(axis=1)
            tstat = tstat[np.isfinite(tstat)]
            if tstat.size:
                crit = float(np.quantile(tstat, 1.0 - alpha, method="inverted_cdf"))
    se = np.where(np.isfinite(se) & (se > 0), se, np.nan)
    return BootResult(draws=draws, se=se, crit_val=crit)


def z_crit(alpha: float) -> float:
    """Two-sided normal critical value ``z_{1 - alpha/2}``."""
    return float(stats.norm.ppf(1.0 - alpha / 2.0))


def make_rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    """Return a numpy Generator from a seed, an existing Generator or None."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)
