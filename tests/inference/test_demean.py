"""Partialling several effects through the reduced normal equations equals alternating
projections run to convergence (one effect: exact group means)."""

from __future__ import annotations

import numpy as np
import pytest

from improve.inference import demean
from improve.inference.partialling import DENSE_LEVELS, _demean_map


def _codes(rng, n, levels):
    return np.unique(rng.integers(0, levels, n), return_inverse=True)[1]


@pytest.mark.parametrize(
    ("levels", "weighted"),
    [
        ((300, 12), False),  # small second effect: direct solve
        ((300, 12), True),
        ((900, 2 * DENSE_LEVELS), False),  # large second effect: conjugate gradients
        ((900, 2 * DENSE_LEVELS), True),
        ((600, 150, 7), True),  # three effects
    ],
)
def test_reduced_normal_equations_match_alternating_projections(levels, weighted):
    rng = np.random.default_rng(len(levels) + levels[1])
    n = 6000
    factors = [_codes(rng, n, m) for m in levels]
    values = rng.normal(size=(n, 3)) + factors[0][:, None] * 0.01
    w = rng.uniform(0.5, 2.0, n) if weighted else None
    fast = demean(values, factors, w)
    slow = _demean_map(values.copy(), factors, np.ones(n) if w is None else w, 1e-15, 100_000)
    np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-10)
    # the residuals are orthogonal (weighted) to every effect's dummies
    ww = np.ones(n) if w is None else w
    for f in factors:
        sums = np.stack([np.bincount(f, weights=ww * fast[:, j]) for j in range(3)])
        assert np.abs(sums).max() < 1e-9


def test_one_effect_is_exact_group_demeaning():
    rng = np.random.default_rng(0)
    f = _codes(rng, 500, 40)
    v = rng.normal(size=500)
    means = np.bincount(f, weights=v) / np.bincount(f)
    np.testing.assert_allclose(demean(v, [f]), v - means[f], rtol=0, atol=1e-14)
