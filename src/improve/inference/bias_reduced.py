"""CR2 (bias-reduced linearization) cluster-robust variances and Bell--McCaffrey degrees of freedom.

Two forms of the same correction (Bell & McCaffrey 2002; Pustejovsky & Tipton 2018):

* :func:`cr2_terms` / :class:`CR2Terms`: for estimators written as contrasts of weighted
  means (ATT(g,t) influence functions), the corrections of the cluster sums and the
  Satterthwaite and Hotelling (HTZ) degrees of freedom of combinations of the cells.
* :func:`cr2` / :class:`CR2Result`: for a fixed-effects regression after partialling
  (:class:`~improve.inference.partialling.WithinDesign`), reproducing
  ``clubSandwich::vcovCR(type = "CR2")`` on the model with explicit dummies.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from improve.inference.cluster_grams import design_cluster_grams
from improve.inference.partialling import WithinDesign, basis_transform

FloatArray = NDArray[np.float64]

#: Eigenvalues of ``I - H_gg`` below this are treated as zero (clubSandwich's ``matrix_power``).
EIG_TOL = 1e-12


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
    sums : ndarray, shape (C, k), optional
        The corrected cluster sums ``S + D`` themselves, when :func:`cr2_terms` formed them
        in the same pass over the units (saves a second pass over the influence matrix).
    """

    correction: FloatArray
    share_treated: FloatArray
    share_control: FloatArray
    weight_treated: FloatArray
    weight_control: FloatArray
    sums: FloatArray | None = None

    def subset(self, cols: NDArray[np.intp] | NDArray[np.bool_]) -> CR2Terms:
        """The terms of a subset of the cells."""
        return CR2Terms(
            self.correction[:, cols],
            self.share_treated[:, cols],
            self.share_control[:, cols],
            self.weight_treated[cols],
            self.weight_control[cols],
            None if self.sums is None else self.sums[:, cols],
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
        usable, gram_all = self._gram
        used = np.any(coef != 0, axis=1) & usable
        w = np.concatenate([self.weight_treated, self.weight_control])[used]
        pick = used[usable]
        return coef[used], w, gram_all[np.ix_(pick, pick)]

    @cached_property
    def _gram(self) -> tuple[NDArray[np.bool_], FloatArray]:
        """Blocks that can be used (positive weight, no cluster holding all units) and
        their Frobenius Gram matrix divided by the weight products (computed once, reused
        by every combination)."""
        shares = np.hstack([self.share_treated, self.share_control])  # (C, 2k)
        wsum = np.concatenate([self.weight_treated, self.weight_control])
        usable = (wsum > 0) & np.all(shares < 1.0 - 1e-12, axis=0)
        h = shares[:, usable]
        q2 = h * h / (1.0 - h)
        d = h + q2
        q = np.sqrt(q2)
        w = wsum[usable]
        gram = d.T @ d - d.T @ q2 - q2.T @ d + (q.T @ q) ** 2
        return usable, gram / np.outer(w, w)

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
    cohorts, unit_cohort = np.unique(unit_group, return_inverse=True)
    n_h = cohorts.size
    # one pass per cell over its units, by (cluster, cohort): the treated part of a cell is
    # one cohort column, the comparison part the other columns
    key = cluster_codes * n_h + unit_cohort.reshape(-1)
    cell_cohort = np.minimum(np.searchsorted(cohorts, groups), max(n_h - 1, 0))
    # a cell's cohort may hold no unit (and with no units there are no cohorts at all)
    has_treated = cohorts[cell_cohort] == groups if n_h else np.zeros(groups.size, bool)
    uniform = bool(np.all(unit_weight == unit_weight[0])) if n else True
    correction = np.zeros((n_cl, k))
    sums = np.zeros((n_cl, k))
    shares = (np.zeros((n_cl, k)), np.zeros((n_cl, k)))
    wsums = (np.zeros(k), np.zeros(k))
    for j in range(k):
        col = inf_func[:, j]
        rows = np.flatnonzero(col)  # the units taking part in the cell
        if rows.size == 0:
            continue
        kj = key[rows]
        if uniform:
            wt = np.bincount(kj, minlength=n_cl * n_h) * float(unit_weight[0])
        else:
            wt = np.bincount(kj, weights=unit_weight[rows], minlength=n_cl * n_h)
        val = np.bincount(kj, weights=col[rows], minlength=n_cl * n_h)
        wt, val = wt.reshape(n_cl, n_h), val.reshape(n_cl, n_h)
        h = cell_cohort[j]
        treated_w = wt[:, h] if has_treated[j] else np.zeros(n_cl)
        treated_v = val[:, h] if has_treated[j] else np.zeros(n_cl)
        total_v = val.sum(axis=1)
        part_w = (treated_w, wt.sum(axis=1) - treated_w)
        part_v = (treated_v, total_v - treated_v)
        corr = np.zeros(n_cl)
        for p in (0, 1):
            total = float(part_w[p].sum())
            if total <= 0.0:
                continue
            share = part_w[p] / total
            shares[p][:, j] = share
            wsums[p][j] = total / n
            # a cluster holding the whole part has residuals summing to 0: no correction
            with np.errstate(divide="ignore"):
                f = np.where(share < 1.0 - 1e-12, 1.0 / np.sqrt(1.0 - share) - 1.0, 0.0)
            corr += f * part_v[p]
        correction[:, j] = corr
        sums[:, j] = total_v + corr
    return CR2Terms(correction, shares[0], shares[1], wsums[0], wsums[1], sums)


# ----------------------------------------------------------------------------- regressions


@dataclass(frozen=True)
class CR2Result:
    """CR2 covariance and Satterthwaite degrees of freedom (one per coefficient)."""

    vcov: np.ndarray
    df: np.ndarray


def cr2(design: WithinDesign) -> CR2Result:
    """Bell–McCaffrey CR2 covariance with Satterthwaite degrees of freedom.

    Reproduces ``clubSandwich::vcovCR(fit, cluster, type = "CR2")`` and
    ``coef_test(..., test = "Satterthwaite")`` for the model fitted with explicit dummies
    (working model: independent errors, variance proportional to ``1/w``). The adjustment
    matrices ``A_g = (I - H_gg)^(-1/2)`` use the hat matrix of the *full* model, computed from
    the low-rank form ``H_gg = Z_g Z_g'`` on the orthogonal complement of the nested effects.

    Nothing of size ``n`` beyond the per-cluster Gram matrices of ``[D, X, e]`` is formed
    (:func:`~improve.inference.cluster_grams.design_cluster_grams`): with ``Z = [D, X] P``
    (``P`` small), ``Z_g'Z_g``, ``Z_g'X_g`` and ``Z_g'e_g`` are blocks of them times ``P``,
    and ``(I - Z_g Z_g')^{-1/2} = I + Z_g K_g Z_g'`` with ``K_g`` from the eigenvalues of
    the ``q x q`` matrix ``Z_g'Z_g``, so every adjusted product lives in ``q`` dimensions.

    Parameters
    ----------
    design : WithinDesign

    Returns
    -------
    CR2Result
    """
    X, e = design.X, design.resid
    p = X.shape[1]
    # every per-cluster product below is a block of the Gram matrices of [D, X, e], D the
    # crossing effects' dummies partialled on the nested ones
    W = design_cluster_grams(design, np.column_stack([X, e]))
    nd = W.shape[1] - p - 1
    xx = W[:, nd:-1, nd:-1]  # X_g' X_g
    xe = W[:, nd:-1, -1]  # X_g' e_g
    xtx = xx.sum(axis=0)
    M = np.linalg.inv(xtx)
    # Z = [Zd, Zx] = [D T, X R]: orthonormal basis of the full model's hat matrix
    T = basis_transform(W[:, :nd, :nd].sum(axis=0))
    R = np.linalg.inv(np.linalg.cholesky(xtx)).T  # X R has orthonormal columns
    P = np.zeros((nd + p, T.shape[1] + p))
    P[:nd, : T.shape[1]] = T
    P[nd:, T.shape[1] :] = R
    Pt = P.T
    S = Pt @ W[:, :-1, :-1] @ P  # Z_g' Z_g
    BX = Pt @ W[:, :-1, nd:-1]  # Z_g' X_g
    ze = (Pt @ W[:, :-1, -1:])[..., 0]  # Z_g' e_g
    lam, vec = np.linalg.eigh(S)  # per cluster
    lam = np.clip(lam, 0.0, 1.0)
    one_minus = 1.0 - lam
    small = lam < 1e-14
    safe = np.where(small, 1.0, lam)
    singular = one_minus < EIG_TOL
    inv_sqrt = np.where(singular, 0.0, 1.0 / np.sqrt(np.where(singular, 1.0, one_minus)))
    inv = np.where(singular, 0.0, 1.0 / np.where(singular, 1.0, one_minus))
    k1 = np.where(small, 0.5, (inv_sqrt - 1.0) / safe)
    k2 = np.where(small, 1.0, (inv - 1.0) / safe)
    vt = np.swapaxes(vec, 1, 2)
    K1 = (vec * k1[:, None, :]) @ vt
    K2 = (vec * k2[:, None, :]) @ vt
    bxt = np.swapaxes(BX, 1, 2)
    scores = xe + (bxt @ (K1 @ ze[..., None]))[..., 0]
    zu = BX + S @ K1 @ BX  # Z_g' A_g X_g
    uu = xx + bxt @ K2 @ BX  # X_g' A_g^2 X_g
    meat = scores.T @ scores
    vcov = M @ meat @ M
    vcov = (vcov + vcov.T) / 2
    df = np.empty(p)
    for j in range(p):
        m = M[:, j]
        u2 = np.einsum("i,gij,j->g", m, uu, m)
        A = zu @ m  # (G, q)
        a2 = np.einsum("gq,gq->g", A, A)
        trace = u2.sum() - a2.sum()
        ata = A.T @ A
        frob = (u2**2).sum() - 2.0 * (u2 * a2).sum() + (ata**2).sum()
        df[j] = trace**2 / frob
    return CR2Result(vcov=vcov, df=df)
