"""``cr2_terms`` (CR2 of ATT(g,t) influence functions) against its definition, unit by unit.

The estimator forms the terms from per-(cluster, cohort) sums; the reference below applies
``(1 - h_c)^{-1/2}`` to every unit's entry directly, as the definition reads.
"""

from __future__ import annotations

import numpy as np
import pytest

from improve.inference import cluster_sum
from improve.inference.bias_reduced import cr2_terms


def _by_definition(inf, codes, unit_group, groups, weight):
    n, k = inf.shape
    n_cl = codes.max() + 1
    correction = np.zeros((n_cl, k))
    shares = [np.zeros((n_cl, k)), np.zeros((n_cl, k))]
    for j in range(k):
        taking_part = inf[:, j] != 0
        treated = unit_group == groups[j]
        for p, part in enumerate((taking_part & treated, taking_part & ~treated)):
            if not part.any():
                continue
            share = np.array([weight[part & (codes == c)].sum() for c in range(n_cl)])
            share /= weight[part].sum()
            shares[p][:, j] = share
            for i in np.flatnonzero(part):
                h = share[codes[i]]
                if h < 1 - 1e-12:
                    correction[codes[i], j] += inf[i, j] * (1 / np.sqrt(1 - h) - 1)
    return correction, shares


@pytest.mark.parametrize("weighted", [False, True])
def test_terms_equal_the_unit_by_unit_definition(weighted: bool) -> None:
    rng = np.random.default_rng(7)
    n, k = 400, 9
    codes = rng.integers(0, 12, n)
    unit_group = rng.choice([0.0, 2004.0, 2006.0, 2007.0], n)
    groups = rng.choice([2004.0, 2006.0, 2007.0, 2009.0], k)  # 2009: a cohort with no units
    weight = rng.uniform(0.2, 3.0, n) if weighted else np.ones(n)
    inf = rng.normal(size=(n, k)) * (rng.random((n, k)) < 0.6)
    inf[codes == 3, 2] = 0.0  # a cluster outside a cell
    inf[:, 5] = 0.0  # an empty cell
    terms = cr2_terms(inf, codes, unit_group, groups, weight)
    correction, shares = _by_definition(inf, codes, unit_group, groups, weight)
    np.testing.assert_allclose(terms.correction, correction, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(terms.share_treated, shares[0], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(terms.share_control, shares[1], rtol=1e-12, atol=1e-15)
    assert terms.sums is not None
    np.testing.assert_allclose(
        terms.sums, cluster_sum(inf, codes) + correction, rtol=1e-12, atol=1e-12
    )
    assert np.all(terms.correction[:, 5] == 0) and np.all(terms.sums[:, 5] == 0)
