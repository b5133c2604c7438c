"""Restricted wild cluster bootstrap Wald test (pre-trend tests of Sun-Abraham)."""

from __future__ import annotations

import numpy as np
import pytest

from improve.inference import WildDesign, wild_bootstrap, wild_wald_test, within_design


def _data(seed: int, n_clusters: int = 8):
    rng = np.random.default_rng(seed)
    units = np.repeat(np.arange(40), 6)
    times = np.tile(np.arange(6), 40)
    cluster = units % n_clusters
    x = np.column_stack([rng.normal(size=units.size), (times >= 3) * (units % 3 == 0)])
    tdum = (times[:, None] == np.arange(1, 6)[None, :]).astype(float)
    y = 0.3 * x[:, 0] + rng.normal(size=units.size) + rng.normal(size=40)[units]
    return y, np.column_stack([tdum, x]), units, cluster


def test_one_restriction_equals_the_validated_wild_bootstrap_t() -> None:
    y, design_x, units, cluster = _data(1)
    within = within_design(y, design_x, [units], cluster)  # unit effects nested in clusters
    assert within.Zd.shape[1] == 0
    reference = wild_bootstrap(within, n_boot=999, conf_int=False)
    assert reference.enumerated  # 2^8 draws: exact, seed-free
    wild = WildDesign(within.X, within.y, cluster)
    for j in (5, 6):
        restriction = np.zeros((1, design_x.shape[1]))
        restriction[0, j] = 1.0
        test = wild_wald_test(wild, restriction, n_boot=999)
        assert test.enumerated and test.n_draws == 256
        assert test.statistic == pytest.approx(reference.t_stat[j] ** 2, rel=1e-10)
        assert test.p_value == pytest.approx(reference.p_value[j], abs=1e-12)


@pytest.mark.slow
def test_joint_test_size_with_few_unequal_clusters() -> None:
    # 8 clusters, one holding half the units: no true effect of column 5 or 6
    rejections = []
    for seed in range(200):
        rng = np.random.default_rng(seed)
        units = np.repeat(np.arange(60), 6)
        times = np.tile(np.arange(6), 60)
        cluster = np.minimum(units // 4, 7)  # clusters of 4 units, the last of 32
        shock = rng.normal(size=(8, 6))[cluster, times]
        x = np.column_stack(
            [(times == 1) * (units % 2 == 0), (times == 2) * (units % 2 == 0)]
        ).astype(float)
        tdum = (times[:, None] == np.arange(1, 6)[None, :]).astype(float)
        y = shock + rng.normal(size=units.size) + rng.normal(size=60)[units]
        within = within_design(y, np.column_stack([tdum, x]), [units], cluster)
        restriction = np.zeros((2, 7))
        restriction[0, 5] = restriction[1, 6] = 1.0
        test = wild_wald_test(WildDesign(within.X, within.y, cluster), restriction)
        rejections.append(test.p_value < 0.05)
    rate = float(np.mean(rejections))
    assert rate <= 0.05 + 3 * np.sqrt(0.05 * 0.95 / 200), rate


def test_event_study_designs_reproduce_their_estimates(mpdta) -> None:
    from improve.did import sunab, twfe

    df = mpdta.assign(state=mpdta["countyreal"] // 1000)
    keys = dict(unit="countyreal", time="year", cohort="first_treat", cluster="state")
    tw = twfe(df, "lemp", dynamic=True, **keys)
    sa = sunab(df, "lemp", **keys)
    for result, coefs in ((tw, tw.estimate), (sa, sa.cell_estimate)):
        design = result.wild_design
        assert design is not None and design.n_clusters == df["state"].nunique()
        beta = np.linalg.lstsq(design.x, design.y, rcond=None)[0]
        np.testing.assert_allclose(beta[-coefs.size :], coefs, atol=1e-10)
    # clusters that do not nest units: no design, the Hotelling F test is used instead
    by_year = twfe(df, "lemp", dynamic=True, **{**keys, "cluster": "year"})
    assert by_year.wild_design is None
