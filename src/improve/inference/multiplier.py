"""Multiplier bootstrap of influence functions and sup-t critical values (R ``did::mboot``).

The bootstrap draws one Mammen weight per cluster (per unit without clusters), forms
``sum_c v_c S_c / n`` for each draw from the cluster sums ``S_c`` of the influence functions
and reports the IQR-based standard error ``IQR / (z_.75 - z_.25)`` and the sup-t critical
value of a uniform band, exactly as R ``mboot`` does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from improve.inference.cluster import ZERO_SE, corrected_sums

FloatArray = NDArray[np.float64]

_IQR_SCALE = 1.3489795003921634  # stats.norm.ppf(0.75) - stats.norm.ppf(0.25), to the last bit
_SQRT5 = float(np.sqrt(5.0))
_MAMMEN_P = (_SQRT5 + 1.0) / (2.0 * _SQRT5)
_MAMMEN_LO = (1.0 - _SQRT5) / 2.0
_MAMMEN_HI = (1.0 + _SQRT5) / 2.0


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
    score_correction: FloatArray | None = None,
    band_df: FloatArray | None = None,
    band_se: FloatArray | None = None,
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
    score_correction : ndarray, shape (C, k), optional
        Added to the cluster sums before the draws (CR2, :attr:`CR2Terms.correction`).
    band_df : ndarray, shape (k,), optional
        Degrees of freedom of each column's standard error (``inf``: none). The sup-t
        statistic then divides each draw by ``sqrt(chi2_df / df)`` with one uniform draw
        shared by all columns per replication (comonotone variance estimates), so a
        single column's critical value is exactly its t quantile and the band accounts
        for the noise of standard errors built from few effective clusters.
    band_se : ndarray, shape (k,), optional
        Standard errors the band will be built with (default: the bootstrap ones); the
        sup-t statistic studentizes the draws by them.

    Returns
    -------
    BootResult
    """
    correction = None if score_correction is None else np.nan_to_num(score_correction)
    from scipy import stats  # here, not at module level: slow to import

    s = corrected_sums(np.nan_to_num(inf_func), cluster_codes, correction)
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
            scale_se = se if band_se is None else np.asarray(band_se, dtype=float)
            ok &= np.isfinite(scale_se) & (scale_se > 0)
            studentized = draws[:, ok] / scale_se[ok]
            if band_df is not None:
                dof = np.asarray(band_df, dtype=float)[ok]
                finite = np.isfinite(dof)
                if np.any(finite):
                    u = rng.random(n_boot)[:, None]
                    scale = np.sqrt(stats.chi2.ppf(u, dof[finite]) / dof[finite])
                    studentized[:, finite] /= scale
            tstat = np.abs(studentized).max(axis=1)
            tstat = tstat[np.isfinite(tstat)]
            if tstat.size:
                crit = float(np.quantile(tstat, 1.0 - alpha, method="inverted_cdf"))
    se = np.where(np.isfinite(se) & (se > 0), se, np.nan)
    return BootResult(draws=draws, se=se, crit_val=crit)


def make_rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    """Return a numpy Generator from a seed, an existing Generator or None."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)
