"""improve.synth against R synthdid 0.0.9 run here (tests/reference/synth_references.json,
made by tests/reference/make_synth_references.R; see tests/reference/synth_README.md)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from improve.synth import did_estimate, sc_estimate, synthdid_estimate
from improve.synth.placebo import in_time_placebo

REFERENCE = Path(__file__).resolve().parents[1] / "reference"
ESTIMATORS = {"sdid": synthdid_estimate, "sc": sc_estimate, "did": did_estimate}
COLUMNS = {"unit": "State", "time": "Year", "treatment": "treated"}


@pytest.fixture(scope="module")
def r() -> dict:
    return json.loads((REFERENCE / "synth_references.json").read_text())


@pytest.fixture(scope="module")
def data() -> dict[str, pd.DataFrame]:
    one = pd.read_csv(REFERENCE / "california_prop99.csv", sep=";")
    several = one.copy()
    late = several["State"].isin(["Alabama", "Arkansas"]) & (several["Year"] >= 1989)
    several.loc[late, "treated"] = 1
    return {"one_treated": one, "several_treated": several}


def _fit(data, setup, method, **options):
    return ESTIMATORS[method](data[setup], "PacksPerCapita", **COLUMNS, **options)


@pytest.mark.parametrize("method", ["sdid", "sc", "did"])
@pytest.mark.parametrize("setup", ["one_treated", "several_treated"])
def test_estimates_weights_and_regularisation_equal_r(r, data, setup, method):
    ref = r[setup][method]
    res = _fit(data, setup, method)
    assert res.estimate == pytest.approx(ref["estimate"], abs=1e-8)
    assert float(res.options.zeta_omega) == pytest.approx(ref["zeta_omega"], rel=1e-12)
    assert float(res.options.zeta_lambda) == pytest.approx(ref["zeta_lambda"], rel=1e-12)
    assert float(res.options.min_decrease) == pytest.approx(ref["min_decrease"], rel=1e-12)
    if "omega" in ref:
        omega = pd.Series(ref["omega"])
        np.testing.assert_allclose(res.omega[omega.index], omega, atol=1e-8)
        lam = pd.Series(ref["lambda"])
        np.testing.assert_allclose(res.lambda_.to_numpy(), lam.to_numpy(), atol=1e-8)
    if "effect_curve" in ref:
        gaps = res.trajectories().set_index("period")["gap"]
        curve = pd.Series(ref["effect_curve"])
        np.testing.assert_allclose(gaps[curve.index.astype(int)], curve, atol=1e-8)


@pytest.mark.parametrize("method", ["sdid", "sc", "did"])
def test_jackknife_equals_r(r, data, method):
    res = _fit(data, "several_treated", method).with_inference("jackknife")
    assert res.std_error == pytest.approx(r["several_treated"][method]["se_jackknife"], rel=1e-9)
    assert r["one_treated"][method]["se_jackknife"] is None  # R: NA with one treated unit


def test_covariates_equal_r(r, data):
    ref = r["one_treated"]["covariate_sdid"]
    frame = data["one_treated"].copy()
    first = frame.groupby("State")["PacksPerCapita"].transform("first")
    frame["x"] = first * (frame["Year"] - 1969) / 31
    res = synthdid_estimate(frame, "PacksPerCapita", **COLUMNS, covariates=["x"])
    assert res.estimate == pytest.approx(ref["estimate"], abs=1e-8)
    assert res.beta["x"] == pytest.approx(ref["beta"], abs=1e-9)
    omega = pd.Series(ref["omega"])
    np.testing.assert_allclose(res.omega[omega.index], omega, atol=1e-8)


def test_in_time_placebo_equals_r(r, data):
    ref = r["one_treated"]["in_time_placebo"]["sdid"]
    res = in_time_placebo(_fit(data, "one_treated", "sdid"))
    assert res.design.t0 == ref["placebo_T0"] and res.design.y.shape[1] == ref["placebo_T"]
    assert res.estimate == pytest.approx(ref["estimate"], abs=1e-8)


@pytest.mark.slow
@pytest.mark.parametrize("method", ["sdid", "sc", "did"])
def test_placebo_se_distribution_matches_r(r, data, method):
    """Random streams differ, so the SE over 30 seeds is compared: means within 10%.

    Each placebo draw is one donor playing the treated unit, so both are draws of 200 from
    the same 38 placebo estimates (test_estimate.py checks the draws are those)."""
    ref = np.array(r["one_treated"]["placebo_se"][method]["se"])
    res = _fit(data, "one_treated", method)
    ours = np.array([res.with_inference("placebo", 200, seed=s).std_error for s in range(30)])
    assert ours.mean() == pytest.approx(ref.mean(), rel=0.10)
    assert ours.std() < 3 * ref.std() + 1e-9


@pytest.mark.slow
def test_bootstrap_se_distribution_matches_r(r, data):
    ref = np.array(r["several_treated"]["sdid"]["bootstrap"]["se"])
    res = _fit(data, "several_treated", "sdid")
    ours = np.array([res.with_inference("bootstrap", 200, seed=s).std_error for s in range(10)])
    assert ours.mean() == pytest.approx(ref.mean(), rel=0.10)


@pytest.mark.slow
def test_donor_pool_refits_refit_the_covariates(data):
    """Permutation and leave-one-out refits with covariates equal the covariate estimator
    applied by hand to the placebo design (same η, ζ from the placebo's own donors).

    On California and 15 of its 38 donors: every refit is checked the same way, and each
    of the refits costs much less (this runs in the fast suite)."""
    from improve.synth.placebo import leave_one_donor_out, permutation_test

    frame = data["one_treated"]
    donor_pool = sorted(set(frame["State"]) - {"California"})[::2][:15]
    frame = frame[frame["State"].isin(["California", *donor_pool])].reset_index(drop=True)
    first = frame.groupby("State")["PacksPerCapita"].transform("first")
    frame["x"] = first * (frame["Year"] - 1969) / 31
    res = synthdid_estimate(frame, "PacksPerCapita", **COLUMNS, covariates=["x"])

    loo = leave_one_donor_out(res).set_index("dropped")["estimate"]
    dropped = loo.index[1]
    by_hand = synthdid_estimate(
        frame[frame["State"] != dropped], "PacksPerCapita", **COLUMNS, covariates=["x"]
    )
    assert loo[dropped] == pytest.approx(by_hand.estimate, abs=1e-9)
    assert loo[dropped] != pytest.approx(
        synthdid_estimate(frame[frame["State"] != dropped], "PacksPerCapita", **COLUMNS).estimate,
        abs=1e-3,
    )

    perm = permutation_test(res).table.set_index("unit")["estimate"]
    donors = frame[frame["State"] != "California"].copy()
    placebo_unit = perm.index[1]
    donors["treated"] = ((donors["State"] == placebo_unit) & (donors["Year"] >= 1989)).astype(int)
    by_hand = synthdid_estimate(donors, "PacksPerCapita", **COLUMNS, covariates=["x"])
    assert perm[placebo_unit] == pytest.approx(by_hand.estimate, abs=1e-9)

    in_time = in_time_placebo(res)
    assert np.isfinite(in_time.estimate) and in_time.beta is not None
