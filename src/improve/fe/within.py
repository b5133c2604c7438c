"""The within (fixed-effects) least-squares fit behind ``panel_regression``, without linearmodels.

The absorbed effects are partialled out by :func:`improve.inference.demean` (exact for one
effect; the largest effect exactly and the others through their reduced normal equations for
several), then ordinary least squares on the within design in the ``sqrt(w)`` space. The
covariances follow linearmodels' conventions for the model ``panel_regression`` names
(``PanelOLS`` or ``AbsorbingLS``), before the small-sample factor the caller applies:

* one-way clustered: ``G/(G-1) (X'X)^-1 (sum_g s_g s_g') (X'X)^-1``, ``s_g`` the cluster
  sums of the scores ``x_i e_i``;
* two-way clustered (Cameron–Gelbach–Miller): the same for each dimension plus ``-`` the
  intersection of the two, each with its own ``G/(G-1)``;
* heteroskedasticity-robust (``PanelOLS`` only): ``n / (n - k - k_fe)`` times White's
  covariance, ``k_fe`` the levels of the effects less one for each effect after the first
  (linearmodels' count without a constant).

The tests compare the results with linearmodels and pyfixest (stored references).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from improve.errors import EstimationError
from improve.inference import demean

#: A regressor is absorbed when less than this share of its norm survives the partialling
#: (linearmodels' ``drop_absorbed`` rule), or of its part not explained by earlier regressors.
ABSORBED_TOL = 1e-5


@dataclass(frozen=True)
class WithinFit:
    """One within fit.

    Attributes
    ----------
    params : numpy.ndarray
        Coefficients, one per regressor.
    cov : numpy.ndarray
        Covariance before the caller's small-sample factor (see the module notes).
    df_resid : float
        ``n - k - k_fe`` (linearmodels' ``df_resid``).
    r2_within : float
        R-squared of the within regression (NaN when the within outcome does not vary).
    partialled : numpy.ndarray
        ``[y, X]`` with the effects partialled out (before ``sqrt(w)``), for CR2 and the
        wild bootstrap.
    """

    params: np.ndarray
    cov: np.ndarray
    df_resid: float
    r2_within: float
    partialled: np.ndarray


def within_fit(
    y: np.ndarray,
    X: np.ndarray,
    codes: list[np.ndarray],
    clusters: list[np.ndarray],
    w: np.ndarray | None,
    regressors: list[str],
    se: str,
) -> WithinFit:
    """Partial the effects ``codes`` out of ``y`` and ``X`` and fit by least squares.

    Parameters
    ----------
    y, X : numpy.ndarray
        Outcome ``(n,)`` and regressors ``(n, k)`` (no constant).
    codes : list of numpy.ndarray
        Integer codes of each absorbed effect.
    clusters : list of numpy.ndarray
        Integer codes of each clustering column (none for ``se="hc1"``).
    w : numpy.ndarray, optional
        Regression weights.
    regressors : list of str
        Regressor names (for the error message when one is absorbed).
    se : str
        ``"hc1"``, ``"twoway"`` or a one-way clustered type.

    Returns
    -------
    WithinFit

    Raises
    ------
    EstimationError
        A regressor is absorbed by the effects or collinear with the others.
    """
    n, k = X.shape
    root_w = np.ones(n) if w is None else np.sqrt(w)
    both = demean(np.column_stack([y, X]), codes, w)
    yt = both[:, 0] * root_w
    Xt = both[:, 1:] * root_w[:, None]
    xtx = Xt.T @ Xt
    gone = _absorbed(xtx, np.linalg.norm(X * root_w[:, None], axis=0))
    if gone:
        raise EstimationError(
            f"{[regressors[j] for j in gone]} are absorbed by the fixed effects (constant "
            "within an absorbed group) and cannot be estimated; drop them or absorb fewer "
            "effects"
        )
    bread = np.linalg.inv(xtx)
    beta = bread @ (Xt.T @ yt)
    e = yt - Xt @ beta
    scores = Xt * e[:, None]
    if se == "hc1":
        k_fe = sum(int(c.max()) + 1 for c in codes) - (len(codes) - 1)
        df_resid = float(n - k - k_fe)
        meat = scores.T @ scores * (n / df_resid)
    else:
        df_resid = float(n - k - sum(int(c.max()) + 1 for c in codes) + len(codes) - 1)
        meat = _cluster_meat(scores, clusters[0])
        if se == "twoway":
            both_codes = clusters[0].astype(np.int64) * (int(clusters[1].max()) + 1) + clusters[1]
            meat = meat + _cluster_meat(scores, clusters[1])
            meat = meat - _cluster_meat(scores, np.unique(both_codes, return_inverse=True)[1])
    cov = bread @ meat @ bread
    cov = (cov + cov.T) / 2
    total = float(yt @ yt)
    y_ss = float(np.sum((y * root_w) ** 2))
    eps = float(np.finfo(float).eps)
    r2 = float("nan") if total <= (max(n, 100) * eps) ** 2 * y_ss else 1.0 - float(e @ e) / total
    return WithinFit(beta, cov, df_resid, r2, both)


def _cluster_meat(scores: np.ndarray, cluster: np.ndarray) -> np.ndarray:
    """``G/(G-1) sum_g s_g s_g'`` with ``s_g`` the cluster sums of the score rows."""
    size = int(cluster.max()) + 1
    sums = np.column_stack(
        [np.bincount(cluster, weights=scores[:, j], minlength=size) for j in range(scores.shape[1])]
    )
    g = int(np.count_nonzero(np.bincount(cluster, minlength=size)))
    return sums.T @ sums * (g / (g - 1) if g > 1 else 1.0)


def _absorbed(xtx: np.ndarray, norms: np.ndarray) -> list[int]:
    """Regressors with less than ``ABSORBED_TOL`` of their norm left after the effects and
    the earlier kept regressors (in order)."""
    kept: list[int] = []
    gone: list[int] = []
    for j in range(xtx.shape[0]):
        left = xtx[j, j]
        if kept:
            sub = xtx[np.ix_(kept, kept)]
            cross = xtx[kept, j]
            left = left - cross @ np.linalg.solve(sub, cross)
        if np.sqrt(max(left, 0.0)) < ABSORBED_TOL * max(norms[j], 1e-300) or norms[j] == 0:
            gone.append(j)
        else:
            kept.append(j)
    return gone
