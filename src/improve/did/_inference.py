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
    s = corrected_sums(inf_func, cluster_codes, score_correction)
    se = np.sqrt(np.einsum("ij,ij->j", s, s)) / n
    se = np.where(np.isfinite(se) & (se > ZERO_SE), se, np.nan)
    return se


def analytic_vcov(
    inf_func: FloatArray,
    n: int,
    cluster_codes: NDArray[np.intp] | None,
    score_correction: FloatArray | None = None,
) -> FloatArray:
    """Covariance matrix of the estimates, ``S'S / n^2`` (``S``: :func:`corrected_sums`)."""
    s = corrected_sums(inf_func, cluster_codes, score_correction)
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


@dataclass(frozen=True)
class CR2Terms:
    """Bias-reduced (CR2) cluster terms of ATT(g,t) influence functions.

    Each ATT(g,t) is a contrast of two weighted means (of outcome changes, or of outcomes
    for repeated cross-sections): the treated cohort ``g`` and its comparison group. For a
    weighted mean, the block of the hat matrix that belongs to cluster ``c`` is the
    rank-one matrix ``u_c u_c'`` with ``|u_c|^2 = h_c``, the cluster's share of the
    group's weight, so the CR2 adjustment ``(I - H_cc)^{-1/2}`` (Bell & McCaffrey 2002;
    Pustejovsky & Tipton 2018) multiplies the cluster's sum of influence-function terms by
    exactly ``(1 - h_c)^{-1/2}``. It is applied to the treated and the comparison part of
    every cell. The leverage of covariates in the outcome regression or propensity score
    (of order ``k/n``) is not included; for cells without covariates the standard errors
    equal ``clubSandwich::vcovCR(type = "CR2")`` of the 2x2 regression.

    Attributes
    ----------
    correction : ndarray, shape (C, k)
        ``D`` such that ``S + D`` are the corrected cluster sums (``S`` from
        :func:`cluster_sum`); linear, so the correction of ``inf_func @ w`` is ``D @ w``.
    share_treated, share_control : ndarray, shape (C, k)
        Cluster shares ``h_c`` of the weight of each cell's treated and comparison units.
    weight_treated, weight_control : ndarray, shape (k,)
        Weight sums of each cell's treated and comparison units, divided by the number of
        units (the scale of the working-model variance of each mean).
    """

    correction: FloatArray
    share_treated: FloatArray
    share_control: FloatArray
    weight_treated: FloatArray
    weight_control: FloatArray

    def subset(self, cols: NDArray[np.intp] | NDArray[np.bool_]) -> CR2Terms:
        """The terms of a subset of the cells."""
        return CR2Terms(
            self.correction[:, cols],
            self.share_treated[:, cols],
            self.share_control[:, cols],
            self.weight_treated[cols],
            self.weight_control[cols],
        )

    def _blocks(self, combos: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Coefficients, weight sums and Frobenius Gram matrix of the used mean blocks.

        Block ``b`` is the treated or comparison mean of one cell; its working-model matrix
        is ``B_b = (diag(h + q^2) - q q') / W_b`` (``h`` cluster shares, ``q = h / sqrt(1 -
        h)``, ``W_b`` weight sum), so ``M = sum_b c_b c_b' B_b`` for a combination with
        cell weights ``c``, ``tr(B_b) = 1 / W_b`` and ``Phi[b, b'] = <B_b, B_b'>_F``.
        Blocks in which one cluster holds every unit have no CR2 adjustment (their cluster
        sums are 0) and are left out.
        """
        coef = np.vstack([combos, combos])  # (2k, m)
        shares = np.hstack([self.share_treated, self.share_control])  # (C, 2k)
        wsum = np.concatenate([self.weight_treated, self.weight_control])
        used = (
            np.any(coef != 0, axis=1)
            & (wsum > 0)
            & np.all(shares < 1.0 - 1e-12, axis=0)
        )
        h = shares[:, used]
        q2 = h * h / (1.0 - h)
        d = h + q2
        q = np.sqrt(q2)
        w = wsum[used]
        gram = d.T @ d - d.T @ q2 - q2.T @ d + (q.T @ q) ** 2
        return coef[used], w, gram / np.outer(w, w)

    def satterthwaite_df(self, cell_weights: FloatArray) -> FloatArray:
        """Bell--McCaffrey degrees of freedom of linear combinations of the cells.

        For the estimate ``sum_j w_j ATT_j`` and the working model of independent
        observations with variance proportional to ``1/weight`` (each cell's outcome
        changes counted as separate observations), the CR2 variance is a quadratic form
        ``V = sum_c (a_c'e)^2`` and ``df = 2 E[V]^2 / Var[V] = tr(M)^2 / ||M||_F^2`` with
        ``M_cd = a_c'(I - H)a_d``. Equal clusters give ``C - 1``; one dominant cluster
        gives few. Equals ``clubSandwich``'s Satterthwaite df for a cell without
        covariates (tested).

        Parameters
        ----------
        cell_weights : ndarray, shape (k,) or (k, m)
            Weights of the cells in each of ``m`` estimates.

        Returns
        -------
        ndarray, shape (m,)
            Degrees of freedom, clipped to ``[1, C - 1]``.
        """
        combos = np.asarray(cell_weights, dtype=float).reshape(self.correction.shape[1], -1)
        coef, w, gram = self._blocks(combos)
        c2 = coef * coef
        trace = (c2 / w[:, None]).sum(axis=0)
        frob = np.einsum("bm,bc,cm->m", c2, gram, c2)
        with np.errstate(divide="ignore", invalid="ignore"):
            df = np.where(frob > 0, trace**2 / frob, np.nan)
        return np.clip(df, 1.0, max(self.correction.shape[0] - 1.0, 1.0))

    def hotelling_df(self, cell_weights: FloatArray) -> float:
        """Degrees of freedom ``eta`` of the HTZ Wald test of several combinations.

        The approximate Hotelling T-squared test of Pustejovsky & Tipton (2018, the
        ``"HTZ"`` test of ``clubSandwich::Wald_test``): with ``Omega`` the working-model
        expectation of the CR2 covariance of the ``q`` combinations and ``D =
        Omega^{-1/2} V Omega^{-1/2}``, ``eta = q (q + 1) / sum_{s,t} Var(d_st)``; the
        Wald statistic ``W`` is referred as ``(eta - q + 1) / (eta q) W ~ F(q, eta - q +
        1)``. For ``q = 1`` this is :meth:`satterthwaite_df`.

        Parameters
        ----------
        cell_weights : ndarray, shape (k, q)
            Cell weights of the tested combinations.

        Returns
        -------
        float
        """
        combos = np.asarray(cell_weights, dtype=float).reshape(self.correction.shape[1], -1)
        q = combos.shape[1]
        coef, w, gram = self._blocks(combos)
        omega = coef.T @ (coef / w[:, None])
        lam, vec = np.linalg.eigh(omega)
        if lam.size == 0 or lam.min() <= 1e-14 * max(lam.max(), 1e-300):
            return float("nan")
        c_hat = coef @ (vec / np.sqrt(lam)) @ vec.T
        u = np.sum(c_hat * c_hat, axis=1)
        p = c_hat @ c_hat.T
        total = float(u @ gram @ u + np.sum(gram * p * p))
        return q * (q + 1) / total if total > 0 else float("nan")


def cr2_terms(
    inf_func: FloatArray,
    cluster_codes: NDArray[np.intp],
    unit_group: FloatArray,
    groups: FloatArray,
    unit_weight: FloatArray,
) -> CR2Terms:
    """CR2 corrections and cluster shares of ATT(g,t) influence functions (:class:`CR2Terms`).

    Parameters
    ----------
    inf_func : ndarray, shape (n, k)
        Unit-level influence functions of the cells; units outside a cell have 0 there.
    cluster_codes : ndarray of int, shape (n,)
        Cluster of each unit.
    unit_group : ndarray, shape (n,)
        Cohort of each unit (0 never treated).
    groups : ndarray, shape (k,)
        Cohort of each cell; units of that cohort form its treated part, the other units
        with a non-zero influence-function entry its comparison part.
    unit_weight : ndarray, shape (n,)
        Sampling weight of each unit (the weights of the means).

    Returns
    -------
    CR2Terms
    """
    n, k = inf_func.shape
    n_cl = int(cluster_codes.max()) + 1 if cluster_codes.size else 0
    correction = np.zeros((n_cl, k))
    shares = (np.zeros((n_cl, k)), np.zeros((n_cl, k)))
    wsums = (np.zeros(k), np.zeros(k))
    factor = np.empty(n)
    for j in range(k):
        col = inf_func[:, j]
        active = col != 0.0
        if not active.any():
            continue
        factor.fill(0.0)
        treated = active & (unit_group == groups[j])
        for p, part in enumerate((treated, active & ~treated)):
            if not part.any():
                continue
            wsum = np.bincount(cluster_codes[part], weights=unit_weight[part], minlength=n_cl)
            total = float(wsum.sum())
            share = wsum / total
            shares[p][:, j] = share
            wsums[p][j] = total / n
            # a cluster holding the whole part has residuals summing to 0: no correction
            with np.errstate(divide="ignore"):
                f = np.where(share < 1.0 - 1e-12, 1.0 / np.sqrt(1.0 - share) - 1.0, 0.0)
            factor[part] = f[cluster_codes[part]]
        correction[:, j] = np.bincount(cluster_codes, weights=col * factor, minlength=n_cl)
    return CR2Terms(correction, shares[0], shares[1], wsums[0], wsums[1])


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


def z_crit(alpha: float) -> float:
    """Two-sided normal critical value ``z_{1 - alpha/2}``."""
    return float(stats.norm.ppf(1.0 - alpha / 2.0))


def make_rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    """Return a numpy Generator from a seed, an existing Generator or None."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)
