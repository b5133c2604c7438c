"""Synthetic difference-in-differences, synthetic control and DiD on a block design.

The numerical core of :mod:`improve.synth`, on numpy arrays: ``y`` is units × periods with
the ``n0`` comparison units first and the ``t0`` pre-periods first (R ``synthdid``'s
``panel.matrices`` layout). Semantics and defaults follow R ``synthdid`` 0.0.9
(Arkhangelsky, Athey, Hirshberg, Imbens & Wager 2021, ``synthdid.R``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from improve.synth._solver import simplex_weights, sparsify, sum_normalize

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class SynthOptions:
    """Regularisation and solver settings kept fixed across placebo / jackknife refits."""

    zeta_omega: float | FloatArray
    zeta_lambda: float | FloatArray
    omega_intercept: bool = True
    lambda_intercept: bool = True
    update_omega: bool = True
    update_lambda: bool = True
    min_decrease: float | FloatArray = 1e-5
    max_iter: int = 10_000
    sparsify: bool = True
    max_iter_pre_sparsify: int = 100


@dataclass(frozen=True)
class SynthWeights:
    """Unit weights ω over comparison units and time weights λ over pre-periods."""

    omega: FloatArray
    lambda_: FloatArray


def collapsed_form(y: FloatArray, n0: int, t0: int) -> FloatArray:
    """Comparison rows plus one row of treated means; pre columns plus one post mean column."""
    top = np.column_stack([y[:n0, :t0], y[:n0, t0:].mean(axis=1)])
    bottom = np.append(y[n0:, :t0].mean(axis=0), y[n0:, t0:].mean())
    return np.vstack([top, bottom])


def noise_level(y: FloatArray, n0: int, t0: int) -> FloatArray:
    """Standard deviation of first differences of comparison units' pre-period outcomes
    (per problem of a batch (B, N, T), or a scalar for one (N, T) matrix)."""
    diffs = np.diff(y[..., :n0, :t0], axis=-1)
    flat = diffs.reshape(*diffs.shape[:-2], -1)
    if flat.shape[-1] < 2:
        return np.zeros(flat.shape[:-1])
    return np.std(flat, axis=-1, ddof=1)


def default_options(
    y: FloatArray, n0: int, t0: int, *, eta_omega: float | None = None, eta_lambda: float = 1e-6
) -> SynthOptions:
    """R ``synthdid_estimate``'s defaults: ζ from the noise level and the treated block size
    (``y`` one (N, T) matrix, or a batch (B, N, T) with per-problem ζ)."""
    n, t = y.shape[-2:]
    sigma = noise_level(y, n0, t0)
    if sigma.ndim == 0:
        sigma = float(sigma)
    if eta_omega is None:
        eta_omega = ((n - n0) * (t - t0)) ** 0.25
    return SynthOptions(
        zeta_omega=eta_omega * sigma, zeta_lambda=eta_lambda * sigma, min_decrease=1e-5 * sigma
    )


def _solve(
    y: FloatArray, zeta: float, intercept: bool, start: FloatArray | None, opts: SynthOptions
) -> FloatArray:
    """R's two-stage fit: a short run, sparsify, then a full run from the sparsified weights."""
    first = simplex_weights(
        y,
        zeta,
        intercept=intercept,
        start=start,
        min_decrease=opts.min_decrease,
        max_iter=opts.max_iter_pre_sparsify,
    )
    if not opts.sparsify:
        return first
    return simplex_weights(
        y,
        zeta,
        intercept=intercept,
        start=np.apply_along_axis(sparsify, 1, first),
        min_decrease=opts.min_decrease,
        max_iter=opts.max_iter,
    )


def fit_weights(
    y: FloatArray,
    n0: int,
    t0: int,
    opts: SynthOptions,
    start: SynthWeights | None = None,
) -> SynthWeights:
    """Time weights λ (pre-periods fitting the post mean) and unit weights ω (donors fitting
    the treated mean) for a batch ``y`` of shape (B, N, T), each updated only when ``opts``
    says so; ``start`` holds (B, n0) and (B, t0) starting weights."""
    yc = np.stack([collapsed_form(yb, n0, t0) for yb in y])
    lam = None if start is None else start.lambda_
    omega = None if start is None else start.omega
    if opts.update_lambda:
        lam = _solve(yc[:, :n0, :], opts.zeta_lambda, opts.lambda_intercept, lam, opts)
    if opts.update_omega:
        yo = np.swapaxes(yc[:, :, :t0], 1, 2)
        omega = _solve(yo, opts.zeta_omega, opts.omega_intercept, omega, opts)
    if lam is None or omega is None:
        raise ValueError("weights must be given for every part that is not updated")
    return SynthWeights(omega=np.asarray(omega, float), lambda_=np.asarray(lam, float))


def block_estimate(y: FloatArray, n0: int, t0: int, weights: SynthWeights) -> FloatArray:
    """τ = (treated − ω-weighted donors) post mean minus its λ-weighted pre-period value,
    for each problem of a batch ``y`` (B, N, T) with weights (B, n0) and (B, t0)."""
    _, n, t = y.shape
    b = y.shape[0]
    unit = np.hstack([-weights.omega, np.full((b, n - n0), 1.0 / (n - n0))])
    time = np.hstack([-weights.lambda_, np.full((b, t - t0), 1.0 / (t - t0))])
    return np.einsum("bn,bnt,bt->b", unit, y, time)


def method_setup(
    method: str, y: FloatArray, n0: int, t0: int, **overrides: float
) -> tuple[SynthOptions, SynthWeights | None]:
    """Options and fixed weights of ``sdid``, ``sc`` or ``did`` (R's three estimators), for
    one (N, T) matrix or a batch (B, N, T) of fresh estimates."""
    lead = y.shape[:-2]
    if method == "sdid":
        return default_options(y, n0, t0, **overrides), None
    if method == "sc":
        eta = overrides.pop("eta_omega", 1e-6)
        opts = default_options(y, n0, t0, eta_omega=eta, **overrides)
        opts = replace(opts, omega_intercept=False, update_lambda=False)
        return opts, SynthWeights(
            omega=np.full((*lead, n0), 1.0 / n0), lambda_=np.zeros((*lead, t0))
        )
    if method == "did":
        opts = default_options(y, n0, t0, **overrides)
        opts = replace(opts, update_omega=False, update_lambda=False)
        return opts, SynthWeights(
            omega=np.full((*lead, n0), 1.0 / n0), lambda_=np.full((*lead, t0), 1.0 / t0)
        )
    raise ValueError(f"method must be 'sdid', 'sc' or 'did', got {method!r}")


def refit(
    y: FloatArray, n0: int, t0: int, opts: SynthOptions, start: SynthWeights | None
) -> tuple[FloatArray, SynthWeights]:
    """Weights (warm-started from ``start``) and estimates for a batch ``y`` (B, N, T)."""
    if start is not None and not opts.update_omega and not opts.update_lambda:
        weights = start
    else:
        weights = fit_weights(y, n0, t0, opts, start)
    return block_estimate(y, n0, t0, weights), weights


def refit_one(
    y: FloatArray, n0: int, t0: int, opts: SynthOptions, start: SynthWeights | None
) -> tuple[float, SynthWeights]:
    """:func:`refit` for a single problem (``y`` of shape (N, T); 1-d weights)."""
    batch_start = None
    if start is not None:
        batch_start = SynthWeights(omega=start.omega[None], lambda_=start.lambda_[None])
    estimate, weights = refit(y[None], n0, t0, opts, batch_start)
    return float(estimate[0]), SynthWeights(omega=weights.omega[0], lambda_=weights.lambda_[0])


def subset_start(weights: SynthWeights, donors: NDArray[np.intp]) -> SynthWeights:
    """Starting weights for a refit on a subset of donors (ω renormalised, λ kept)."""
    return SynthWeights(omega=sum_normalize(weights.omega[donors]), lambda_=weights.lambda_)


def stack_starts(starts: list[SynthWeights]) -> SynthWeights:
    """One batch of starting weights from per-problem ones (all of one shape)."""
    return SynthWeights(
        omega=np.stack([s.omega for s in starts]), lambda_=np.stack([s.lambda_ for s in starts])
    )
