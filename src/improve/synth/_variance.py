"""Standard errors of a block-design synthetic estimate: placebo, jackknife, bootstrap.

The three resampling schemes of R ``synthdid``'s ``vcov.synthdid_estimate`` (Arkhangelsky
et al. 2021, Algorithms 2–4), with the regularisation fixed at the full-sample values and
the weights warm-started from the full-sample ones, as R does. Draws use numpy's seeded
generator, so numbers differ from R's random stream but not in distribution.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from improve.errors import EstimationError
from improve.synth._core import (
    SynthOptions,
    SynthWeights,
    refit,
    stack_starts,
    subset_start,
)
from improve.synth._covariates import covariate_estimate_batch

FloatArray = NDArray[np.float64]


def _refit_groups(
    problems: list[tuple[FloatArray, int, SynthWeights]],
    t0: int,
    opts: SynthOptions,
    x: FloatArray | None = None,
    rows: list[NDArray[np.intp]] | None = None,
) -> FloatArray:
    """Estimates of many refits, batched by shape (rows, donors).

    With covariates ``x`` (N × T × K of the full design) each refit also re-estimates the
    covariate coefficients (one at a time; ``rows`` gives each problem's rows of ``x``).
    """
    out = np.empty(len(problems))
    groups: dict[tuple[int, int], list[int]] = {}
    for k, (y, n0, _) in enumerate(problems):
        groups.setdefault((y.shape[0], n0), []).append(k)
    for (_, n0), members in groups.items():
        ys = np.stack([problems[k][0] for k in members])
        starts = stack_starts([problems[k][2] for k in members])
        if x is None:
            out[members], _ = refit(ys, n0, t0, opts, starts)
        else:
            assert rows is not None
            xs = np.stack([x[rows[k]] for k in members])
            out[members], _ = covariate_estimate_batch(
                ys, xs, n0, t0, opts, omega=starts.omega, lambda_=starts.lambda_
            )
    return out


def placebo_draws(
    y: FloatArray,
    n0: int,
    t0: int,
    opts: SynthOptions,
    weights: SynthWeights,
    replications: int,
    rng: np.random.Generator,
    x: FloatArray | None = None,
) -> FloatArray:
    """Estimates with ``N1`` comparison units drawn at random playing the treated units."""
    n1 = y.shape[0] - n0
    if n0 <= n1:
        raise EstimationError(
            f"the placebo method needs more comparison units ({n0}) than treated units ({n1})"
        )
    problems, rows = [], []
    for _ in range(replications):
        order = rng.permutation(n0)
        problems.append((y[order], n0 - n1, subset_start(weights, order[: n0 - n1])))
        rows.append(order)
    return _refit_groups(problems, t0, opts, x, rows)


def jackknife_draws(
    y: FloatArray,
    n0: int,
    t0: int,
    opts: SynthOptions,
    weights: SynthWeights,
    x: FloatArray | None = None,
) -> FloatArray:
    """Leave-one-unit-out estimates with the full-sample weights held fixed (R's default)."""
    fixed = replace(opts, update_omega=False, update_lambda=False)
    n = y.shape[0]
    problems, rows = [], []
    for i in range(n):
        keep = np.delete(np.arange(n), i)
        donors = keep[keep < n0]
        problems.append((y[keep], donors.size, subset_start(weights, donors)))
        rows.append(keep)
    return _refit_groups(problems, t0, fixed, x, rows)


def bootstrap_draws(
    y: FloatArray,
    n0: int,
    t0: int,
    opts: SynthOptions,
    weights: SynthWeights,
    replications: int,
    rng: np.random.Generator,
    x: FloatArray | None = None,
) -> FloatArray:
    """Estimates on unit resamples that keep at least one treated and one comparison unit."""
    n = y.shape[0]
    problems, rows = [], []
    while len(problems) < replications:
        ind = np.sort(rng.integers(0, n, size=n))
        if np.all(ind < n0) or np.all(ind >= n0):
            continue
        donors = ind[ind < n0]
        problems.append((y[ind], donors.size, subset_start(weights, donors)))
        rows.append(ind)
    return _refit_groups(problems, t0, opts, x, rows)


def resampling_se(draws: FloatArray, method: str) -> float:
    """R's scaling: ``sqrt((n-1)/n) * sd`` for placebo and bootstrap, ``sqrt((n-1)^2/n * var)``
    for the jackknife."""
    n = draws.size
    if n < 2:
        return float("nan")
    if method == "jackknife":
        return float(np.sqrt((n - 1) / n * (n - 1) * np.var(draws, ddof=1)))
    return float(np.sqrt((n - 1) / n) * np.std(draws, ddof=1))
