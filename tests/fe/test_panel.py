"""improve.fe: API behaviour, errors, lags/leads, engines, tables and plots."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from improve.errors import EstimationError, SpecError
from improve.fe import FEResults, panel_regression

SIM = dict(unit="unit", time="year", cluster="cluster")


@pytest.fixture(scope="module")
def sim(reference_data):
    return reference_data("sim12")


def test_several_outcomes_and_tidy_columns(sim):
    df = sim.assign(y2=sim["y"] * 2)
    res = panel_regression(df, ["y", "y2"], "dose", se="cr2", **SIM)
    assert isinstance(res, FEResults) and list(res) == ["y", "y2"]
    tidy = res.tidy()
    assert list(tidy.columns) == [
        "outcome",
        "term",
        "estimate",
        "std_error",
        "statistic",
        "p_value",
        "conf_low",
        "conf_high",
    ]
    np.testing.assert_allclose(res["y2"].estimate, 2 * res["y"].estimate, rtol=1e-10)
    assert "CR2" in res.summary() and "<table" in res._repr_html_()


def test_few_clusters_warns_for_cr1_only(sim):
    with pytest.warns(UserWarning, match="12 clusters"):
        res = panel_regression(sim, "y", "dose", se="cr1", **SIM)
    assert res.warnings and "se='cr2'" in res.warnings[0]
    assert "Warning" in res.summary()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res2 = panel_regression(sim, "y", "dose", se="cr2", **SIM)
    assert res2.warnings == () and res2.vcov_type == "cr2" and "Satterthwaite" in res2.vcov_label
    assert res2.df[0] < 11  # Satterthwaite df below G - 1 with unbalanced clusters


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"se": "cr3"}, SpecError, "se must be one of"),
        ({"se": "twoway"}, SpecError, "two clustering columns"),
        ({"boot_weights": "mammen"}, SpecError, "boot_weights"),
        ({"lags": -1}, SpecError, "lags and leads"),
    ],
)
def test_option_errors(sim, kwargs, error, match):
    with pytest.raises(error, match=match):
        panel_regression(sim, "y", "dose", **{**SIM, **kwargs})


def test_missing_column_and_absorbed_treatment(sim):
    with pytest.raises(SpecError, match="not in the data"):
        panel_regression(sim, "y", "coach", **SIM)
    df = sim.assign(const_in_unit=sim.groupby("unit")["dose"].transform("mean"))
    with pytest.raises(EstimationError, match="absorbed by the fixed effects"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            panel_regression(df, "y", "const_in_unit", **SIM)


def test_lags_and_leads_follow_period_order_with_a_gap():
    rows = []
    for u in range(4):
        for t in (2018, 2019, 2021, 2022):  # 2020 missing everywhere
            rows.append((f"u{u}", t, float(u * 10 + t % 100), float(u + t)))
    df = pd.DataFrame(rows, columns=["unit", "year", "dose", "y"])
    from improve.fe.panel import _regressors

    terms, lag_of = _regressors(df, ["dose"], [], "unit", "year", 1, 1)
    row = df.index[(df["unit"] == "u1") & (df["year"] == 2021)][0]
    assert terms.loc[row, "dose_lag1"] == 10 + 19  # 2019 is the previous period
    assert terms.loc[row, "dose_lead1"] == 10 + 22
    assert np.isnan(
        terms.loc[df.index[(df["unit"] == "u1") & (df["year"] == 2018)][0], "dose_lag1"]
    )
    assert lag_of == {"dose": 0.0, "dose_lag1": 1.0, "dose_lead1": -1.0}


def test_panelols_and_absorbingls_agree(sim):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = panel_regression(sim, "y", ["dose", "x2"], engine="panelols", **SIM)
        b = panel_regression(sim, "y", ["dose", "x2"], engine="absorbing", **SIM)
    assert a.engine == "PanelOLS" and b.engine == "AbsorbingLS"
    np.testing.assert_allclose(a.estimate, b.estimate, rtol=0, atol=1e-9)
    np.testing.assert_allclose(a.std_error, b.std_error, rtol=0, atol=1e-9)
    np.testing.assert_allclose(a.r2_within, b.r2_within, atol=1e-9)


def test_three_way_absorb_uses_absorbingls_and_cr2_handles_interactions(reference_data):
    df = reference_data("schools")
    res = panel_regression(
        df,
        "math_ss",
        "coach",
        unit="school_id",
        time="school_year",
        cluster="district_id",
        absorb=[("district_id", "school_year")],
        se="cr2",
    )
    assert res.engine == "AbsorbingLS"
    assert res.absorbed == ("school_id", "school_year", "district_id×school_year")
    assert np.isfinite(res.std_error).all() and res.df[0] > 1


def test_wild_bootstrap_is_seeded_and_enumerates(sim):
    kw = {**SIM, "se": "wild", "n_boot": 999, "boot_weights": "webb"}
    a = panel_regression(sim, "y", "dose", seed=3, **kw)
    b = panel_regression(sim, "y", "dose", seed=3, **kw)
    c = panel_regression(sim, "y", "dose", seed=4, **kw)
    assert a.p_value[0] == b.p_value[0] and a.conf_low[0] == b.conf_low[0]
    assert a.p_value[0] != c.p_value[0] or a.conf_low[0] != c.conf_low[0]
    e = panel_regression(sim, "y", "dose", se="wild", n_boot=9999, **SIM)
    assert e.bootstrap["enumerated"] and e.bootstrap["draws"] == 4096
    assert e.conf_low[0] < e.estimate[0] < e.conf_high[0]
    # the interval inverts the test: p(r) at the bounds is close to alpha
    from improve import inference

    X = sim[["dose"]].to_numpy()
    codes = [pd.factorize(sim[c])[0] for c in ("unit", "year")]
    design = inference.within_design(sim["y"].to_numpy(), X, codes, pd.factorize(sim["cluster"])[0])
    for bound, side in ((e.conf_low[0], -1), (e.conf_high[0], 1)):
        inside = inference.wild_bootstrap(
            design, null=bound - side * 1e-3 * e.std_error[0], conf_int=False
        ).p_value[0]
        outside = inference.wild_bootstrap(
            design, null=bound + side * 1e-3 * e.std_error[0], conf_int=False
        ).p_value[0]
        assert inside >= 0.05 > outside


def test_panel_input():
    from pathlib import Path

    from improve.data import load_panel

    demo = Path(__file__).resolve().parents[2] / "data" / "demo"
    panel = load_panel(
        demo / "schools.csv",
        columns=demo / "columns.yaml",
        spec={"covariates": ("coach_fte_per_100",)},
    )
    res = panel_regression(panel, "math_ss", "coach_fte_per_100", se="cr2")
    assert res.cluster == ("district_id",) and res.n_clusters == (60,)
    assert res.absorbed == ("school_id", "school_year")


def test_regression_table_exports(sim):
    from improve.report.regression_table import regression_table

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m1 = panel_regression(sim, "y", "dose", se="cr1", **SIM)
    m2 = panel_regression(sim, "y", ["dose", "x2"], se="cr2", **SIM)
    tab = regression_table({"(1)": m1, "(2)": m2}, labels={"dose": "Dose"})
    md = tab.to_markdown()
    assert "| Dose |" in md and "* p < 0.1, ** p < 0.05, *** p < 0.01" in md
    assert "Observations" in md and "Clusters" in md and "R-squared (within)" in md
    # stars follow the documented convention
    p = m2.p_value[1]
    n_stars = sum(p < lv for lv in (0.10, 0.05, 0.01))
    assert tab.body.iloc[2, 1].endswith("*" * n_stars) and tab.body.iloc[2, 0] == ""
    assert "<table" in tab.to_html() and tab._repr_html_() == tab.to_html()
    tex = tab.to_latex()
    assert tex.startswith("\\begin{tabular}") and "\\toprule" in tex and "$^{" in tex
    csv = tab.to_csv()
    assert csv.splitlines()[0].startswith("model,outcome,term,estimate")
    assert "Dose" in tab.to_csv(layout="display")
    plain = regression_table({"a": m2}, stars=(), show="ci")
    assert "No significance stars" in plain.note and "[" in plain.body.iloc[1, 0]


def test_dose_response_plot(sim):
    import matplotlib

    matplotlib.use("Agg")
    from improve.fe import dose_response

    res = panel_regression(sim, "y", "dose", lags=1, leads=1, se="cr2", **SIM)
    fig = dose_response(res, dose_label="Coach FTE per 100 students")
    assert len(fig.axes) == 2
    assert fig.axes[0].get_xlabel() == "Coach FTE per 100 students"
    fig2 = dose_response(res.tidy().iloc[:1])
    assert len(fig2.axes) == 1
