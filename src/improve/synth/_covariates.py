"""Synthetic weights with covariates, as R ``synthdid``'s ``sc.weight.fw.covariates``.

With time-varying covariates ``X`` (units × periods × K) the outcome is residualised,
``Y - X beta``, and ``beta`` is found together with the weights: each iteration takes one
exact-line-search Frank–Wolfe step for λ and for ω on the residualised collapsed outcome,
then a gradient step of size ``1/t`` for ``beta`` (Arkhangelsky et al. 2021, section 2 and
Appendix; R ``synthdid`` 0.0.9, ``solver.R``). Runs until the objective changes by less than
``min_decrease**2``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from improve.synth._core import SynthOptions, collapsed_form

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class CovariateWeights:
    omega: FloatArray
    lambda_: FloatArray
    beta: FloatArray


def _fw_step(a: FloatArray, x: FloatArray, b: FloatArray, eta: FloatArray) -> FloatArray:
    """One exact-line-search Frank–Wolfe step for each problem of a batch: ``a`` (B, m, n),
    ``x`` (B, n), ``b`` (B, m), ``eta`` (B,)."""
    rows = np.arange(x.shape[0])
    ax = np.einsum("bmn,bn->bm", a, x)
    half_grad = np.einsum("bm,bmn->bn", ax - b, a) + eta[:, None] * x
    i = np.argmin(half_grad, axis=1)
    d_x = -x.copy()
    d_x[rows, i] = 1.0 - x[rows, i]
    d_err = a[rows, :, i] - ax
    num = -np.einsum("bn,bn->b", half_grad, d_x)
    den = np.einsum("bm,bm->b", d_err, d_err) + eta * np.einsum("bn,bn->b", d_x, d_x)
    moves = d_x.any(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        step = np.where(moves, np.clip(num / np.where(moves, den, 1.0), 0.0, 1.0), 0.0)
    return x + step[:, None] * d_x


def _centre(m: FloatArray, on: bool) -> FloatArray:
    """Subtract column means over the units axis (axis 1 of a batch) when ``on``."""
    return m - m.mean(axis=1, keepdims=True) if on else m


def _per_problem(value: float | FloatArray, b: int) -> FloatArray:
    return np.broadcast_to(np.asarray(value, dtype=float), (b,)).copy()


def fit_weights_covariates_batch(
    yc: FloatArray,
    xc: FloatArray,
    opts: SynthOptions,
    omega: FloatArray | None = None,
    lambda_: FloatArray | None = None,
) -> CovariateWeights:
    """Weights and covariate coefficients for a batch of collapsed problems: ``yc``
    (B, N0+1, T0+1), ``xc`` (B, N0+1, T0+1, K); ζ and ``min_decrease`` scalars or (B,).

    Each problem iterates exactly as it would alone: once its objective stops decreasing
    it is frozen while the others go on, so a batch returns what B separate fits return.
    """
    nb, n0, t0 = yc.shape[0], yc.shape[1] - 1, yc.shape[2] - 1
    k = xc.shape[3]
    lam = np.full((nb, t0), 1.0 / t0) if lambda_ is None else np.array(lambda_, float)
    om = np.full((nb, n0), 1.0 / n0) if omega is None else np.array(omega, float)
    beta = np.zeros((nb, k))
    z_l = _per_problem(opts.zeta_lambda, nb) ** 2
    z_o = _per_problem(opts.zeta_omega, nb) ** 2
    threshold = _per_problem(opts.min_decrease, nb) ** 2

    def update(beta: FloatArray, lam: FloatArray, om: FloatArray) -> tuple:
        y_beta = yc - np.einsum("bntk,bk->bnt", xc, beta)
        y_l = _centre(y_beta[:, :n0, :], opts.lambda_intercept)
        if opts.update_lambda:
            lam = _fw_step(y_l[:, :, :t0], lam, y_l[:, :, t0], n0 * z_l)
        err_l = np.einsum("bnt,bt->bn", y_l, np.hstack([lam, np.full((nb, 1), -1.0)]))
        y_o = _centre(np.swapaxes(y_beta[:, :, :t0], 1, 2), opts.omega_intercept)
        if opts.update_omega:
            om = _fw_step(y_o[:, :, :n0], om, y_o[:, :, n0], t0 * z_o)
        err_o = np.einsum("btn,bn->bt", y_o, np.hstack([om, np.full((nb, 1), -1.0)]))
        val = (
            z_o * np.einsum("bn,bn->b", om, om)
            + z_l * np.einsum("bt,bt->b", lam, lam)
            + np.einsum("bt,bt->b", err_o, err_o) / t0
            + np.einsum("bn,bn->b", err_l, err_l) / n0
        )
        return lam, om, err_l, err_o, val

    lam, om, err_l, err_o, _ = update(beta, lam, om)
    previous = np.full(nb, np.nan)
    active = np.ones(nb, dtype=bool)
    t = 0
    while t < opts.max_iter and active.any():
        t += 1
        lam_w = np.hstack([lam, -np.ones((nb, 1))])
        om_w = np.hstack([om, -np.ones((nb, 1))])
        grad = -(
            np.einsum("bn,bntk,bt->bk", err_l, xc[:, :n0, :, :], lam_w) / n0
            + np.einsum("bt,bntk,bn->bk", err_o, xc[:, :, :t0, :], om_w) / t0
        )
        new_beta = beta - grad / t
        new = update(new_beta, lam, om)
        keep = active[:, None]
        beta = np.where(keep, new_beta, beta)
        lam, om = np.where(keep, new[0], lam), np.where(keep, new[1], om)
        err_l, err_o = np.where(keep, new[2], err_l), np.where(keep, new[3], err_o)
        val = new[4]
        done = active & (t >= 2) & (np.abs(previous - val) <= threshold)
        previous = np.where(active, val, previous)
        active &= ~done
    return CovariateWeights(omega=om, lambda_=lam, beta=beta)


def covariate_estimate(
    y: FloatArray,
    x: FloatArray,
    n0: int,
    t0: int,
    opts: SynthOptions,
    omega: FloatArray | None = None,
    lambda_: FloatArray | None = None,
) -> tuple[float, CovariateWeights]:
    """Estimate on ``y`` (N × T) with covariates ``x`` (N × T × K), R's ``X`` argument."""
    estimates, w = covariate_estimate_batch(
        y[None],
        x[None],
        n0,
        t0,
        opts,
        None if omega is None else np.asarray(omega, float)[None],
        None if lambda_ is None else np.asarray(lambda_, float)[None],
    )
    return float(estimates[0]), CovariateWeights(w.omega[0], w.lambda_[0], w.beta[0])


def covariate_estimate_batch(
    y: FloatArray,
    x: FloatArray,
    n0: int,
    t0: int,
    opts: SynthOptions,
    omega: FloatArray | None = None,
    lambda_: FloatArray | None = None,
) -> tuple[FloatArray, CovariateWeights]:
    """:func:`covariate_estimate` for a batch: ``y`` (B, N, T), ``x`` (B, N, T, K), ζ per
    problem or shared; returns the estimates (B,) and the batch of weights."""
    yc = np.stack([collapsed_form(yb, n0, t0) for yb in y])
    xc = np.stack(
        [
            np.stack([collapsed_form(xb[:, :, j], n0, t0) for j in range(x.shape[3])], axis=2)
            for xb in x
        ]
    )
    w = fit_weights_covariates_batch(yc, xc, opts, omega, lambda_)
    resid = y - np.einsum("bntk,bk->bnt", x, w.beta)
    nb, n, t = y.shape
    unit = np.hstack([-w.omega, np.full((nb, n - n0), 1.0 / (n - n0))])
    time = np.hstack([-w.lambda_, np.full((nb, t - t0), 1.0 / (t - t0))])
    return np.einsum("bn,bnt,bt->b", unit, resid, time), w
