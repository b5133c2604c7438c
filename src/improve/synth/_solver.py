"""Frank–Wolfe solver for synthetic-control weights, as R ``synthdid`` (``sc.weight.fw``).

Minimises ``zeta^2 * ||w||^2 + ||A w - b||^2 / N`` over the simplex by Frank–Wolfe steps
with exact line search, stopping when the objective falls by less than ``min_decrease^2``
between iterations (Arkhangelsky et al. 2021; R ``synthdid`` 0.0.9, ``solver.R``).

Problems are solved in batches of one shape: a placebo, jackknife or bootstrap needs hundreds
of refits, and iterating them together replaces hundreds of Python loops by one. The products
``A'A`` and ``A x`` are updated incrementally along each step (a step moves ``x`` towards one
vertex), which gives R's iterates to rounding error.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


def sparsify(weights: FloatArray) -> FloatArray:
    """Zero the weights at or below a quarter of the largest and renormalise (R's default)."""
    out = np.where(weights <= weights.max() / 4.0, 0.0, weights)
    return out / out.sum()


def sum_normalize(weights: FloatArray) -> FloatArray:
    """Weights divided by their sum; uniform when they sum to zero."""
    total = weights.sum()
    if total != 0:
        return weights / total
    return np.full(weights.size, 1.0 / weights.size)


def simplex_weights(
    y: FloatArray,
    zeta: FloatArray | float,
    *,
    intercept: bool = True,
    start: FloatArray | None = None,
    min_decrease: FloatArray | float = 1e-3,
    max_iter: int = 1000,
) -> FloatArray:
    """Weights on the simplex fitting the last column of each ``y[b]`` by its other columns.

    Parameters
    ----------
    y : ndarray, shape (B, N, T0 + 1)
        A batch of problems; in each, rows are the fitting observations and the first ``T0``
        columns are combined with the weights to fit the last column.
    zeta, min_decrease : float or ndarray of shape (B,)
        Ridge penalty (outcome units); the objective's penalty is ``N * zeta^2``.
    intercept : bool
        Centre each column first (weights fit up to a constant).
    start : ndarray, shape (B, T0), optional
        Starting weights (default: uniform).
    max_iter : int
        Each problem stops when its objective falls by less than ``min_decrease**2``
        (later iterations leave it unchanged), or after ``max_iter`` steps.

    Returns
    -------
    ndarray, shape (B, T0)
    """
    batch, n, t_plus = y.shape
    t0 = t_plus - 1
    if start is None:
        x = np.full((batch, t0), 1.0 / t0)
    else:
        x = np.array(start, dtype=float, copy=True)
    if intercept:
        y = y - y.mean(axis=1, keepdims=True)
    a = y[:, :, :t0]
    b = y[:, :, t0]
    at = np.ascontiguousarray(np.swapaxes(a, 1, 2))  # (B, T0, N)
    gram = at @ a  # (B, T0, T0)
    c = np.einsum("bkn,bn->bk", at, b)
    z2 = np.broadcast_to(np.asarray(zeta, dtype=float) ** 2, (batch,)).copy()
    eta = n * z2
    ax = np.einsum("bnk,bk->bn", a, x)
    gx = np.einsum("bkl,bl->bk", gram, x)
    rows = np.arange(batch)
    threshold = np.broadcast_to(np.asarray(min_decrease, dtype=float) ** 2, (batch,))
    active = np.ones(batch, dtype=bool)
    prev = np.full(batch, np.nan)
    last = np.full(batch, np.nan)
    for it in range(max_iter):
        if not active.any():
            break
        half_grad = gx - c + eta[:, None] * x
        i = np.argmin(half_grad, axis=1)
        d_x = -x
        d_x[rows, i] += 1.0
        d_err = at[rows, i, :] - ax
        num = np.einsum("bk,bk->b", half_grad, d_x)
        den = np.einsum("bn,bn->b", d_err, d_err) + eta * np.einsum("bk,bk->b", d_x, d_x)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.clip(-num / den, 0.0, 1.0)
        step = np.where(active & (den > 0), step, 0.0)
        x = x + step[:, None] * d_x
        ax = ax + step[:, None] * d_err
        gx = gx + step[:, None] * (gram[rows, i, :] - gx)
        err = ax - b
        val = z2 * np.einsum("bk,bk->b", x, x) + np.einsum("bn,bn->b", err, err) / n
        prev, last = np.where(active, last, prev), np.where(active, val, last)
        if it >= 1:
            active &= (prev - last) > threshold
    return x
