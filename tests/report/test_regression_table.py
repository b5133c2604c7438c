"""RegressionTable goes through the table layer: great_tables HTML and Excel."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest
from openpyxl import load_workbook

from improve.fe import panel_regression
from improve.report.regression_table import regression_table

from sample_data import make_school_panel


@pytest.fixture(scope="module")
def table():
    df = make_school_panel()
    df["treated"] = (
        (df["first_grant_year"] > 0) & (df["school_year"] >= df["first_grant_year"])
    ).astype(float)
    kw = dict(unit="school_id", time="school_year", cluster="district_id")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m1 = panel_regression(df, "math_ss", "treated", **kw)
        m2 = panel_regression(df, "math_ss", ["treated", "enrollment"], se="cr2", **kw)
    return regression_table({"(1) Math": m1, "(2) Math & size": m2}, labels={"treated": "Grant"})


def test_html_is_great_tables_with_rule_stub_and_note(table):
    page = table.to_html()
    assert page == table.to_html() and table._repr_html_() == page
    assert "gt_table" in page and "gt_stub" in page and "http" not in page
    assert "(2) Math &amp; size" in page and ">Grant<" in page
    assert page.count("border-top: 1px solid #333333") == 3  # stub + two model columns
    assert "Stars: * p &lt; 0.1, ** p &lt; 0.05, *** p &lt; 0.01." in page
    assert page.count("gt_center") >= 2 * len(table.body)


def test_as_table_keeps_every_cell(table):
    t = table.as_table("Regressions", name="reg", number=5)
    assert t.heading == "Table 5. Regressions"
    assert t.formatted().iloc[:, 1:].to_numpy().tolist() == table.body.to_numpy().tolist()
    assert t.rules_above == (table.n_coef_rows,)


def test_excel_has_display_and_full_precision_numbers(table, tmp_path):
    table.to_excel(tmp_path / "r.xlsx", sheet="fe_regressions")
    book = load_workbook(tmp_path / "r.xlsx")
    assert book.sheetnames == ["fe_regressions", "fe_regressions numbers"]
    shown = book["fe_regressions"]
    assert [c.value for c in shown[2]] == [None, "(1) Math", "(2) Math & size"]
    assert shown["A3"].value == "Grant" and shown["B3"].value == table.body.iloc[0, 0]
    numbers = pd.read_excel(tmp_path / "r.xlsx", sheet_name="fe_regressions numbers", skiprows=1)
    pd.testing.assert_frame_equal(numbers, table.numbers, check_exact=True, check_dtype=False)
    table.to_excel(tmp_path / "s.xlsx", sheet="fe_regressions")
    assert (tmp_path / "r.xlsx").read_bytes() == (tmp_path / "s.xlsx").read_bytes()


def test_did_estimates_side_by_side():
    from improve.did import aggregate, att_gt, imputation, twfe

    df = make_school_panel()
    kw = dict(unit="school_id", time="school_year", cohort="first_grant_year")
    fits = {
        "TWFE": twfe(df, "math_ss", cluster="district_id", **kw),
        "Imputation": imputation(df, "math_ss", cluster="district_id", **kw),
        "Callaway-Sant'Anna": aggregate(att_gt(df, "math_ss", **kw), "simple"),
    }
    table = regression_table(fits)
    facts = table.body.iloc[table.n_coef_rows :]
    assert facts.loc["Clusters"].tolist()[:2] == ["12 (district_id)"] * 2
    assert facts.loc["Observations"].tolist() == ["360", "360", ""]
    assert facts.loc["Fixed effects"].tolist()[:2] == ["unit, time"] * 2
    assert facts.loc["Inference"].tolist()[0] == "CR1 by: district_id"
    cs = fits["Callaway-Sant'Anna"].tidy().iloc[0]
    assert table.body.loc["ATT (simple)"].iloc[2].startswith(f"{cs['estimate']:.3f}")
    assert "Inference: CR1 by: district_id;" in table.note
