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


def _fw_step(a: FloatArray, x: FloatArray, b: FloatArray, eta: float) -> FloatArray:
    ax = a @ x
    half_grad = (ax - b) @ a + eta * x
    i = int(np.argmin(half_grad))
    d_x = -x.copy()
    d_x[i] = 1.0 - x[i]
    if not np.any(d_x):
        return x
    d_err = a[:, i] - ax
    step = -(half_grad @ d_x) / (d_err @ d_err + eta * (d_x @ d_x))
    return x + min(1.0, max(0.0, float(step))) * d_x


def _centre(m: FloatArray, on: bool) -> FloatArray:
    return m - m.mean(axis=0) if on else m


def fit_weights_covariates(
    yc: FloatArray,
    xc: FloatArray,
    opts: SynthOptions,
    omega: FloatArray | None = None,
    lambda_: FloatArray | None = None,
) -> CovariateWeights:
    """Weights and covariate coefficients on the collapsed outcome ``yc`` ((N0+1) × (T0+1))
    and collapsed covariates ``xc`` ((N0+1) × (T0+1) × K)."""
    n0, t0 = yc.shape[0] - 1, yc.shape[1] - 1
    k = xc.shape[2]
    lam = np.full(t0, 1.0 / t0) if lambda_ is None else np.asarray(lambda_, float).copy()
    om = np.full(n0, 1.0 / n0) if omega is None else np.asarray(omega, float).copy()
    beta = np.zeros(k)
    z_l, z_o = float(opts.zeta_lambda) ** 2, float(opts.zeta_omega) ** 2

    def update(y_beta: FloatArray, lam: FloatArray, om: FloatArray) -> tuple:
        y_l = _centre(y_beta[:n0, :], opts.lambda_intercept)
        if opts.update_lambda:
            lam = _fw_step(y_l[:, :t0], lam, y_l[:, t0], n0 * z_l)
        err_l = y_l @ np.append(lam, -1.0)
        y_o = _centre(y_beta[:, :t0].T, opts.omega_intercept)
        if opts.update_omega:
            om = _fw_step(y_o[:, :n0], om, y_o[:, n0], t0 * z_o)
        err_o = y_o @ np.append(om, -1.0)
        val = z_o * (om @ om) + z_l * (lam @ lam) + (err_o @ err_o) / t0 + (err_l @ err_l) / n0
        return lam, om, err_l, err_o, float(val)

    lam, om, err_l, err_o, _ = update(yc - xc @ beta, lam, om)
    vals: list[float] = []
    threshold = float(opts.min_decrease) ** 2
    while len(vals) < opts.max_iter and (
        len(vals) < 2 or abs(vals[-2] - vals[-1]) > threshold
    ):
        t = len(vals) + 1
        grad = np.empty(k)
        for j in range(k):
            xj = xc[:, :, j]
            grad[j] = -(
                err_l @ xj[:n0, :] @ np.append(lam, -1.0) / n0
                + err_o @ xj[:, :t0].T @ np.append(om, -1.0) / t0
            )
        beta = beta - grad / t
        lam, om, err_l, err_o, val = update(yc - xc @ beta, lam, om)
        vals.append(val)
    return CovariateWeights(omega=om, lambda_=lam, beta=beta)


def covariate_estimate(
    y: FloatArray, x: FloatArray, n0: int, t0: int, opts: SynthOptions,
    omega: FloatArray | None = None, lambda_: FloatArray | None = None,
) -> tuple[float, CovariateWeights]:
    """Estimate on ``y`` (N × T) with covariates ``x`` (N × T × K), R's ``X`` argument."""
    yc = collapsed_form(y, n0, t0)
    xc = np.stack([collapsed_form(x[:, :, j], n0, t0) for j in range(x.shape[2])], axis=2)
    w = fit_weights_covariates(yc, xc, opts, omega, lambda_)
    resid = y - x @ w.beta
    n, t = y.shape
    unit = np.append(-w.omega, np.full(n - n0, 1.0 / (n - n0)))
    time = np.append(-w.lambda_, np.full(t - t0, 1.0 / (t - t0)))
    return float(unit @ resid @ time), w
