"""Multiplier bootstrap, uniform bands and cluster-robust inference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from improve.did import aggregate, att_gt

KEYS = dict(unit="countyreal", time="year", cohort="first_treat")


@pytest.fixture(scope="module")
def analytic(mpdta: pd.DataFrame):
    return att_gt(mpdta, "lemp", **KEYS)


@pytest.fixture(scope="module")
def boot(mpdta: pd.DataFrame):
    return att_gt(mpdta, "lemp", bootstrap=True, n_boot=999, seed=20240601, **KEYS)


def test_same_seed_same_result(mpdta: pd.DataFrame, boot) -> None:
    again = att_gt(mpdta, "lemp", bootstrap=True, n_boot=999, seed=20240601, **KEYS)
    np.testing.assert_array_equal(again.std_error, boot.std_error)
    assert again.crit_val == boot.crit_val
    other = att_gt(mpdta, "lemp", bootstrap=True, n_boot=999, seed=7, **KEYS)
    assert not np.array_equal(other.std_error, boot.std_error)


def test_bootstrap_se_close_to_analytic(boot, analytic) -> None:
    np.testing.assert_array_equal(boot.estimate, analytic.estimate)
    ratio = boot.std_error / analytic.std_error
    assert np.all(np.abs(ratio - 1) < 0.10), ratio


def test_uniform_band_wider_than_pointwise(boot, analytic) -> None:
    assert boot.uniform and not analytic.uniform
    assert analytic.crit_val == pytest.approx(1.959964, abs=1e-6)
    assert boot.crit_val > 1.96
    tidy = boot.tidy()
    assert {"conf_low_uniform", "conf_high_uniform"} <= set(tidy.columns)
    assert np.all(
        tidy["conf_high_uniform"] - tidy["conf_low_uniform"] > tidy["conf_high"] - tidy["conf_low"]
    )


def test_aggregate_bootstrap(boot, analytic) -> None:
    dyn_b = aggregate(boot, "dynamic")
    dyn_a = aggregate(analytic, "dynamic")
    assert dyn_b.uniform and dyn_b.crit_val_egt > 1.96
    np.testing.assert_allclose(dyn_b.att_egt, dyn_a.att_egt)
    assert np.all(np.abs(dyn_b.se_egt / dyn_a.se_egt - 1) < 0.15)
    assert abs(dyn_b.std_error / dyn_a.std_error - 1) < 0.15
    again = aggregate(boot, "dynamic")
    np.testing.assert_array_equal(again.se_egt, dyn_b.se_egt)
    # bootstrap can be switched on for an analytic result
    grp = aggregate(analytic, "group", bootstrap=True, seed=3)
    assert grp.uniform and grp.crit_val_egt > 1.96


def test_cluster_robust_se_sums_influence_within_cluster(mpdta: pd.DataFrame, analytic) -> None:
    df = mpdta.assign(state=mpdta["countyreal"] // 1000)
    res = att_gt(df, "lemp", cluster="state", cluster_correction="none", **KEYS)
    np.testing.assert_allclose(res.estimate, analytic.estimate)
    codes = pd.factorize(df.groupby("countyreal")["state"].first().sort_index())[0]
    sums = np.zeros((codes.max() + 1, res.inf_func.shape[1]))
    np.add.at(sums, codes, res.inf_func)
    expected = np.sqrt((sums**2).sum(axis=0)) / res.n_units
    np.testing.assert_allclose(res.std_error, expected, rtol=1e-12)
    assert res.n_clusters == df["state"].nunique()
    # clustering at the unit level is the unit-level analytic SE
    same = att_gt(mpdta, "lemp", cluster="countyreal", cluster_correction="none", **KEYS)
    np.testing.assert_allclose(same.std_error, analytic.std_error)
    # bootstrap with clusters draws one weight per cluster and stays close
    bres = att_gt(
        df, "lemp", cluster="state", cluster_correction="none", bootstrap=True, seed=1, **KEYS
    )
    assert np.all(np.abs(bres.std_error / res.std_error - 1) < 0.25)
    simple = aggregate(res, "simple")
    assert simple.std_error > aggregate(analytic, "simple").std_error * 0.5


def test_time_varying_cluster_uses_first_period(mpdta: pd.DataFrame) -> None:
    df = mpdta.assign(school=mpdta["countyreal"] // 1000)
    movers = df["countyreal"].isin(df["countyreal"].unique()[:10]) & (df["year"] == 2007)
    df.loc[movers, "school"] = 99999
    with pytest.warns(UserWarning, match="10 units change cluster"):
        res = att_gt(df, "lemp", cluster="school", **KEYS)
    base = att_gt(df.assign(school=mpdta["countyreal"] // 1000), "lemp", cluster="school", **KEYS)
    np.testing.assert_allclose(res.std_error, base.std_error)


def test_bootstrap_runs_for_cross_sections_and_unbalanced(mpdta: pd.DataFrame, variants) -> None:
    df = mpdta.assign(state=mpdta["countyreal"] // 1000)
    rc = att_gt(df, "lemp", panel=False, cluster="state", bootstrap=True, seed=5, **KEYS)
    assert rc.n_units == 2500 and rc.n_clusters == df["state"].nunique()
    assert np.all(np.isfinite(rc.std_error)) and rc.crit_val > 1.96
    ub = att_gt(
        variants["unbalanced"], "lemp", allow_unbalanced_panel=True, bootstrap=True, seed=5, **KEYS
    )
    assert ub.unbalanced and np.all(np.isfinite(ub.std_error))
    cal = aggregate(ub, "calendar")
    assert cal.uniform and np.all(np.isfinite(cal.se_egt))
