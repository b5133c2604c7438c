"""Numerical core of :mod:`improve.fe` inference: FE partialling, CR2 and the wild bootstrap.

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

import numpy as np

from improve.errors import EstimationError

#: Most crossing fixed-effect levels CR2 and the wild bootstrap will handle as explicit columns.
MAX_CROSSING_LEVELS = 5000
#: Eigenvalues of ``I - H_gg`` below this are treated as zero (clubSandwich's ``matrix_power``).
EIG_TOL = 1e-12
#: Webb's six-point weights.
WEBB_POINTS = np.array(
    [-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)], dtype=float
)


# ----------------------------------------------------------------------------- partialling


def demean(
    values: np.ndarray,
    factors: Sequence[np.ndarray],
    weights: np.ndarray | None = None,
    *,
    tol: float = 1e-13,
    max_iter: int = 100_000,
) -> np.ndarray:
    """Partial one or more factors out of the columns of ``values`` (weighted group means).

    Alternating projections (method of alternating projections, as in ``reghdfe``/``fixest``);
    one pass is exact for a single factor.

    Parameters
    ----------
    values : numpy.ndarray
        ``(n,)`` or ``(n, k)`` array.
    factors : sequence of numpy.ndarray
        Integer codes ``0..L-1`` of each absorbed factor, length ``n`` each.
    weights : numpy.ndarray, optional
        Positive weights (weighted means); ``None`` for equal weights.
    tol : float
        Convergence tolerance on the largest change, relative to the column scale.
    max_iter : int
        Most sweeps over the factors.

    Returns
    -------
    numpy.ndarray
        The residuals of a (weighted) regression of each column on the factor dummies.
    """
    out = np.array(values, dtype=float, copy=True)
    squeeze = out.ndim == 1
    if squeeze:
        out = out[:, None]
    if not factors:
        return out[:, 0] if squeeze else out
    w = np.ones(out.shape[0]) if weights is None else np.asarray(weights, dtype=float)
    sums = [np.bincount(f, weights=w) for f in factors]
    sums = [np.where(s > 0, s, 1.0) for s in sums]
    for j in range(out.shape[1]):
        col = out[:, j]
        scale = max(float(np.max(np.abs(col))) if col.size else 0.0, 1e-300)
        for _ in range(max_iter):
            change = 0.0
            for f, s in zip(factors, sums, strict=True):
                means = np.bincount(f, weights=w * col, minlength=s.size) / s
                col -= means[f]
                change = max(change, float(np.max(np.abs(means))))
            if len(factors) == 1 or change <= tol * scale:
                break
        else:  # pragma: no cover - pathological designs only
            raise EstimationError(
                "partialling out the fixed effects did not converge; check that the absorbed "
                "effects are connected, or absorb fewer effects"
            )
        out[:, j] = col
    return out[:, 0] if squeeze else out


def is_nested(factor: np.ndarray, cluster: np.ndarray) -> bool:
    """Whether every level of ``factor`` lies inside one cluster."""
    n_levels = int(factor.max()) + 1 if factor.size else 0
    pairs = np.unique(factor.astype(np.int64) * (int(cluster.max()) + 1) + cluster)
    return pairs.size == n_levels


def _orthonormal_basis(a: np.ndarray, rel_tol: float = 1e-10) -> np.ndarray:
    """Orthonormal basis of the column span of ``a`` (drops collinear directions)."""
    if a.shape[1] == 0:
        return a
    gram = a.T @ a
    lam, vec = np.linalg.eigh(gram)
    keep = lam > rel_tol * max(float(lam.max()), 1e-300)
    return a @ (vec[:, keep] / np.sqrt(lam[keep]))


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
    Zd : numpy.ndarray
        ``(n, qd)`` orthonormal basis of the crossing effects partialled on the nested ones.
    beta : numpy.ndarray
        Least-squares coefficients of ``y`` on ``X``.
    resid : numpy.ndarray
        Transformed residuals ``y - X beta``.
    """

    X: np.ndarray
    y: np.ndarray
    cluster: np.ndarray
    Zd: np.ndarray
    beta: np.ndarray
    resid: np.ndarray

    @property
    def n_clusters(self) -> int:
        """Number of clusters."""
        return int(self.cluster.max()) + 1


def within_design(
    y: np.ndarray,
    X: np.ndarray,
    factors: Sequence[np.ndarray],
    cluster: np.ndarray,
    weights: np.ndarray | None = None,
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
    both = demean(np.column_stack([y, X]), factors, w)
    yt = both[:, 0] * root_w
    Xt = both[:, 1:] * root_w[:, None]
    nested = [f for f in factors if is_nested(f, cluster)]
    crossing = [f for f in factors if not is_nested(f, cluster)]
    n_cross = sum(int(f.max()) + 1 for f in crossing)
    if n_cross > MAX_CROSSING_LEVELS:
        raise EstimationError(
            f"CR2 / wild bootstrap: the absorbed effects that are not nested in the clusters have "
            f"{n_cross:,} levels (limit {MAX_CROSSING_LEVELS:,}); cluster at a level that contains "
            "the high-dimensional effect (e.g. the unit's school or district), or use se='cr1'"
        )
    if crossing:
        cols = []
        for f in crossing:
            dummies = np.zeros((f.size, int(f.max()) + 1))
            dummies[np.arange(f.size), f] = 1.0
            cols.append(dummies)
        dc = demean(np.hstack(cols), nested, w) * root_w[:, None]
        Zd = _orthonormal_basis(dc)
    else:
        Zd = np.zeros((y.shape[0], 0))
    beta = np.linalg.lstsq(Xt, yt, rcond=None)[0]
    return WithinDesign(X=Xt, y=yt, cluster=cluster, Zd=Zd, beta=beta, resid=yt - Xt @ beta)


def _cluster_slices(cluster: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(cluster, kind="stable")
    starts = np.searchsorted(cluster[order], np.arange(int(cluster.max()) + 2))
    return order, starts


def _full_basis(design: WithinDesign) -> tuple[np.ndarray, np.ndarray]:
    """``Z = [Zd, X R^-1]`` (orthonormal) and ``M = (X'X)^-1``."""
    xtx = design.X.T @ design.X
    M = np.linalg.inv(xtx)
    chol = np.linalg.cholesky(xtx)  # xtx = L L'
    Zx = np.linalg.solve(chol, design.X.T).T  # X L^-T, orthonormal columns
    return np.hstack([design.Zd, Zx]), M


# ----------------------------------------------------------------------------- CR2


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

    Parameters
    ----------
    design : WithinDesign

    Returns
    -------
    CR2Result
    """
    Z, M = _full_basis(design)
    X, e = design.X, design.resid
    order, starts = _cluster_slices(design.cluster)
    G = starts.size - 1
    p, q = X.shape[1], Z.shape[1]
    scores = np.empty((G, p))
    zu = np.empty((G, q, p))  # Z_g' A_g X_g
    uu = np.empty((G, p, p))  # X_g' A_g^2 X_g
    for g in range(G):
        idx = order[starts[g] : starts[g + 1]]
        Xg, Zg, eg = X[idx], Z[idx], e[idx]
        Sg = Zg.T @ Zg
        BX = Zg.T @ Xg
        lam, vec = np.linalg.eigh(Sg)
        lam = np.clip(lam, 0.0, 1.0)
        one_minus = 1.0 - lam
        small = lam < 1e-14
        safe = np.where(small, 1.0, lam)
        singular = one_minus < EIG_TOL
        inv_sqrt = np.where(singular, 0.0, 1.0 / np.sqrt(np.where(singular, 1.0, one_minus)))
        inv = np.where(singular, 0.0, 1.0 / np.where(singular, 1.0, one_minus))
        k1 = np.where(small, 0.5, (inv_sqrt - 1.0) / safe)
        k2 = np.where(small, 1.0, (inv - 1.0) / safe)
        K1 = (vec * k1) @ vec.T
        K2 = (vec * k2) @ vec.T
        scores[g] = Xg.T @ eg + BX.T @ (K1 @ (Zg.T @ eg))
        zu[g] = BX + Sg @ K1 @ BX
        uu[g] = Xg.T @ Xg + BX.T @ K2 @ BX
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


# ----------------------------------------------------------------------------- wild bootstrap


@dataclass(frozen=True)
class WildResult:
    """Wild cluster bootstrap (WCR) p-values and test-inversion intervals, one per coefficient."""

    p_value: np.ndarray
    conf_low: np.ndarray
    conf_high: np.ndarray
    t_stat: np.ndarray
    n_draws: int
    enumerated: bool
    weights: str


def bootstrap_weights(
    n_clusters: int, n_boot: int, kind: str, rng: np.random.Generator
) -> tuple[np.ndarray, bool]:
    """Draw the ``(G, B)`` matrix of cluster weights.

    Rademacher weights are enumerated (all ``2**G`` sign vectors, so the p-value is exact and
    does not depend on the seed) when ``2**G <= n_boot``.
    """
    if kind == "rademacher":
        if n_clusters <= 30 and 2**n_clusters <= n_boot:
            codes = np.arange(2**n_clusters, dtype=np.int64)
            bits = (codes[None, :] >> np.arange(n_clusters, dtype=np.int64)[:, None]) & 1
            return (2.0 * bits - 1.0), True
        return rng.choice(np.array([-1.0, 1.0]), size=(n_clusters, n_boot)), False
    if kind == "webb":
        return rng.choice(WEBB_POINTS, size=(n_clusters, n_boot)), False
    raise EstimationError(f"boot_weights must be 'rademacher' or 'webb', got {kind!r}")


class _WildTerm:
    """Precomputed cluster sums for the restricted wild bootstrap of one coefficient."""

    def __init__(self, design: WithinDesign, Z: np.ndarray, M: np.ndarray, j: int) -> None:
        X, y = design.X, design.y
        p = X.shape[1]
        others = [k for k in range(p) if k != j]
        x = X[:, j]
        if others:
            X0 = X[:, others]
            coef = np.linalg.lstsq(X0, np.column_stack([y, x]), rcond=None)[0]
            u0 = y - X0 @ coef[:, 0]
            xi = x - X0 @ coef[:, 1]
        else:
            u0, xi = y.copy(), x.copy()
        a = M[:, j]
        G = design.n_clusters
        cl = design.cluster
        xa = X @ a
        # per-cluster sums: d = a' X_g' u, T = Z_g' u, f = Z_g' X_g a, unrestricted score
        self.d0 = np.bincount(cl, weights=xa * u0, minlength=G)
        self.dxi = np.bincount(cl, weights=xa * xi, minlength=G)
        q = Z.shape[1]
        self.T0 = np.empty((G, q))
        self.Txi = np.empty((G, q))
        self.F = np.empty((G, q))
        for k in range(q):
            self.T0[:, k] = np.bincount(cl, weights=Z[:, k] * u0, minlength=G)
            self.Txi[:, k] = np.bincount(cl, weights=Z[:, k] * xi, minlength=G)
            self.F[:, k] = np.bincount(cl, weights=Z[:, k] * xa, minlength=G)
        score = np.bincount(cl, weights=xa * design.resid, minlength=G)
        self.se0 = float(np.sqrt(score @ score))
        self.beta = float(design.beta[j])

    def t_stat(self, r: float) -> float:
        return (self.beta - r) / self.se0

    def p_value(self, r: float, draws: np.ndarray, chunk: int = 4096) -> float:
        d = self.d0 - r * self.dxi
        T = self.T0 - r * self.Txi
        t_obs = abs(self.t_stat(r))
        exceed = 0
        for start in range(0, draws.shape[1], chunk):
            V = draws[:, start : start + chunk]
            num = d @ V
            scores = d[:, None] * V - self.F @ (T.T @ V)
            den = np.sqrt(np.einsum("gb,gb->b", scores, scores))
            with np.errstate(divide="ignore", invalid="ignore"):
                t_boot = np.abs(num / den)
            exceed += int(np.sum(t_boot > t_obs * (1.0 + 1e-10) + 1e-300))
        return exceed / draws.shape[1]


def wild_bootstrap(
    design: WithinDesign,
    *,
    n_boot: int = 9999,
    weights: str = "rademacher",
    seed: int | np.random.Generator | None = None,
    alpha: float = 0.05,
    null: float = 0.0,
    conf_int: bool = True,
) -> WildResult:
    """Restricted wild cluster bootstrap-t (WCR, Cameron–Gelbach–Miller; Roodman et al. 2019).

    For each coefficient the null ``beta_j = null`` is imposed, the restricted residuals are
    multiplied by one weight per cluster, the model *with all absorbed effects* is re-estimated
    and a CR1 t statistic is formed; the p-value is the share of bootstrap ``|t*|`` above the
    observed ``|t|`` (symmetric, ties not counted). Intervals invert the test: the set of
    ``r`` whose p-value is at least ``alpha``, found by bisection with the same draws for every
    ``r`` (as ``fwildclusterboot``/``boottest``). Each draw costs ``O(G q)`` after one pass over
    the data (the algebra of Roodman et al. 2019, extended to effects that cross clusters).

    Parameters
    ----------
    design : WithinDesign
    n_boot : int
        Bootstrap draws (all ``2**G`` Rademacher vectors when that is fewer).
    weights : {"rademacher", "webb"}
    seed : int or numpy.random.Generator, optional
    alpha : float
        1 − confidence level of the intervals.
    null : float
        Value imposed under the null for the p-value.
    conf_int : bool
        Compute test-inversion intervals.

    Returns
    -------
    WildResult
    """
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    draws, enumerated = bootstrap_weights(design.n_clusters, n_boot, weights, rng)
    Z, M = _full_basis(design)
    p = design.X.shape[1]
    pv, lo, hi, ts = (np.full(p, np.nan) for _ in range(4))
    for j in range(p):
        term = _WildTerm(design, Z, M, j)
        ts[j] = term.t_stat(null)
        pv[j] = term.p_value(null, draws)
        if conf_int and term.se0 > 0:
            lo[j], hi[j] = _invert(term, draws, alpha)
    return WildResult(
        p_value=pv,
        conf_low=lo,
        conf_high=hi,
        t_stat=ts,
        n_draws=draws.shape[1],
        enumerated=enumerated,
        weights=weights,
    )


def _invert(term: _WildTerm, draws: np.ndarray, alpha: float) -> tuple[float, float]:
    """Bisection for the ends of ``{r : p(r) >= alpha}`` around the estimate."""
    b, s = term.beta, term.se0
    bounds = []
    for sign in (-1.0, 1.0):
        inner, step = b, 2.0 * s
        outer = b + sign * step
        for _ in range(40):
            if term.p_value(outer, draws) < alpha:
                break
            inner, step = outer, step * 2.0
            outer = b + sign * step
        else:
            bounds.append(sign * np.inf)
            continue
        for _ in range(60):
            mid = 0.5 * (inner + outer)
            if term.p_value(mid, draws) >= alpha:
                inner = mid
            else:
                outer = mid
            if abs(outer - inner) <= 1e-5 * s:
                break
        bounds.append(0.5 * (inner + outer))
    return bounds[0], bounds[1]
