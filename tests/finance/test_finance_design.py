"""The resource-equity design check: what a school finance file supports."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from improve.finance.design import check_finance_design

#: one worker evaluates the shared finance demo once (tests/finance/conftest.py)
pytestmark = pytest.mark.xdist_group("finance_demo")

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo_finance"


@pytest.fixture(scope="module")
def schools(finance_demo_evaluation) -> pd.DataFrame:
    return finance_demo_evaluation.schools


def _follows(check, name: str) -> str:
    return check.tidy().set_index("check").loc[name, "follows"]


def test_demo_file_supports_every_analysis(schools) -> None:
    check = check_finance_design(schools, 2023, 2020)
    assert check.problems == 0
    found = check.tidy().set_index("check")["found"]
    assert found["Schools per district"].startswith("40 districts")
    assert found["Years around the formula change"] == "4 years before 2020, 4 from it on"
    assert list(check.table().columns) == ["What was checked", "What was found", "What follows"]


def test_single_school_districts_and_missing_needs_are_named(schools) -> None:
    current = schools.loc[schools["year"] == 2023]
    one_each = current.groupby("district").head(1).copy()
    one_each.loc[one_each.index[:3], "n_poverty"] = float("nan")
    check = check_finance_design(one_each, 2023, 2020)
    assert "within-district inequality is zero" in _follows(check, "Schools per district")
    assert _follows(check, "Need counts").startswith("3 schools lack a need count")
    assert "no before/after comparison" in _follows(check, "Years around the formula change")
    assert check.problems == 2


def test_no_needs_no_formula_and_implausible_scale(schools) -> None:
    current = schools.loc[schools["year"] == 2023].drop(
        columns=[c for c in schools.columns if c.startswith("n_")] + ["formula_per_pupil"]
    )
    current.loc[current.index[0], "per_pupil"] = 12.0  # a school in thousands
    check = check_finance_design(current, 2023, 2020)
    assert _follows(check, "Need counts").startswith("no vertical equity")
    assert _follows(check, "Years around the formula change").startswith("no formula-change")
    assert "1 schools outside" in check.tidy().set_index("check").loc["Scale of spending", "found"]
    assert check.problems == 2


def test_one_year_each_side_cannot_check_earlier_trends(schools) -> None:
    two = schools.loc[schools["year"].isin([2019, 2020])]
    check = check_finance_design(two, 2020, 2020)
    assert "trends before the change cannot be checked" in _follows(
        check, "Years around the formula change"
    )
