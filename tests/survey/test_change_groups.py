"""Pre/post change, group comparisons and response rates on small hand-made surveys."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from improve.survey import compare_groups, load_survey, paired_change, response_rates

LEVELS = ["None", "A little", "Some", "A lot"]


@pytest.fixture()
def survey(tmp_path):
    before = ["None", "A little", "Some", "None", "A little", "", "Some", "A little"]
    after = ["Some", "A lot", "Some", "A little", "A lot", "Some", "", "Some"]
    region = ["North", "North", "North", "South", "South", "South", "South", "East"]
    pd.DataFrame({"pre": before, "post": after, "region": region}).to_csv(
        tmp_path / "s.csv", index=False
    )
    raw = {
        "format": "google_forms",
        "responses": {"amount": LEVELS},
        "items": {"pre": {"responses": "amount"}, "post": {"responses": "amount"}},
        "prepost": {"know": {"label": "Knowledge", "before": "pre", "after": "post"}},
        "groups": {"region": {"column": "region", "label": "region"}},
    }
    return load_survey(tmp_path / "s.csv", raw)


def test_paired_change_by_hand(survey):
    row = paired_change(survey).tidy().iloc[0]
    # pairs (1,3) (2,4) (3,3) (1,2) (2,4) (2,3): differences 2, 2, 0, 1, 2, 1
    diff = np.array([2, 2, 0, 1, 2, 1], dtype=float)
    assert row["n"] == 6 and row["before_only"] == 1 and row["after_only"] == 1
    assert row["estimate"] == pytest.approx(diff.mean())
    assert row["std_error"] == pytest.approx(diff.std(ddof=1) / np.sqrt(6))
    assert row["effect_size"] == pytest.approx(diff.mean() / diff.std(ddof=1))
    assert row["wilcoxon_p"] == pytest.approx(stats.wilcoxon(diff[diff != 0]).pvalue)
    assert row["share_up"] == pytest.approx(5 / 6)
    assert "left out" in paired_change(survey).summary()


def test_group_comparison_leaves_small_groups_out(survey):
    result = compare_groups(survey, "region", ["post"], min_cell_size=3)
    table = result.tidy()
    east = table[table["group"] == "East"].iloc[0]
    assert bool(east["suppressed"]) and east["n"] == 1
    north = table[table["group"] == "North"].iloc[0]
    assert north["estimate"] == pytest.approx((3 + 4 + 3) / 3)
    test = result.tests.iloc[0]
    assert test["groups_tested"] == 2
    expected = stats.kruskal([3, 4, 3], [2, 4, 3]).pvalue
    assert test["p_value"] == pytest.approx(expected)


def test_response_rates_with_total(survey):
    rates = response_rates(survey, {"region": {"North": 6, "South": 8, "East": 2}}).tidy()
    north = rates[rates["term"] == "North"].iloc[0]
    assert north["n"] == 3 and north["estimate"] == pytest.approx(0.5)
    total = rates[rates["term"] == "Total"].iloc[0]
    assert total["n"] == 8 and total["invited"] == 16 and total["estimate"] == 0.5


def test_weighted_group_comparison_is_design_based(survey):
    from improve.survey import SurveyDesign
    from improve.survey.design import domain_means

    weights = SurveyDesign(np.array([1.0, 2, 1, 3, 1, 2, 1, 1]))
    result = compare_groups(survey, "region", ["post"], weights=weights, min_cell_size=3)
    table = result.tidy().set_index("group")
    names, means, _ = domain_means(
        survey.codes(["post"])["post"].to_numpy(), survey.groups["region"].to_numpy(object), weights
    )
    assert table.loc["North", "estimate"] == pytest.approx(means[names.index("North")])
    # North: codes 3, 4, 3 with weights 1, 2, 1
    assert table.loc["North", "estimate"] == pytest.approx((3 + 8 + 3) / 4)
    test = result.tests.iloc[0]
    assert test["test"].startswith("Wald") and test["groups_tested"] == 2 and test["df"] == 1
