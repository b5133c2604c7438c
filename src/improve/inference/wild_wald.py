"""Restricted wild cluster bootstrap (WCR) of a joint Wald test in a fixed-effects regression.

Used for the pre-trend tests of the regression-based event studies (Sun--Abraham). With few
or very unequal clusters, the Wald statistic on a CR1 covariance is far from its chi-squared
or Hotelling F reference; its restricted wild bootstrap distribution is not (Cameron,
Gelbach & Miller 2008; MacKinnon & Webb 2017; ``boottest``'s ``waldtest``). The model is
given after partialling out effects nested in the clusters (unit effects within districts),
so that multiplying restricted residuals by one weight per cluster keeps them orthogonal to
those effects; every other regressor (time dummies included) is re-estimated in each draw.

For the restriction ``L beta = 0`` with restricted fit ``beta_r`` and residuals ``e``, a draw
``v`` (one weight per cluster) gives ``y* = X beta_r + v * e``, so ``beta* = beta_r + C'v``
with ``C_g = (X'X)^-1 X_g' e_g``, and the cluster scores of ``y*`` are
``S*_g = v_g a_g - M_g C'v`` (``a_g = X_g' e_g``, ``M_g = X_g' X_g``). Each draw costs
``O(G p^2)``; the CR1 scale factor cancels between the observed and bootstrap statistics.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from improve.inference.partialling import demean
from improve.inference.wild import bootstrap_weights

FloatArray = NDArray[np.float64]

#: Largest ``rows x columns`` of a design kept on a result for the test (about 80 MB).
MAX_DESIGN_SIZE = 10_000_000


@dataclass(frozen=True)
class WildDesign:
    """A regression after partialling out cluster-nested effects (``sqrt(w)``-weighted).

    Attributes
    ----------
    x : ndarray, shape (n, p)
    y : ndarray, shape (n,)
    cluster : ndarray of int, shape (n,)
        Cluster codes ``0..G-1``; the partialled effects must be nested in them.
    """

    x: FloatArray
    y: FloatArray
    cluster: NDArray[np.intp]

    @property
    def n_clusters(self) -> int:
        """Number of clusters."""
        return int(self.cluster.max()) + 1


@dataclass(frozen=True)
class WildWaldTest:
    """Result of :func:`wild_wald_test`."""

    statistic: float
    p_value: float
    n_draws: int
    enumerated: bool


def unit_within_design(
    y: FloatArray,
    columns: FloatArray,
    unit_codes: NDArray[np.intp],
    cluster_codes: NDArray[np.intp],
    weights: FloatArray | None = None,
) -> WildDesign | None:
    """The regression of ``y`` on ``columns`` and unit effects, for :func:`wild_wald_test`.

    Returns None when units are not nested in clusters (the bootstrap would then need the
    unit effects re-estimated), when the columns are collinear after removing the unit
    means, or when the design is larger than :data:`MAX_DESIGN_SIZE`.
    """
    if columns.size > MAX_DESIGN_SIZE:
        return None
    per_unit = np.full(int(unit_codes.max()) + 1, -1)
    per_unit[unit_codes] = cluster_codes
    if np.any(per_unit[unit_codes] != cluster_codes):
        return None
    w = np.ones(y.size) if weights is None else np.asarray(weights, dtype=float)
    both = demean(np.column_stack([y, columns]), [unit_codes], w) * np.sqrt(w)[:, None]
    x = both[:, 1:]
    if np.linalg.matrix_rank(x) < x.shape[1]:
        return None
    return WildDesign(x, both[:, 0], np.asarray(cluster_codes, dtype=np.intp))


def _cluster_sums(values: FloatArray, cluster: NDArray[np.intp], n_cl: int) -> FloatArray:
    out = np.zeros((n_cl, values.shape[1]))
    np.add.at(out, cluster, values)
    return out


def wild_wald_test(
    design: WildDesign,
    restriction: FloatArray,
    *,
    n_boot: int = 999,
    seed: int | None = 0,
    weights: str = "rademacher",
) -> WildWaldTest:
    """Joint test of ``restriction @ beta = 0`` by the restricted wild cluster bootstrap.

    Parameters
    ----------
    design : WildDesign
    restriction : ndarray, shape (q, p)
        Rows of the linear restrictions (e.g. pre-period event-time aggregations).
    n_boot : int
        Draws (all ``2**G`` Rademacher sign vectors when that is fewer: exact p-value).
    seed : int, optional
        Seed of the weights.
    weights : {"rademacher", "webb"}

    Returns
    -------
    WildWaldTest
        The CR-type Wald statistic (without finite-sample scale factors) and the share of
        bootstrap statistics above it (ties, such as the draw of all ones, not counted).
    """
    x, y, cl = design.x, design.y, design.cluster
    L = np.atleast_2d(np.asarray(restriction, dtype=float))
    n_cl = design.n_clusters
    bread = np.linalg.inv(x.T @ x)
    beta = bread @ (x.T @ y)
    resid = y - x @ beta

    def wald(b: FloatArray, scores: FloatArray) -> float:
        lb = L @ b
        v = L @ bread @ (scores.T @ scores) @ bread @ L.T
        return float(lb @ np.linalg.pinv(v) @ lb)

    observed = wald(beta, _cluster_sums(x * resid[:, None], cl, n_cl))
    # restricted fit: beta_r = beta - B L'(L B L')^-1 L beta
    lbl = L @ bread @ L.T
    beta_r = beta - bread @ L.T @ np.linalg.pinv(lbl) @ (L @ beta)
    e = y - x @ beta_r
    a = _cluster_sums(x * e[:, None], cl, n_cl)  # (G, p)
    c = a @ bread  # rows C_g' = (X'X)^-1 X_g' e_g (bread symmetric)
    m = np.zeros((n_cl, x.shape[1], x.shape[1]))
    np.add.at(m, cl, x[:, :, None] * x[:, None, :])
    draws, enumerated = bootstrap_weights(n_cl, n_boot, weights, np.random.default_rng(seed))
    lc = c @ L.T  # (G, q): L C_g
    exceed = 0
    for b in range(draws.shape[1]):
        v = draws[:, b]
        shift = c.T @ v  # beta* - beta_r
        scores = v[:, None] * a - m @ shift
        lb = lc.T @ v
        cov = L @ bread @ (scores.T @ scores) @ bread @ L.T
        stat = float(lb @ np.linalg.pinv(cov) @ lb)
        exceed += stat > observed * (1.0 + 1e-10) + 1e-300  # ties not counted (as fe)
    return WildWaldTest(observed, exceed / draws.shape[1], int(draws.shape[1]), enumerated)
