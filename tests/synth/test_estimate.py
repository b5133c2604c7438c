"""improve.synth against R synthdid 0.0.9 on California's Proposition 99 (published numbers)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from improve.errors import DataError, EstimationError, SpecError
from improve.synth import did_estimate, sc_estimate, synthdid_estimate

REFERENCE = Path(__file__).resolve().parents[1] / "reference"
ESTIMATORS = {"sdid": synthdid_estimate, "sc": sc_estimate, "did": did_estimate}


@pytest.fixture(scope="module")
def prop99() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "california_prop99.csv", sep=";")


@pytest.fixture(scope="module")
def published() -> dict:
    return json.loads((REFERENCE / "california_prop99_synthdid.json").read_text())


def _fit(prop99: pd.DataFrame, method: str):
    return ESTIMATORS[method](
        prop99, "PacksPerCapita", unit="State", time="Year", treatment="treated"
    )


@pytest.mark.parametrize("method", ["sdid", "sc", "did"])
def test_estimates_equal_r(prop99, published, method):
    assert _fit(prop99, method).estimate == pytest.approx(published[method]["estimate"], abs=1e-6)


def test_sdid_weights_equal_r(prop99, published):
    res = _fit(prop99, "sdid")
    for state, weight in published["sdid_unit_weights_top5"].items():
        assert res.omega[state] == pytest.approx(weight, abs=6e-7)
    top5 = res.omega.sort_values(ascending=False).head(5)
    assert list(top5.index) == list(published["sdid_unit_weights_top5"])
    nonzero = res.lambda_[res.lambda_ > 0]
    assert [str(y) for y in nonzero.index] == list(published["sdid_time_weights_nonzero"])
    for year, weight in published["sdid_time_weights_nonzero"].items():
        assert res.lambda_[int(year)] == pytest.approx(weight, abs=6e-7)
    assert res.omega.sum() == pytest.approx(1.0) and res.lambda_.sum() == pytest.approx(1.0)


def test_sc_has_no_time_weights_and_did_equal_weights(prop99):
    sc, did = _fit(prop99, "sc"), _fit(prop99, "did")
    assert (sc.lambda_ == 0).all()
    assert np.allclose(did.omega, 1 / 38) and np.allclose(did.lambda_, 1 / 19)


@pytest.mark.slow
def test_placebo_draws_are_the_donors_as_treated(prop99):
    """Each placebo draw is one donor playing California; with 200 draws from 38 donors the
    SE is the spread of those 38 estimates (R's 8.37 is one such draw of 200)."""
    res = _fit(prop99, "sdid").with_inference("placebo", replications=200, seed=3)
    assert np.unique(np.round(res.draws, 8)).size <= 38
    again = _fit(prop99, "sdid").with_inference("placebo", replications=200, seed=3)
    assert again.std_error == res.std_error  # seeded
    assert 7.0 < res.std_error < 12.5
    tidy = res.tidy().iloc[0]
    assert tidy["vcov_type"] == "placebo"
    assert tidy["conf_low"] < res.estimate < tidy["conf_high"]


def test_one_treated_unit_refuses_jackknife(prop99):
    with pytest.raises(EstimationError, match="placebo"):
        _fit(prop99, "sdid").with_inference("jackknife")


def test_fail_well(prop99):
    with pytest.raises(DataError, match="missing or suppressed"):
        gap = prop99.copy()
        gap.loc[(gap["State"] == "Utah") & (gap["Year"] == 1980), "PacksPerCapita"] = np.nan
        synthdid_estimate(gap, "PacksPerCapita", unit="State", time="Year", treatment="treated")
    with pytest.raises(EstimationError, match="before adoption"):
        early = prop99[prop99["Year"] >= 1988]
        synthdid_estimate(early, "PacksPerCapita", unit="State", time="Year", treatment="treated")
    with pytest.raises(SpecError, match="treated and cannot"):
        synthdid_estimate(
            prop99,
            "PacksPerCapita",
            unit="State",
            time="Year",
            treatment="treated",
            exclude_donors=["California"],
        )
    with pytest.raises(SpecError, match="timing"):
        synthdid_estimate(prop99, "PacksPerCapita", unit="State", time="Year")


def test_treated_units_and_exclusions(prop99):
    named = synthdid_estimate(
        prop99.drop(columns="treated"),
        "PacksPerCapita",
        unit="State",
        time="Year",
        treated_units=["California"],
        adoption=1989,
    )
    assert named.estimate == pytest.approx(_fit(prop99, "sdid").estimate, abs=1e-10)
    fewer = synthdid_estimate(
        prop99,
        "PacksPerCapita",
        unit="State",
        time="Year",
        treatment="treated",
        exclude_donors=["Nevada"],
    )
    assert "Nevada" not in fewer.omega.index and fewer.design.n0 == 37
