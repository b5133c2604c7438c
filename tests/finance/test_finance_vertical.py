"""Vertical equity: the enrollment-weighted slope and its CR1 standard error against
statsmodels, exact fits and the poverty-quintile table by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from improve.finance import quantile_table, vertical_equity
from improve.finance.vertical import wls_cr1


def test_weighted_cr1_matches_statsmodels() -> None:
    rng = np.random.default_rng(1)
    n = 200
    groups = rng.integers(0, 25, n)
    x = rng.uniform(0, 1, n)
    w = rng.integers(50, 900, n).astype(float)
    y = 10_000 + 3_000 * x + rng.normal(0, 800, n) + 50 * groups
    beta, se, g = wls_cr1(y, x, w, groups)
    peer = sm.WLS(y, sm.add_constant(x), weights=w).fit(
        cov_type="cluster", cov_kwds={"groups": groups}
    )
    assert g == 25
    assert np.max(np.abs(beta - peer.params)) < 1e-8
    assert np.max(np.abs(se - peer.bse)) < 1e-8


def _schools(slope: float) -> pd.DataFrame:
    share = np.array([0.1, 0.2, 0.4, 0.5, 0.7, 0.9])
    return pd.DataFrame(
        {
            "district": ["a", "a", "b", "b", "c", "c"],
            "year": 2024,
            "enrollment": [100.0, 300.0, 200.0, 400.0, 100.0, 200.0],
            "poverty_share": share,
            "per_pupil": 10_000 + slope * share,
            "property_wealth": [400_000.0, 400_000.0, 200_000.0, 200_000.0, 90_000.0, 90_000.0],
        }
    )


def test_an_exact_linear_relation_is_recovered() -> None:
    frame = _schools(5_000.0)
    result = vertical_equity(frame)
    tidy = result.tidy().set_index("term")
    assert tidy.loc["poverty_share slope (per 10 points)", "estimate"] == pytest.approx(500.0)
    assert tidy.loc["poverty_share slope (per 10 points)", "std_error"] == pytest.approx(
        0, abs=1e-6
    )
    w = frame["enrollment"]
    mean_share = np.average(frame["poverty_share"], weights=w)
    mean_spend = np.average(frame["per_pupil"], weights=w)
    assert tidy.loc["poverty_share elasticity at means", "estimate"] == pytest.approx(
        5_000 * mean_share / mean_spend
    )
    assert "wealth elasticity" in tidy.index
    assert result.df == 2.0  # three districts: G - 1 degrees of freedom


def test_flat_spending_has_zero_slope() -> None:
    tidy = vertical_equity(_schools(0.0)).tidy()
    assert np.allclose(tidy["estimate"], 0.0, atol=1e-9)


def test_poverty_quintiles_by_hand() -> None:
    frame = _schools(5_000.0).assign(
        spending=lambda f: f["per_pupil"] * f["enrollment"],
        weighted_pupils=lambda f: f["enrollment"] * (1 + 0.25 * f["poverty_share"]),
    )
    # 1,300 pupils; the middle of each school's pupils at 50, 250, 550, 850, 1,050, 1,200
    # over 1,300 puts the schools in halves 1, 1, 1, 2, 2, 2
    table = quantile_table(frame, groups=2)
    assert table["schools"].tolist() == [3, 3]
    assert table["pupils"].tolist() == [600.0, 700.0]
    low = frame.iloc[:3]
    assert table["per_pupil"].iloc[0] == pytest.approx(low["spending"].sum() / 600.0)
    assert table["per_weighted_pupil"].iloc[0] == pytest.approx(
        low["spending"].sum() / low["weighted_pupils"].sum()
    )
