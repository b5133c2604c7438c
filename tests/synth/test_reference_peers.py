"""improve.synth against diff-diff and pysyncon (tests/reference/synth_peer_references.json,
made by tests/reference/make_synth_peer_references.py; see tests/reference/synth_README.md,
section "Peers")."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from improve.errors import EstimationError
from improve.synth import did_estimate, sc_estimate, staggered_synthdid, synthdid_estimate
from improve.synth._core import SynthWeights, block_estimate
from improve.synth._variance import placebo_draws, resampling_se
from improve.synth.placebo import in_time_placebo

REFERENCE = Path(__file__).resolve().parents[1] / "reference"
COLUMNS = {"unit": "State", "time": "Year", "treatment": "treated"}
SETUPS = ["one_treated", "several_treated"]


@pytest.fixture(scope="module")
def peers() -> dict:
    return json.loads((REFERENCE / "synth_peer_references.json").read_text())


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


def _with_covariate(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    first = out.groupby("State")["PacksPerCapita"].transform("first")
    out["x"] = first * (out["Year"] - 1969) / 31
    return out


def _twfe_residualised(frame: pd.DataFrame) -> pd.DataFrame:
    """diff-diff's covariate adjustment: the residual of a regression of the outcome on x
    with unit and year effects on all cells, plus the outcome mean. Removing the year effects
    changes the noise level and hence zeta, so beta * x alone would not reproduce it."""
    design = np.column_stack(
        [
            np.ones(len(frame)),
            frame["x"],
            pd.get_dummies(frame["State"], drop_first=True, dtype=float),
            pd.get_dummies(frame["Year"], drop_first=True, dtype=float),
        ]
    )
    y = frame["PacksPerCapita"].to_numpy(float)
    coef = np.linalg.lstsq(design, y, rcond=None)[0]
    out = frame.copy()
    out["PacksPerCapita"] = y - design @ coef + y.mean()
    return out


@pytest.mark.parametrize("setup", SETUPS)
def test_sdid_equals_diff_diff(peers, data, setup):
    ref = peers[setup]["sdid"]
    res = synthdid_estimate(data[setup], "PacksPerCapita", **COLUMNS)
    assert res.estimate == pytest.approx(ref["estimate"], abs=1e-8)
    assert float(res.options.zeta_omega) == pytest.approx(ref["zeta_omega"], rel=1e-9)
    assert float(res.options.zeta_lambda) == pytest.approx(ref["zeta_lambda"], rel=1e-9)
    omega = pd.Series(ref["omega"])
    np.testing.assert_allclose(res.omega[omega.index], omega, atol=1e-8)
    lam = pd.Series(ref["lambda"])
    np.testing.assert_allclose(res.lambda_[lam.index.astype(int)], lam, atol=1e-8)


@pytest.mark.slow
def test_in_time_placebo_equals_diff_diff_at_every_fake_year(peers, r, data):
    """Pre-period data only, the actual fit's zetas (R synthdid_placebo); 1981 is R's default
    fake year (T0 = floor(19 * 19 / 31) = 11), where both also equal R."""
    ref = peers["one_treated"]["sdid_in_time_placebo"]
    res = synthdid_estimate(data["one_treated"], "PacksPerCapita", **COLUMNS)
    for year, estimate in ref.items():
        assert in_time_placebo(res, adoption=int(year)).estimate == pytest.approx(
            estimate, abs=1e-8
        )
    r_default = r["one_treated"]["in_time_placebo"]["sdid"]["estimate"]
    assert ref["1981"] == pytest.approx(r_default, abs=1e-8)
    assert in_time_placebo(res).estimate == pytest.approx(r_default, abs=1e-8)


def test_jackknife_equals_diff_diff(peers, data):
    res = synthdid_estimate(data["several_treated"], "PacksPerCapita", **COLUMNS)
    jack = res.with_inference("jackknife")
    assert jack.std_error == pytest.approx(peers["several_treated"]["sdid"]["se"], rel=1e-8)
    # one treated unit: diff-diff returns NaN (stored null) as R returns NA; improve says why
    assert peers["one_treated"]["sdid"]["se"] is None
    one = synthdid_estimate(data["one_treated"], "PacksPerCapita", **COLUMNS)
    with pytest.raises(EstimationError, match="two or more treated"):
        one.with_inference("jackknife")


@pytest.mark.parametrize("setup", SETUPS)
def test_did_equals_diff_diff_two_by_two(peers, data, setup):
    res = did_estimate(data[setup], "PacksPerCapita", **COLUMNS)
    assert res.estimate == pytest.approx(peers[setup]["did"]["estimate"], abs=1e-9)


def test_peer_resampling_ses_match_r_over_seeds(peers, r):
    """Random streams differ across packages, so compare distributions over seeds (R is the
    standard; improve's own spread is tested against R in test_reference_r): the mean SE over
    30 placebo / 10 bootstrap seeds within 5% of R's, the seed-to-seed sd within a factor 2."""
    cases = (
        (peers["one_treated"]["sdid_placebo_se"], r["one_treated"]["placebo_se"]["sdid"]),
        (peers["several_treated"]["sdid_bootstrap_se"], r["several_treated"]["sdid"]["bootstrap"]),
    )
    for peer, ref in cases:
        assert peer["mean"] == pytest.approx(ref["mean"], rel=0.05)
        assert 0.5 < peer["sd"] / ref["sd"] < 2


@pytest.mark.parametrize("setup", SETUPS)
def test_covariate_residualised_as_diff_diff_gives_its_estimate(peers, data, setup):
    """diff-diff removes beta * x with beta from two-way fixed effects on all cells; improve
    (as R) fits beta jointly with the weights on untreated cells. Given diff-diff's
    residualised outcome, improve's SDID gives diff-diff's estimate."""
    ref = peers[setup]["sdid_covariate"]
    frame = _twfe_residualised(_with_covariate(data[setup]))
    res = synthdid_estimate(frame, "PacksPerCapita", **COLUMNS)
    assert res.estimate == pytest.approx(ref["estimate"], abs=1e-6)
    omega = pd.Series(ref["omega"])
    np.testing.assert_allclose(res.omega[omega.index], omega, atol=1e-6)


def test_covariate_adjustments_differ_by_design(peers, r, data):
    """R-style joint fit (improve = R to 1e-8 in test_reference_r) vs diff-diff's TWFE
    residualisation: two different estimators, documented in synth_README.md."""
    joint = synthdid_estimate(
        _with_covariate(data["one_treated"]), "PacksPerCapita", **COLUMNS, covariates=["x"]
    )
    assert joint.estimate == pytest.approx(r["one_treated"]["covariate_sdid"]["estimate"], abs=1e-8)
    assert abs(joint.estimate - peers["one_treated"]["sdid_covariate"]["estimate"]) > 0.5


def _pre_loss(y: np.ndarray, n0: int, t0: int, omega: np.ndarray) -> float:
    gap = y[n0:, :t0].mean(axis=0) - omega @ y[:n0, :t0]
    return float(gap @ gap)


def test_sc_peers_agree_on_the_exact_simplex_fit(peers, data):
    """diff-diff (NNLS, identity V and nested V) and pysyncon (SLSQP, identity V) find the same
    weights; they satisfy the optimality conditions of min ||y1 - Y0' w||^2 on the simplex."""
    sc = peers["one_treated"]
    exact = pd.Series(sc["sc_identity"]["diff_diff"]["omega"])
    for other in (sc["sc_identity"]["pysyncon"], sc["sc_nested"]["diff_diff"]):
        np.testing.assert_allclose(pd.Series(other["omega"])[exact.index], exact, atol=2e-3)
        assert other["estimate"] == pytest.approx(
            sc["sc_identity"]["diff_diff"]["estimate"], abs=1e-3
        )
    res = sc_estimate(data["one_treated"], "PacksPerCapita", **COLUMNS)
    y = res.design.y.to_numpy(float)
    n0, t0 = res.design.n0, res.design.t0
    w = exact[res.design.donors].to_numpy()
    grad = -2 * y[:n0, :t0] @ (y[n0:, :t0].mean(axis=0) - w @ y[:n0, :t0])
    scale = np.abs(grad).max()
    assert np.all(grad[w > 1e-6] - grad.min() < 1e-6 * scale)  # support at the minimum
    assert _pre_loss(y, n0, t0, w) < _pre_loss(y, n0, t0, res.omega.to_numpy())


def test_sc_same_weights_give_same_estimate(peers, data):
    """improve's SC (= R sc_estimate, Frank-Wolfe stopped by R's rule) sits 0.1 above the exact
    simplex fit; with the peers' weights improve's estimator gives the peers' estimate."""
    res = sc_estimate(data["one_treated"], "PacksPerCapita", **COLUMNS)
    y = res.design.y.to_numpy(float)[None]
    n0, t0 = res.design.n0, res.design.t0
    for ref in (
        peers["one_treated"]["sc_identity"]["diff_diff"],
        peers["one_treated"]["sc_identity"]["pysyncon"],
    ):
        omega = pd.Series(ref["omega"])[res.design.donors].to_numpy()
        weights = SynthWeights(omega=omega[None], lambda_=np.zeros((1, t0)))
        assert block_estimate(y, n0, t0, weights)[0] == pytest.approx(ref["estimate"], abs=1e-9)
        assert abs(res.estimate - ref["estimate"]) < 0.15


@pytest.fixture(scope="module")
def staggered():
    panel = pd.read_csv(REFERENCE / "synth_staggered_panel.csv")
    return staggered_synthdid(panel, "math_g4", unit="state", time="year", cohort="mandate_year")


def test_staggered_equals_diff_diff_per_cohort(peers, staggered):
    ref = peers["staggered"]
    table = staggered.cohorts.set_index("cohort")
    assert [str(int(c)) for c in table.index] == sorted(ref["cohorts"])
    for cohort, row in table.iterrows():
        peer = ref["cohorts"][str(int(cohort))]
        assert row["n_treated"] == peer["n_treated"]
        assert row["post_periods"] == peer["post_periods"]
        assert row["weight"] == pytest.approx(peer["weight"], rel=1e-12)
        assert row["estimate"] == pytest.approx(peer["estimate"], abs=1e-6)
        fit = staggered.results[cohort]
        omega = pd.Series(peer["omega"])
        np.testing.assert_allclose(fit.omega[omega.index], omega, atol=1e-6)
        if peer["se"] is not None:
            jack = fit.with_inference("jackknife")
            assert jack.std_error == pytest.approx(peer["se"], rel=1e-6)
    assert staggered.estimate == pytest.approx(ref["estimate"], abs=1e-6)


class _Draws:
    """Hands out stored permutations in place of a random generator."""

    def __init__(self, permutations: list[list[int]]) -> None:
        self._rows = iter(permutations)

    def permutation(self, n: int) -> np.ndarray:
        row = np.asarray(next(self._rows))
        assert row.size == n
        return row


@pytest.mark.slow
@pytest.mark.parametrize("method", ["sdid", "sc", "did"])
def test_placebo_se_with_r_draws_equals_r(peers, r, data, method):
    """Fed the donor orders R draws after set.seed(12345), improve's placebo SEs are R's
    published ones (8.368, 9.917, 17.740) to 1e-6, and for sdid also diff-diff's."""
    ref = peers["one_treated"]["sdid_placebo_r_draws"]
    fit = {"sdid": synthdid_estimate, "sc": sc_estimate, "did": did_estimate}[method]
    res = fit(data["one_treated"], "PacksPerCapita", **COLUMNS)
    y = res.design.y.to_numpy(float)
    weights = SynthWeights(omega=res.omega.to_numpy(), lambda_=res.lambda_.to_numpy())
    draws = placebo_draws(
        y,
        res.design.n0,
        res.design.t0,
        res.options,
        weights,
        ref["replications"],
        _Draws(ref["permutations"]),
    )
    se = resampling_se(draws, "placebo")
    assert se == pytest.approx(r["one_treated"]["placebo_se_seed12345_200"][method], rel=1e-6)
    if method == "sdid":
        assert se == pytest.approx(ref["se"], rel=1e-6)
