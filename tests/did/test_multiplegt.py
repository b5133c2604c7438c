"""did_multiplegt_dyn and exit_event_study against stored moderndid / diff-diff references."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from improve.did.multiplegt import did_multiplegt_dyn, exit_event_study, persistence_verdict
from improve.errors import DataError, EstimationError, SpecError

REF = Path(__file__).parents[1] / "reference"
STORED = json.loads((REF / "multiplegt_references.json").read_text())
FAV = pd.read_csv(REF / "favara_imbs.csv")
FAV_COLS = ("Dl_vloans_b", "county", "year", "inter_bra")

OPTION_NAMES = {
    "weightsname": "weight",
    "effects": "effects",
    "placebo": "placebo",
    "normalized": "normalized",
    "switchers": "switchers",
    "only_never_switchers": "only_never_switchers",
    "trends_lin": "trends_lin",
    "cluster": "cluster",
    "trends_nonparam": "trends_nonparam",
    "same_switchers": "same_switchers",
}


def _run(case: dict) -> tuple[pd.DataFrame, dict]:
    opts = dict(case["options"])
    cols = (opts.pop("yname"), opts.pop("idname"), opts.pop("tname"), opts.pop("dname"))
    kw = {OPTION_NAMES[k]: v for k, v in opts.items()}
    if "trends_nonparam" in kw:
        kw["trends_nonparam"] = kw["trends_nonparam"][0]
    return cols, kw


# clustered standard errors differ from moderndid by design, and so do trends_lin effects
# on panels whose switchers are not all observed at every horizon: R (and we) cumulate the
# effects of the same switchers, moderndid of each horizon's own (see multiplegt_README.md;
# tests/did/test_multiplegt_r.py checks both against R)
UNCLUSTERED = [
    k
    for k, v in STORED["moderndid"].items()
    if "cluster" not in v["options"] and not k.endswith("trends_lin")
]


@pytest.mark.parametrize("name", UNCLUSTERED)
def test_matches_moderndid(name: str) -> None:
    case = STORED["moderndid"][name]
    cols, kw = _run(case)
    data = (
        FAV if name.startswith("favara") else pd.DataFrame(STORED["simulated"][name.split("_")[0]])
    )
    if "trends_nonparam" in kw:
        data = data.assign(region=data["g"] % 3)
    res = did_multiplegt_dyn(data, *cols, **kw)
    eff = res.estimate[res.horizons > 0]
    se = res.std_error[res.horizons > 0]
    # moderndid does not negate switchers-out effects as R does (U_Gg_minus = -U_Gg);
    # in the exit panels every switcher switches out
    sign = -1.0 if name.startswith("exit") else 1.0
    np.testing.assert_allclose(eff, sign * np.asarray(case["effects"]), rtol=0, atol=1e-8)
    np.testing.assert_allclose(se, case["effects_se"], rtol=0, atol=1e-8)
    np.testing.assert_array_equal(res.n_switchers[res.horizons > 0], case["n_switchers"])
    if "placebos" in case:
        np.testing.assert_allclose(
            res.estimate[res.horizons < 0], sign * np.asarray(case["placebos"]), atol=1e-8
        )
        np.testing.assert_allclose(res.std_error[res.horizons < 0], case["placebos_se"], atol=1e-8)


def test_clustered_point_estimates_match_moderndid() -> None:
    case = STORED["moderndid"]["favara_clustered"]
    cols, kw = _run(case)
    res = did_multiplegt_dyn(FAV, *cols, **kw)
    np.testing.assert_allclose(res.estimate, case["effects"], atol=1e-8)
    # R counts distinct non-missing clusters per cohort; moderndid counts a missing one too,
    # which inflates its degrees-of-freedom correction: its SEs are smaller
    assert np.all(res.std_error > np.asarray(case["effects_se"]))


def test_switchers_out_match_diff_diff() -> None:
    sim = pd.DataFrame(STORED["simulated"]["exit"])
    res = did_multiplegt_dyn(sim, "y", "g", "t", "d", effects=3, switchers="out")
    dd = STORED["diff_diff"]["exit"]
    # diff-diff, like R, signs switchers-out effects by S_g = -1
    np.testing.assert_allclose(res.estimate, dd["effects"], atol=1e-8)
    # diff-diff's plug-in variance has no sqrt(n/(n-1)) cohort correction: smaller SEs
    assert np.all(res.std_error > np.asarray(dd["effects_se"]))
    np.testing.assert_allclose(res.std_error, dd["effects_se"], rtol=0.06)


def test_tidy_rows_and_tests() -> None:
    res = did_multiplegt_dyn(FAV, *FAV_COLS, effects=3, placebo=2, effects_equal=True)
    t = res.tidy()
    assert list(t["term"]) == [
        "Effect_1",
        "Effect_2",
        "Effect_3",
        "Placebo_1",
        "Placebo_2",
        "Av_tot_eff",
    ]
    assert {"estimate", "std_error", "conf_low_uniform"} <= set(t.columns)
    assert res.placebo_test[1] == 2 and 0 <= res.placebo_test[2] <= 1
    assert res.equality_test[1] == 2
    assert "Joint test" in res.summary()


def test_average_total_effect_binary_equals_effect_mean() -> None:
    sim = pd.DataFrame(STORED["simulated"]["exit"])
    res = did_multiplegt_dyn(sim, "y", "g", "t", "d", effects=1, switchers="out")
    # one effect, binary treatment: the switchers' treatment changed by one unit
    assert res.av_tot_eff == pytest.approx(res.estimate[0])


def test_non_numeric_treatment_fails_well() -> None:
    bad = FAV.assign(inter_bra=FAV["inter_bra"].astype(str) + "x")
    with pytest.raises(DataError, match="must be numeric"):
        did_multiplegt_dyn(bad, *FAV_COLS)


def test_controls_match_diff_diff_point_estimates() -> None:
    sims = pd.read_csv(REF / "multiplegt_sim_panels.csv")
    sim = sims[sims["panel"] == "exit"]
    dd = STORED["diff_diff"]["exit_controls"]
    res = did_multiplegt_dyn(
        sim, dd["outcome"], "g", "t", "d", effects=3, switchers="out", controls=dd["covariates"]
    )
    np.testing.assert_allclose(res.estimate, dd["effects"], rtol=0, atol=1e-8)
    # diff-diff's variance leaves out the first-stage (theta) term and the cohort
    # degrees-of-freedom factor; R's (ours, tests/did/test_multiplegt_r.py) has both
    assert not np.allclose(res.std_error, dd["effects_se"], rtol=1e-3)
    plain = did_multiplegt_dyn(sim, dd["outcome"], "g", "t", "d", effects=3, switchers="out")
    assert np.max(np.abs(plain.estimate - res.estimate)) > 0.1


def test_non_numeric_control_fails_well() -> None:
    bad = FAV.assign(Dl_hpi=FAV["Dl_hpi"].astype(str))
    with pytest.raises(DataError, match="control"):
        did_multiplegt_dyn(bad, *FAV_COLS, controls=["Dl_hpi"])


def test_many_switches_reported_and_kept() -> None:
    sim = pd.DataFrame(STORED["simulated"]["binary"]).copy()
    flip = sim["g"] < 5
    sim.loc[flip, "d"] = ((sim.loc[flip, "t"] + 1) % 2).astype(float)
    res = did_multiplegt_dyn(sim, "y", "g", "t", "d", effects=2)
    assert any("3 or more times" in n for n in res.notes)


def test_unidentified_effects_named() -> None:
    res = did_multiplegt_dyn(FAV, *FAV_COLS, effects=12)
    assert any("Not identified" in n and "Effect_12" in n for n in res.notes)
    assert np.isnan(res.estimate[11])


def test_no_never_switchers_is_an_error() -> None:
    sim = pd.DataFrame(
        {"g": [1, 1, 2, 2], "t": [1, 2, 1, 2], "d": [0, 1, 0, 1.0], "y": [1, 2, 3, 4.0]}
    )
    with pytest.raises(EstimationError, match="not identified"):
        did_multiplegt_dyn(sim, "y", "g", "t", "d")


def test_exit_event_study_and_persistence_verdict() -> None:
    sim = pd.DataFrame(STORED["simulated"]["exit"])
    res = exit_event_study(sim, "y", "g", "t", "d", effects=3)
    assert res.design == "exit" and "after treatment stops" in res.summary()
    binary = pd.DataFrame(STORED["simulated"]["binary"])
    # simulated: effect 1.5 while treated; after two treated periods, 0.5 remains
    ended = binary.groupby("g")["d"].transform(lambda d: bool(((d.cummax() > 0) & (d == 0)).any()))
    never = binary.groupby("g")["d"].transform("max") == 0
    res = did_multiplegt_dyn(binary[ended | never], "y", "g", "t", "d", effects=4)
    verdict, table = persistence_verdict(res, funded_periods=2)
    assert verdict == "fade"
    assert list(table["periods_since_end"]) == [1, 2]
    with pytest.raises(EstimationError, match="beyond"):
        persistence_verdict(res, funded_periods=4)


def test_periods_without_never_switchers_are_named() -> None:
    sim = pd.DataFrame(STORED["simulated"]["binary"]).copy()
    # every group is treated by period 7: no comparison group in periods 7 and 8
    sim.loc[sim["t"] >= 7, "d"] = 1.0
    res = did_multiplegt_dyn(sim, "y", "g", "t", "d", effects=5)
    note = next(n for n in res.notes if "No group had kept" in n)
    assert "7 (first-period treatment 0)" in note and "8 (first-period treatment 0)" in note


def test_cr2_factors_equal_r_with_equal_cluster_weights() -> None:
    # unweighted, clustered by group: every cluster has the same share of its cohort, so
    # (1 - h)^(-1/2) = sqrt(n / (n - 1)), R's factor
    r = did_multiplegt_dyn(FAV, *FAV_COLS, effects=3, placebo=1)
    cr2 = did_multiplegt_dyn(FAV, *FAV_COLS, effects=3, placebo=1, small_sample="CR2")
    np.testing.assert_allclose(cr2.estimate, r.estimate, rtol=0, atol=1e-15)
    np.testing.assert_allclose(cr2.std_error, r.std_error, rtol=1e-12)
    # by state, whose counties are very unequal in number, the factors differ
    r_st = did_multiplegt_dyn(FAV, *FAV_COLS, effects=3, cluster="state_n")
    cr2_st = did_multiplegt_dyn(FAV, *FAV_COLS, effects=3, cluster="state_n", small_sample="CR2")
    assert np.all(np.abs(cr2_st.std_error / r_st.std_error - 1) > 1e-3)
    assert "CR2" in cr2_st.summary()


def test_jackknife_equals_leaving_each_state_out() -> None:
    kw = dict(effects=3, placebo=2, cluster="state_n")
    res = did_multiplegt_dyn(FAV, *FAV_COLS, small_sample="jackknife", **kw)
    states = np.sort(FAV["state_n"].unique())
    fits = np.array(
        [did_multiplegt_dyn(FAV[FAV["state_n"] != s], *FAV_COLS, **kw).estimate for s in states]
    )
    n = len(states)
    dev = fits - fits.mean(axis=0)
    se = np.sqrt((n - 1) / n * (dev**2).sum(axis=0))
    np.testing.assert_allclose(res.std_error, se, rtol=1e-10)
    # the estimates themselves are the full-sample ones
    plain = did_multiplegt_dyn(FAV, *FAV_COLS, **kw)
    np.testing.assert_allclose(res.estimate, plain.estimate, rtol=0, atol=1e-15)
    assert res.placebo_test[1] == 2 and np.isfinite(res.placebo_test[2])
    # t intervals with clusters - 1 degrees of freedom
    assert res.df == n - 1
    row = res.tidy().iloc[0]
    half = (row["conf_high"] - row["conf_low"]) / 2
    assert half == pytest.approx(stats.t.ppf(0.975, n - 1) * row["std_error"], rel=1e-10)
    # the uniform band is a multivariate-t band: never narrower than the pointwise t interval
    assert res.uniform_crit > stats.t.ppf(0.975, n - 1)


def test_unknown_small_sample_fails_well() -> None:
    with pytest.raises(SpecError, match="small_sample"):
        did_multiplegt_dyn(FAV, *FAV_COLS, small_sample="CR3")


def test_switcher_clusters_count_the_clusters_of_each_effects_switchers() -> None:
    # a switcher of effect l changes treatment at F and is observed at F - 1 + l
    res = did_multiplegt_dyn(FAV, *FAV_COLS, effects=3, placebo=1, cluster="state_n")
    d = FAV.sort_values(["county", "year"])
    change = d.groupby("county")["inter_bra"].diff().fillna(0) != 0
    first = d[change].groupby("county")["year"].min()
    for h in (1, 2, 3):
        fit_rows = res.horizons == h
        assert res.n_switcher_clusters[fit_rows][0] <= res.n_switchers[fit_rows][0]
    # effect 1's switchers are the counties observed the year they switch: all of them
    # here, so their states are the states of every switching county
    switching_states = FAV.loc[FAV["county"].isin(first.index), "state_n"].nunique()
    assert res.n_switcher_clusters[res.horizons == 1][0] == switching_states
    # unclustered, every group is its own cluster
    plain = did_multiplegt_dyn(FAV, *FAV_COLS, effects=3)
    np.testing.assert_array_equal(plain.n_switcher_clusters, plain.n_switchers)
