"""Benjamini-Hochberg against statsmodels, and within-domain application."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests

from improve.effects import benjamini_hochberg, bh_within_domains
from improve.errors import SpecError


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_bh_matches_statsmodels(seed: int) -> None:
    rng = np.random.default_rng(seed)
    p = np.concatenate([rng.uniform(0, 0.02, 4), rng.uniform(0, 1, 8)])
    p[3] = p[2]  # a tie
    rng.shuffle(p)
    res = benjamini_hochberg(p, alpha=0.05)
    reject, p_adj, _, _ = multipletests(p, alpha=0.05, method="fdr_bh")
    np.testing.assert_allclose(res.p_adjusted, p_adj, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(res.reject, reject)


def test_bh_worked_example() -> None:
    # Benjamini & Hochberg (1995) step-up with m = 4 and alpha = 0.05: critical values
    # 0.0125, 0.025, 0.0375, 0.05. p = 0.010, 0.020, 0.030, 0.200: the largest p at or below
    # its critical value is 0.030 (rank 3), so the first three are significant.
    res = benjamini_hochberg([0.030, 0.200, 0.010, 0.020], terms=["c", "d", "a", "b"])
    tidy = res.tidy()
    assert list(tidy["significant"]) == [True, False, True, True]
    assert list(tidy["rank"]) == [3, 4, 1, 2]
    np.testing.assert_allclose(tidy["critical"], [0.0375, 0.05, 0.0125, 0.025])
    np.testing.assert_allclose(tidy["p_adjusted"], [0.04, 0.2, 0.04, 0.04])
    assert res.alpha == 0.05 and "5.0" in res.handbook


def test_bh_within_domains() -> None:
    tidy = pd.DataFrame(
        {
            "term": ["math", "reading", "science", "attendance", "suspensions"],
            "domain": ["achievement"] * 3 + ["behavior"] * 2,
            "p_value": [0.01, 0.04, 0.03, 0.04, np.nan],
        }
    )
    out = bh_within_domains(tidy)
    ach = benjamini_hochberg([0.01, 0.04, 0.03])
    np.testing.assert_allclose(out["p_adjusted"].iloc[:3], ach.p_adjusted)
    # alone in its domain, attendance keeps its p-value
    assert out["p_adjusted"].iloc[3] == pytest.approx(0.04)
    assert np.isnan(out["p_adjusted"].iloc[4]) and not out["significant_bh"].iloc[4]


def test_bh_rejects_bad_input() -> None:
    with pytest.raises(SpecError, match="in \\[0, 1\\]"):
        benjamini_hochberg([0.1, 1.2])
    with pytest.raises(SpecError, match="non-empty"):
        benjamini_hochberg([])
