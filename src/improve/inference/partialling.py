"""Partialling out fixed effects: demeaning and the within design of CR2 and the wild bootstrap.

Everything here works on numpy arrays in the *transformed* space of a (weighted) fixed-effects
regression: rows are multiplied by ``sqrt(w)`` and the absorbed effects are partialled out
(Frisch–Waugh–Lovell), so that ``X`` and ``y`` are the within design and outcome.

Notation used throughout: ``n`` rows, ``p`` regressors, ``G`` clusters. The absorbed effects
``D`` split into effects *nested* in the clusters (every level inside one cluster, e.g. school
effects with district clusters) and *crossing* effects (e.g. year effects). The hat matrix of
the full model with explicit dummies is ``H = P_nested + Z Z'`` where ``Z`` is an orthonormal
basis of ``[M_nested D_crossing, X_within]``; ``P_nested`` is block diagonal by cluster and
annihilates the within design and the residuals, so it never needs to be formed. This is what
lets CR2 (Bell–McCaffrey) on the absorbed model reproduce CR2 on the model with explicit
dummies (R ``lm`` + ``clubSandwich::vcovCR(type = "CR2")``) without forming any dummy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from improve.errors import EstimationError

#: Most crossing fixed-effect levels CR2 and the wild bootstrap will handle as explicit columns.
MAX_CROSSING_LEVELS = 5000


def demean(
    values: np.ndarray,
    factors: Sequence[np.ndarray],
    weights: np.ndarray | None = None,
    *,
    tol: float = 1e-13,
    max_iter: int = 100_000,
) -> np.ndarray:
    """Partial one or more factors out of the columns of ``values`` (weighted group means).

    One factor: one pass of (weighted) group means, exact. Several factors: the factor with
    the most levels (``A``, e.g. students) is partialled out exactly and the normal equations
    of the others are solved on their own levels (Frisch–Waugh–Lovell):
    ``C b = R' W M_A v`` with ``C = R' W M_A R`` (``R`` the dummies of the other factors),
    then ``M v = M_A v - M_A R b``. ``C`` is sparse (the levels that share rows of ``A``)
    and small next to ``n``; it is solved directly when it has at most
    :data:`DENSE_LEVELS` levels, else by Jacobi-preconditioned conjugate gradients to a
    relative residual of ``tol`` (singular ``C``, as with connected effects, is fine: the
    right-hand side lies in its range and its null space does not change ``M_A R b``).
    Should conjugate gradients stall, the method of alternating projections (as in
    ``reghdfe``/``fixest``) takes over.

    Parameters
    ----------
    values : numpy.ndarray
        ``(n,)`` or ``(n, k)`` array.
    factors : sequence of numpy.ndarray
        Integer codes ``0..L-1`` of each absorbed factor, length ``n`` each.
    weights : numpy.ndarray, optional
        Positive weights (weighted means); ``None`` for equal weights.
    tol : float
        Convergence tolerance (relative residual of the reduced normal equations; for the
        alternating projections the largest change relative to the column scale).
    max_iter : int
        Most iterations.

    Returns
    -------
    numpy.ndarray
        The residuals of a (weighted) regression of each column on the factor dummies.
    """
    out = np.array(values, dtype=float, copy=True)
    squeeze = out.ndim == 1
    if squeeze:
        out = out[:, None]
    if factors and out.shape[0]:
        w = None if weights is None else np.asarray(weights, dtype=float)
        codes = [np.asarray(f, dtype=np.int64) for f in factors]
        if len(codes) == 1:
            out -= _group_means(out, codes[0], w)
        else:
            reduced = _demean_reduced(out, codes, w, tol, max_iter)
            if reduced is None:
                ones = np.ones(out.shape[0]) if w is None else w
                reduced = _demean_map(out, codes, ones, tol, max_iter)
            out = reduced
    return out[:, 0] if squeeze else out


#: Reduced normal equations with at most this many levels are solved directly.
DENSE_LEVELS = 400


def _group_means(values: np.ndarray, codes: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    """``(n, k)`` weighted means of each column within the groups ``codes``, row by row."""
    size = int(codes.max()) + 1
    if w is None:
        wsum = np.bincount(codes, minlength=size).astype(float)
    else:
        wsum = np.bincount(codes, weights=w, minlength=size)
    wsum[wsum == 0] = 1.0
    columns = np.ascontiguousarray(values.T)
    if w is not None:
        columns *= w
    means = np.empty((values.shape[1], size))
    for j in range(values.shape[1]):
        means[j] = np.bincount(codes, weights=columns[j], minlength=size) / wsum
    return means[:, codes].T


def _demean_reduced(
    values: np.ndarray, codes: list[np.ndarray], w: np.ndarray | None, tol: float, max_iter: int
) -> np.ndarray | None:
    """Exact partialling of the largest factor, reduced normal equations for the others
    (see :func:`demean`); ``None`` when conjugate gradients do not converge."""
    from scipy import sparse

    n = values.shape[0]
    w_rows = np.ones(n) if w is None else w
    sizes = [int(c.max()) + 1 for c in codes]
    big = int(np.argmax(sizes))
    a = codes[big]
    rest = [c for i, c in enumerate(codes) if i != big]
    offsets = np.cumsum([0] + [sizes[i] for i in range(len(codes)) if i != big])
    n_rest = int(offsets[-1])
    rows = np.tile(np.arange(n), len(rest))
    cols = np.concatenate([c + off for c, off in zip(rest, offsets[:-1], strict=True)])
    dummies = sparse.csr_matrix(
        (np.ones(rows.size), (rows, cols)), shape=(n, n_rest)
    )  # R, (n, n_rest)
    wsum_a = np.bincount(a, weights=w_rows, minlength=sizes[big])
    wsum_a[wsum_a == 0] = 1.0
    share = sparse.csr_matrix(
        (np.tile(w_rows, len(rest)), (np.tile(a, len(rest)), cols)), shape=(sizes[big], n_rest)
    )  # A' W R
    weighted = dummies if w is None else sparse.csr_matrix(dummies.multiply(w[:, None]))
    gram = (dummies.T @ weighted) - share.T @ sparse.diags(1.0 / wsum_a) @ share
    within_a = values - _group_means(values, a, w)
    rhs = weighted.T @ within_a  # R' W M_A v = (M_A R)' W v
    solution = _solve_psd(sparse.csr_matrix(gram), np.asarray(rhs), tol, max_iter)
    if solution is None:
        return None
    fitted = np.asarray(dummies @ solution)
    return within_a - (fitted - _group_means(fitted, a, w))


def _solve_psd(gram: Any, rhs: np.ndarray, tol: float, max_iter: int) -> np.ndarray | None:
    """A solution of ``gram x = rhs`` (positive semi-definite, ``rhs`` in its range)."""
    if gram.shape[0] <= DENSE_LEVELS:
        lam, vec = np.linalg.eigh(gram.toarray())
        keep = lam > 1e-12 * max(float(lam.max()), 1e-300)
        return (vec[:, keep] / lam[keep]) @ (vec[:, keep].T @ rhs)
    diag = gram.diagonal()
    dinv = np.where(diag > 0, 1.0 / np.where(diag > 0, diag, 1.0), 0.0)[:, None]
    x = np.zeros_like(rhs)
    r = rhs.copy()
    bnorm = np.linalg.norm(rhs, axis=0)
    target = tol * bnorm
    z = dinv * r
    p = z.copy()
    rz = np.sum(r * z, axis=0)
    best, stalled = np.inf, 0
    for _ in range(max_iter):
        rnorm = np.linalg.norm(r, axis=0)
        if np.all(rnorm <= target):
            return x
        worst = float(np.max(rnorm / np.where(bnorm > 0, bnorm, 1.0)))
        if worst < 0.5 * best:
            best, stalled = worst, 0
        else:
            stalled += 1
            if stalled > 200:
                break
        ap = gram @ p
        pap = np.sum(p * ap, axis=0)
        alpha = np.where(pap > 0, rz / np.where(pap > 0, pap, 1.0), 0.0)
        x += alpha * p
        r -= alpha * ap
        z = dinv * r
        rz_new = np.sum(r * z, axis=0)
        beta = np.where(rz > 0, rz_new / np.where(rz > 0, rz, 1.0), 0.0)
        p = z + beta * p
        rz = rz_new
    return x if best <= 1e3 * tol else None


def _demean_map(
    values: np.ndarray, codes: list[np.ndarray], w: np.ndarray, tol: float, max_iter: int
) -> np.ndarray:
    """Method of alternating projections, column by column."""
    out = values
    sums = [np.bincount(f, weights=w) for f in codes]
    sums = [np.where(s > 0, s, 1.0) for s in sums]
    for j in range(out.shape[1]):
        col = out[:, j]
        scale = max(float(np.max(np.abs(col))) if col.size else 0.0, 1e-300)
        for _ in range(max_iter):
            change = 0.0
            for f, s in zip(codes, sums, strict=True):
                means = np.bincount(f, weights=w * col, minlength=s.size) / s
                col -= means[f]
                change = max(change, float(np.max(np.abs(means))))
            if change <= tol * scale:
                break
        else:  # pragma: no cover - pathological designs only
            raise EstimationError(
                "partialling out the fixed effects did not converge; check that the absorbed "
                "effects are connected, or absorb fewer effects"
            )
        out[:, j] = col
    return out


def is_nested(factor: np.ndarray, cluster: np.ndarray) -> bool:
    """Whether every level of ``factor`` lies inside one cluster."""
    if not factor.size:
        return True
    cluster_of = np.empty(int(factor.max()) + 1, dtype=np.asarray(cluster).dtype)
    cluster_of[factor] = cluster  # one of each level's clusters
    return bool(np.array_equal(cluster_of[factor], cluster))


def tall_times_small(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` for a tall ``a`` and a small ``b``, computed as ``(b' a')'`` (OpenBLAS' gemm
    on a tall row-major left factor is many times slower)."""
    return (b.T @ a.T).T


def basis_transform(gram: np.ndarray, rel_tol: float = 1e-10) -> np.ndarray:
    """``T`` such that ``a T`` is an orthonormal basis of the column span of ``a``, from
    ``gram = a'a`` (collinear directions dropped)."""
    if gram.shape[0] == 0:
        return np.zeros((0, 0))
    lam, vec = np.linalg.eigh(gram)
    keep = lam > rel_tol * max(float(lam.max()), 1e-300)
    return vec[:, keep] / np.sqrt(lam[keep])


def _orthonormal_basis(a: np.ndarray) -> np.ndarray:
    """Orthonormal basis of the column span of ``a`` (drops collinear directions)."""
    if a.shape[1] == 0:
        return a
    return tall_times_small(a, basis_transform(a.T @ a))


@dataclass(frozen=True)
class WithinDesign:
    """A fixed-effects regression after partialling, in the transformed (``sqrt(w)``) space.

    Attributes
    ----------
    X : numpy.ndarray
        ``(n, p)`` within design times ``sqrt(w)``.
    y : numpy.ndarray
        ``(n,)`` within outcome times ``sqrt(w)``.
    cluster : numpy.ndarray
        ``(n,)`` cluster codes ``0..G-1``.
    beta : numpy.ndarray
        Least-squares coefficients of ``y`` on ``X``.
    resid : numpy.ndarray
        Transformed residuals ``y - X beta``.
    crossing_codes, nested_codes : tuple of numpy.ndarray
        Integer codes of the absorbed effects that cross the clusters and of those nested
        in them.
    weights : numpy.ndarray or None
        Regression weights.
    """

    X: np.ndarray
    y: np.ndarray
    cluster: np.ndarray
    beta: np.ndarray
    resid: np.ndarray
    crossing_codes: tuple[np.ndarray, ...] = ()
    nested_codes: tuple[np.ndarray, ...] = ()
    weights: np.ndarray | None = None

    @property
    def n_clusters(self) -> int:
        """Number of clusters."""
        return int(self.cluster.max()) + 1

    @cached_property
    def crossing(self) -> np.ndarray:
        """``(n, c)`` dummies of the crossing effects partialled on the nested ones, times
        ``sqrt(w)`` (not orthonormalised; :attr:`Zd` is their orthonormal basis)."""
        if not self.crossing_codes:
            return np.zeros((self.y.shape[0], 0))
        w = self.weights
        dc = _partialled_dummies(list(self.crossing_codes), list(self.nested_codes), w)
        if w is not None:
            dc *= np.sqrt(w)[:, None]
        return dc

    @cached_property
    def Zd(self) -> np.ndarray:  # noqa: N802 - the basis is named as in the notation
        """``(n, qd)`` orthonormal basis of the crossing effects partialled on the nested ones."""
        return _orthonormal_basis(self.crossing)


def within_design(
    y: np.ndarray,
    X: np.ndarray,
    factors: Sequence[np.ndarray],
    cluster: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    partialled: np.ndarray | None = None,
) -> WithinDesign:
    """Partial the absorbed factors out of ``y`` and ``X`` and set up the CR2 / bootstrap basis.

    Parameters
    ----------
    y : numpy.ndarray
        ``(n,)`` outcome.
    X : numpy.ndarray
        ``(n, p)`` regressors (no constant: the effects absorb it).
    factors : sequence of numpy.ndarray
        Integer codes of each absorbed effect.
    cluster : numpy.ndarray
        Integer cluster codes ``0..G-1``.
    weights : numpy.ndarray, optional
        Regression weights.
    partialled : numpy.ndarray, optional
        ``demean(np.column_stack([y, X]), factors, weights)`` when the caller has it already
        (not multiplied by ``sqrt(w)``); saves partialling a second time.

    Returns
    -------
    WithinDesign

    Raises
    ------
    EstimationError
        When the effects that are not nested in the clusters have too many levels for CR2.
    """
    w = None if weights is None else np.asarray(weights, dtype=float)
    root_w = np.ones(y.shape[0]) if w is None else np.sqrt(w)
    both = demean(np.column_stack([y, X]), factors, w) if partialled is None else partialled
    yt = np.ascontiguousarray(both[:, 0]) if w is None else both[:, 0] * root_w
    Xt = np.ascontiguousarray(both[:, 1:]) if w is None else both[:, 1:] * root_w[:, None]
    inside = [is_nested(f, cluster) for f in factors]
    nested = [f for f, ok in zip(factors, inside, strict=True) if ok]
    crossing = [f for f, ok in zip(factors, inside, strict=True) if not ok]
    n_cross = sum(int(f.max()) + 1 for f in crossing)
    if n_cross > MAX_CROSSING_LEVELS:
        raise EstimationError(
            f"CR2 / wild bootstrap: the absorbed effects that are not nested in the clusters have "
            f"{n_cross:,} levels (limit {MAX_CROSSING_LEVELS:,}); cluster at a level that contains "
            "the high-dimensional effect (e.g. the unit's school or district), or use se='cr1'"
        )
    beta = np.linalg.solve(Xt.T @ Xt, Xt.T @ yt)
    return WithinDesign(
        X=Xt,
        y=yt,
        cluster=cluster,
        beta=beta,
        resid=yt - Xt @ beta,
        crossing_codes=tuple(crossing),
        nested_codes=tuple(nested),
        weights=w,
    )


def _partialled_dummies(
    crossing: list[np.ndarray], nested: list[np.ndarray], w: np.ndarray | None
) -> np.ndarray:
    """Dummies of the crossing effects with the nested effects partialled out."""
    n = crossing[0].size
    cell = cell_weights(crossing, nested, w)
    if cell is not None:
        # the (nested level, crossing level) weight sums give every group mean
        f, g = crossing[0], nested[0]
        total = cell.sum(axis=1)
        total[total == 0] = 1.0
        out = -(cell / total[:, None])[g]
        out[np.arange(n), f] += 1.0
        return out
    cols = []
    for f in crossing:
        dummies = np.zeros((n, int(f.max()) + 1))
        dummies[np.arange(n), f] = 1.0
        cols.append(dummies)
    return demean(np.hstack(cols), nested, w)


def cell_weights(
    crossing: Sequence[np.ndarray], nested: Sequence[np.ndarray], w: np.ndarray | None
) -> np.ndarray | None:
    """``(levels of the nested effect, levels of the crossing effect)`` weight sums when there
    is one effect of each and the table is small (at most about ``4 n`` cells), else ``None``."""
    if len(crossing) != 1 or len(nested) != 1:
        return None
    f, g = crossing[0].astype(np.int64), nested[0].astype(np.int64)
    n_f, n_g = int(f.max()) + 1, int(g.max()) + 1
    if n_f * n_g > 4 * f.size + 1_000_000:
        return None
    return np.bincount(g * n_f + f, weights=w, minlength=n_f * n_g).reshape(n_g, n_f)


def full_basis(design: WithinDesign) -> tuple[np.ndarray, np.ndarray]:
    """``Z = [Zd, X R^-1]`` (orthonormal) and ``M = (X'X)^-1``."""
    xtx = design.X.T @ design.X
    M = np.linalg.inv(xtx)
    chol = np.linalg.cholesky(xtx)  # xtx = L L'
    Zx = tall_times_small(design.X, np.linalg.inv(chol).T)  # X L^-T, orthonormal columns
    return np.hstack([design.Zd, Zx]), M
