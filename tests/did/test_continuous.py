"""Continuous-treatment DiD (improve.did.continuous): estimates, tidy contract, failing well."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from improve.did.continuous import DoseResponseResult, cont_did
from improve.errors import EstimationError, SpecError
from improve.results import TIDY_COLUMNS


def _panel(n: int = 400, seed: int = 3, levels: bool = False) -> pd.DataFrame:
    """Three periods, cohort 3 treated with dose D; effect 2 * D at t = 3 (no noise in trends)."""
    rng = np.random.default_rng(seed)
    g = np.where(rng.random(n) < 0.4, 0, 3)
    d = np.where(g > 0, rng.choice([1.0, 2.0, 3.0], n) if levels else rng.uniform(0.5, 2, n), 0)
    rows = []
    for t in (1, 2, 3):
        eff = np.where((g > 0) & (t >= g), 2.0 * d, 0.0)
        y = 0.3 * t + rng.normal(0, 1, n) + eff
        rows.append(pd.DataFrame({"id": np.arange(n), "t": t, "g": g, "dose": d, "y": y}))
    return pd.concat(rows, ignore_index=True)


def _fit(df: pd.DataFrame, **kw: object) -> DoseResponseResult:
    return cont_did(df, "y", dose="dose", unit="id", time="t", cohort="g", seed=1, **kw)


def test_linear_dose_response_recovered_and_tidy_contract() -> None:
    res = _fit(_panel(), degree=1, biters=200)
    assert abs(res.overall_acrt - 2.0) < 0.3
    assert np.allclose(res.curves["att"], 2.0 * res.dose, atol=0.5)
    tidy = res.tidy()
    assert list(tidy.columns[:1]) == ["term"]
    assert set(TIDY_COLUMNS) <= set(tidy.columns)
    assert set(tidy["parameter"]) == {"ATT(d)", "ACRT(d)", "ATT^o", "ACRT^o", "ATT(e)", "ACRT(e)"}
    band = tidy[tidy["parameter"] == "ATT(d)"]
    assert (band["conf_high_uniform"] >= band["conf_high"]).all()
    assert "ATT^o" in res.summary()
    assert "ACRT^o" in res._repr_html_()


def test_discrete_dose_gives_level_means() -> None:
    df = _panel(levels=True)
    res = _fit(df, treatment_type="discrete", biters=0)
    assert np.allclose(res.dose, [1.0, 2.0, 3.0])
    wide = df.pivot(index="id", columns="t", values="y")
    unit = df.groupby("id")[["g", "dose"]].first()
    dy = wide[3] - wide[2]
    mu0 = dy[unit["g"] == 0].mean()
    expected = [dy[(unit["g"] == 3) & (unit["dose"] == lv)].mean() - mu0 for lv in (1, 2, 3)]
    assert np.allclose(res.curves["att"], expected, atol=1e-12)
    assert np.isclose(res.curves["acrt"].iloc[0], expected[0] / 1.0)
    assert np.isclose(res.curves["acrt"].iloc[1], expected[1] - expected[0])


def test_non_numeric_dose_is_a_spec_error() -> None:
    df = _panel()
    df["dose"] = np.where(df["dose"] > 1, "high", "low")
    with pytest.raises(SpecError, match="must be numeric"):
        _fit(df)


def test_thin_dose_level_is_named() -> None:
    df = _panel(levels=True)
    first = df.loc[(df["g"] > 0) & (df["dose"] == 3.0), "id"].unique()[:2]
    df = df[~df["id"].isin(df.loc[(df["g"] > 0) & (df["dose"] == 3.0), "id"].unique()[2:])]
    assert len(first) == 2
    with pytest.raises(EstimationError, match=r"dose level\(s\) 3 \(2 units\)"):
        _fit(df, treatment_type="discrete")


def test_no_untreated_units_is_an_estimation_error() -> None:
    df = _panel()
    df = df[df["g"] > 0]
    with pytest.raises(EstimationError, match="untreated"):
        _fit(df)


def test_too_few_distinct_doses_for_the_spline() -> None:
    with pytest.raises(EstimationError, match="distinct value"):
        _fit(_panel(levels=True), degree=3)


def test_bad_options_are_spec_errors() -> None:
    for kw in ({"control_group": "never"}, {"degree": 0}, {"confidence_level": 95}):
        with pytest.raises(SpecError):
            _fit(_panel(), **kw)


def test_plot_draws_curve_and_bands() -> None:
    import matplotlib

    matplotlib.use("Agg")
    fig = _fit(_panel(), degree=1, biters=100).plot()
    assert len(fig.axes[0].collections) == 2


def test_cells_without_comparison_units_are_named() -> None:
    """No never-treated units: the last cohort has no comparison, earlier cohorts do."""
    df = _panel()
    df = df[df["g"] > 0].copy()
    late = df["id"] % 2 == 0
    df.loc[late, "g"] = 3
    df.loc[~late, "g"] = 2
    res = _fit(df, control_group="notyettreated", degree=1, biters=0)
    assert set(res.cells.loc[res.cells["post"], "group"]) == {2}
    assert any("not identified" in n and "no untreated comparison" in n for n in res.notes)
    with pytest.raises(EstimationError, match="untreated"):
        _fit(df, control_group="nevertreated")


def test_cr2_changes_standard_errors_not_estimates() -> None:
    df = _panel()
    df["district"] = df["id"] % 15
    plain = _fit(df, cluster="district", cluster_correction="none", degree=2, biters=0)
    cr2 = _fit(df, cluster="district", degree=2, biters=0)
    assert cr2.options["cluster_correction"] == "CR2"
    np.testing.assert_allclose(cr2.curves["att"], plain.curves["att"], atol=1e-12)
    assert (cr2.curves["att_se"] > plain.curves["att_se"]).all()
    assert 1.0 < cr2.overall_att_se / plain.overall_att_se < 1.2


def test_cr2_of_a_regression_is_the_leverage_correction() -> None:
    from improve.did._continuous_cr2 import regression_residuals

    rng = np.random.default_rng(0)
    x = np.column_stack([np.ones(8), rng.normal(size=8)])
    e = rng.normal(size=8)
    codes = np.arange(8)  # one unit per cluster: (1 - h_ii)^(-1/2) e_i
    h = np.einsum("ij,jk,ik->i", x, np.linalg.inv(x.T @ x), x)
    np.testing.assert_allclose(regression_residuals(x, e, codes), e / np.sqrt(1 - h))
