"""Our result objects plug into maketables (``__maketables_*__`` hooks)."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from improve.did import aggregate, att_gt, imputation, sunab, twfe
from improve.fe import panel_regression

from sample_data import make_school_panel

mt = pytest.importorskip("maketables")

KW = dict(unit="school_id", time="school_year")


@pytest.fixture(scope="module")
def models() -> dict:
    df = make_school_panel()
    df["treated"] = (
        (df["first_grant_year"] > 0) & (df["school_year"] >= df["first_grant_year"])
    ).astype(float)
    did = dict(cohort="first_grant_year", cluster="district_id", **KW)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            "fe": panel_regression(df, "math_ss", "treated", cluster="district_id", **KW),
            "fe2": panel_regression(
                df, ["math_ss", "reading_ss"], "treated", cluster="district_id", se="cr2", **KW
            ),
            "twfe": twfe(df, "math_ss", dynamic=True, **did),
            "sunab": sunab(df, "math_ss", **did),
            "imputation": imputation(df, "math_ss", min_e=-2, **did),
            "dynamic": aggregate(att_gt(df, "math_ss", cohort="first_grant_year", **KW), "dynamic"),
        }


def _tidy(name: str, res) -> pd.DataFrame:
    if name == "sunab":
        return pd.concat([res.tidy(), res.tidy("overall")], ignore_index=True)
    return res.tidy()


def test_coef_tables_are_the_tidy_numbers(models):
    for name, res in models.items():
        if name == "fe2":
            continue
        table = mt.get_extractor(res).coef_table(res)
        tidy = _tidy(name, res)
        assert type(mt.get_extractor(res)).__name__ == "PluginExtractor", name
        assert list(table.index) == tidy["term"].tolist(), name
        for ours, theirs in [
            ("estimate", "b"),
            ("std_error", "se"),
            ("statistic", "t"),
            ("p_value", "p"),
            ("conf_low", "ci95l"),
            ("conf_high", "ci95u"),
        ]:
            np.testing.assert_array_equal(table[theirs].to_numpy(), tidy[ours].to_numpy(), name)


def test_mixed_etable_shows_our_coefficients_and_standard_errors(models):
    order = ["fe", "twfe", "sunab", "imputation", "dynamic"]
    fits = [models[k] for k in order]
    table = mt.ETable(fits, coef_fmt="b:.10f \n (se:.10f)", model_stats=["N", "se_type"])
    body = table.df.loc["coef"]
    assert body.shape[1] == len(fits)
    checked = 0
    for j, name in enumerate(order):
        for _, row in _tidy(name, models[name]).iterrows():
            cell = body.loc[row["term"]].iloc[j]
            numbers = re.findall(r"-?\d+\.\d{10}", cell)
            if not np.isfinite(row["std_error"]):
                continue
            assert numbers == [f"{row['estimate']:.10f}", f"{row['std_error']:.10f}"], (name, cell)
            checked += 1
    assert checked >= 20
    stats = table.df.loc["stats"]
    assert stats.loc["Observations"].iloc[0] == f"{models['fe'].n_obs:,}"
    assert stats.loc["S.E. type"].tolist()[:2] == ["CR1 by: district_id"] * 2
    assert stats.loc["S.E. type"].iloc[4] in ("influence function", "multiplier bootstrap")
    fixef = table.df.loc["fe"]
    assert fixef.loc["school_id"].tolist()[:2] == ["x", "-"]


def test_mixed_etable_renders_to_html_and_latex(models):
    fits = [models["fe"], models["twfe"], models["sunab"], models["imputation"], models["dynamic"]]
    table = mt.ETable(fits, caption="Five estimators")
    html = table.make(type="gt").as_raw_html()
    assert "ATT (dynamic)" in html and "e=0" in html and "math_ss" in html
    assert "Within R" in html and "Units" in html and "Treated observations" in html
    tex = table.make(type="tex")
    assert "Observations" in tex and r"\begin{tabular" in tex


def test_fe_results_expand_to_one_column_per_outcome(models):
    table = mt.ETable(models["fe2"])
    assert table.df.shape[1] == 2
    header = " ".join(map(str, table.df.columns.get_level_values(0)))
    assert "math_ss" in header and "reading_ss" in header
    assert table.df.loc["stats"].loc["S.E. type"].tolist() == ["CR2 by: district_id"] * 2


def test_interval_columns_follow_alpha():
    from improve.report.tables import maketables_coef_table

    tidy = pd.DataFrame(
        {
            "term": ["a"],
            "estimate": [1.0],
            "std_error": [0.5],
            "statistic": [2.0],
            "p_value": [0.04],
            "conf_low": [0.2],
            "conf_high": [1.8],
        }
    )
    assert list(maketables_coef_table(tidy, 0.10).columns) == [
        "b",
        "se",
        "t",
        "p",
        "ci90l",
        "ci90u",
    ]
    with pytest.raises(ValueError, match="unique"):
        maketables_coef_table(pd.concat([tidy, tidy]), 0.05)
