"""The HonestDiD shortcuts (dual vertices, certified bases) agree with HiGHS program by program."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize

from improve.did import sensitivity as hd


def _eta_highs(ys, x, sd):
    out = []
    for y in ys:
        res = hd._eta_lp(y, x, sd)
        out.append(res.x[0] if res.status == 0 else -np.inf)
    return np.array(out)


@pytest.mark.parametrize("seed", range(8))
def test_eta_from_dual_vertices_equals_the_linear_programs(seed):
    rng = np.random.default_rng(seed)
    n_moments, k = int(rng.integers(5, 13)), int(rng.integers(2, 5))
    x = rng.normal(size=(n_moments, k))
    x[rng.random(n_moments) < 0.3] = 0.0  # moments without the nuisance (as pre-periods)
    sd = rng.uniform(0.5, 2.0, n_moments)
    ys = rng.normal(size=(40, n_moments))
    fast = hd._eta_many(ys, x, sd)
    slow = _eta_highs(ys, x, sd)
    assert np.array_equal(np.isfinite(fast), np.isfinite(slow))
    finite = np.isfinite(slow)
    np.testing.assert_allclose(fast[finite], slow[finite], rtol=0, atol=1e-9)
    vertices = hd._dual_vertices(x, sd)
    for y, value in zip(ys[:10], slow[:10], strict=True):
        found = hd._eta_by_vertices(y, vertices)
        if found is not None and np.isfinite(value):
            assert found[0] == pytest.approx(value, abs=1e-9)


@pytest.mark.parametrize("seed", range(8))
def test_certified_bases_give_the_programs_extremes(seed):
    rng = np.random.default_rng(100 + seed)
    n_rows, k = int(rng.integers(6, 11)), int(rng.integers(1, 4))
    a_ub = rng.normal(size=(n_rows, 1 + k))
    bases = hd._certified_bases(a_ub)
    checked = 0
    for _ in range(20):
        h = a_ub @ rng.normal(size=1 + k) + rng.uniform(0.0, 1.0, n_rows)  # feasible
        lo, hi = hd._extremes_by_bases(a_ub, h, bases)
        kw = dict(A_ub=a_ub, b_ub=h, bounds=[(None, None)] * (1 + k), method="highs")
        c = np.zeros(1 + k)
        c[0] = 1.0
        for value, res, inf in (
            (lo, optimize.linprog(c, **kw), -np.inf),
            (hi, optimize.linprog(-c, **kw), np.inf),
        ):
            if value is None:
                continue
            checked += 1
            assert res.status in (0, 3)
            if res.status == 3:
                assert value == inf
            else:
                assert value == pytest.approx(res.x[0], abs=1e-8)
    if not checked:  # no dual-feasible basis on either side: both sides unbounded
        assert len(bases[0]) == 0 and len(bases[2]) == 0
        assert res.status == 3
    else:
        assert checked >= 20
