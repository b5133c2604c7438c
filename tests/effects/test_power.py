"""Power and MDES (Bloom 1995/2006; Dong & Maynard 2013; DiD panel as documented)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from improve.effects import mdes, multiplier, power_at, schools_needed
from improve.errors import EstimationError, SpecError


def test_multiplier_large_sample_is_2_8() -> None:
    # Bloom (1995): for a two-tailed test at alpha = .05 with 80% power the multiplier
    # approaches 1.96 + 0.84 = 2.80 as degrees of freedom grow.
    assert multiplier(np.inf) == pytest.approx(2.8016, abs=1e-4)
    assert multiplier(10_000) == pytest.approx(2.80, abs=0.005)
    # one-tailed: 1.645 + 0.842
    assert multiplier(np.inf, two_tailed=False) == pytest.approx(2.486, abs=1e-3)
    # small df: t quantiles
    assert multiplier(20) == pytest.approx(stats.t.ppf(0.975, 20) + stats.t.ppf(0.8, 20))


def test_cluster_mdes_formula() -> None:
    # Dong & Maynard (2013) CRA2 formula, by hand: J = 40 schools of n = 60, rho = .20
    res = mdes(40, "cluster", cluster_size=60, icc=0.20)
    var = 0.20 / (0.25 * 40) + 0.80 / (0.25 * 40 * 60)
    m = stats.t.ppf(0.975, 38) + stats.t.ppf(0.80, 38)
    assert res.df == 38
    assert res.mdes == pytest.approx(m * math.sqrt(var))
    assert res.mdes == pytest.approx(0.420, abs=0.001)
    # covariates at the school level shrink it
    assert mdes(40, "cluster", cluster_size=60, icc=0.2, r2=0.5, n_covariates=1).mdes < res.mdes
    assert "Dong & Maynard" in res.formula
    assert set(res.tidy().columns) >= {"term", "estimate", "std_error", "df"}


def test_individual_design_matches_bloom() -> None:
    # Bloom (1995/2006): MDES = M * sqrt(1 / (P(1-P) N)); with N = 500, P = .5 this is
    # about 2.8 * sqrt(4/500) = 0.25
    res = mdes(500, "individual")
    assert res.mdes == pytest.approx(multiplier(498) * math.sqrt(4 / 500))
    assert res.mdes == pytest.approx(0.25, abs=0.002)


def test_power_at_mdes_is_about_the_target() -> None:
    for design, kw in (
        ("cluster", {"cluster_size": 50, "icc": 0.15, "r2": 0.4}),
        ("panel", {"cluster_size": 80, "icc": 0.2, "r2": 0.8, "n_pre": 3, "n_post": 2}),
    ):
        res = mdes(60, design, **kw)
        assert power_at(res.mdes, 60, design, **kw) == pytest.approx(0.80, abs=0.01)


def test_schools_needed_inverts_mdes() -> None:
    kw = {"cluster_size": 60, "icc": 0.2, "r2": 0.5, "n_covariates": 1}
    need = schools_needed(0.20, "cluster", **kw)
    assert need.achieved.mdes <= 0.20
    assert mdes(need.n_units - 1, "cluster", **kw).mdes > 0.20
    assert mdes(need.n_units, "cluster", **kw).mdes == pytest.approx(need.achieved.mdes)
    assert "schools" in need.summary()
    panel = schools_needed(0.10, "panel", cluster_size=100, icc=0.2, r2=0.8, n_pre=4, n_post=3)
    assert (
        mdes(panel.n_units, "panel", cluster_size=100, icc=0.2, r2=0.8, n_pre=4, n_post=3).mdes
        <= 0.10
    )
    assert (
        mdes(panel.n_units - 1, "panel", cluster_size=100, icc=0.2, r2=0.8, n_pre=4, n_post=3).mdes
        > 0.10
    )


def test_panel_with_one_period_each_is_two_cross_sections() -> None:
    # DiD of one pre and one post period, nothing absorbed by school effects: the
    # variance is twice that of a single cross-section comparison
    cl = mdes(50, "cluster", cluster_size=40, icc=0.2)
    pa = mdes(50, "panel", cluster_size=40, icc=0.2, n_pre=1, n_post=1)
    assert pa.mdes == pytest.approx(math.sqrt(2) * cl.mdes)
    # more periods and a stable school component both help
    assert mdes(50, "panel", cluster_size=40, icc=0.2, r2=0.8, n_pre=4, n_post=4).mdes < pa.mdes


def test_panel_variance_matches_simulation() -> None:
    # Simulate the documented model and check the DiD standard error against the formula.
    rng = np.random.default_rng(11)
    j, n, icc, r2, t_pre, t_post = 40, 50, 0.2, 0.7, 3, 2
    reps = 3000
    stable = rng.normal(0, math.sqrt(icc * r2), (reps, j, 1))
    shock = rng.normal(0, math.sqrt(icc * (1 - r2)), (reps, j, t_pre + t_post))
    noise = rng.normal(0, math.sqrt((1 - icc) / n), (reps, j, t_pre + t_post))
    y = stable + shock + noise
    treated = np.arange(j) < j // 2
    change = y[:, :, t_pre:].mean(axis=2) - y[:, :, :t_pre].mean(axis=2)
    did = change[:, treated].mean(axis=1) - change[:, ~treated].mean(axis=1)
    res = mdes(j, "panel", cluster_size=n, icc=icc, r2=r2, n_pre=t_pre, n_post=t_post)
    assert did.std(ddof=1) == pytest.approx(res.std_error, rel=0.05)


def test_power_errors() -> None:
    with pytest.raises(SpecError, match="icc"):
        mdes(20, "cluster", cluster_size=20, icc=1.5)
    with pytest.raises(EstimationError, match="degrees of"):
        mdes(3, "cluster", cluster_size=20, icc=0.1, n_covariates=2)
    with pytest.raises(SpecError, match="panel needs"):
        mdes(20, "panel", cluster_size=20, icc=0.1, n_pre=0)
    with pytest.raises(SpecError, match="target"):
        schools_needed(0.0)
