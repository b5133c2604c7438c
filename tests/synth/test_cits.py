"""Comparative interrupted time series: exact on linear trends, placebos by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from improve.errors import EstimationError
from improve.synth.cits import cits_estimate


def _trend_panel(effect: float) -> pd.DataFrame:
    years = [2014, 2015, 2016, 2017, 2018, 2019, 2021, 2022]  # a gap year: trends use years
    rows = []
    for j, (a, b) in enumerate([(10, 1.0), (12, 0.5), (9, 2.0), (11, -0.5), (10, 0.0)]):
        for year in years:
            bump = 0.3 * (year == 2021) - 0.3 * (year == 2022)  # post noise averaging to 0
            rows.append(
                {"unit": f"d{j}", "year": year, "y": a + b * (year - 2014) + bump, "first": 0}
            )
    for year in years:
        rows.append(
            {
                "unit": "T",
                "year": year,
                "y": 20 + 3.0 * (year - 2014) + effect * (year >= 2021),
                "first": 2021,
            }
        )
    return pd.DataFrame(rows)


def test_recovers_effect_on_linear_trends_with_a_gap_year():
    res = cits_estimate(_trend_panel(4.0), "y", unit="unit", time="year", cohort="first")
    assert res.estimate == pytest.approx(4.0, abs=1e-10)
    assert res.rank == 1 and res.p_value == pytest.approx(1 / 6)
    gaps = res.gaps.set_index("period")
    assert gaps.loc[2019, "gap"] == pytest.approx(0.0, abs=1e-10)


def test_placebo_is_each_donor_against_the_others():
    df = _trend_panel(0.0)
    res = cits_estimate(df, "y", unit="unit", time="year", cohort="first")
    donors = df[df["unit"] != "T"]
    for name in ("d0", "d3"):
        alone = cits_estimate(
            donors.assign(first=np.where(donors["unit"] == name, 2021, 0)),
            "y",
            unit="unit",
            time="year",
            cohort="first",
        )
        assert res.placebo_estimates[name] == pytest.approx(alone.estimate, abs=1e-10)


def test_needs_three_pre_periods():
    df = _trend_panel(1.0)
    with pytest.raises(EstimationError, match="at least 3"):
        cits_estimate(df[df["year"] >= 2018], "y", unit="unit", time="year", cohort="first")
