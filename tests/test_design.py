"""The design check: verdicts on three outside data sets and on small panels, one per branch."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from improve.data import PanelSpec, load_panel
from improve.design import (
    MIN_TREATED_CLUSTERS,
    DesignCheck,
    Estimator,
    Inference,
    Verdict,
    check_design,
)
from improve.errors import SpecError

from outside_data import data_source, load, map_path

YEARS = list(range(2016, 2022))


def _panel_frame(first_treated: list[int], clusters: list[str] | None = None) -> pd.DataFrame:
    """One row per unit and year; unit ``u{i}`` first treated in ``first_treated[i]``."""
    n = len(first_treated)
    frame = pd.DataFrame(
        {
            "unit": np.repeat([f"u{i:02d}" for i in range(n)], len(YEARS)),
            "year": np.tile(YEARS, n),
            "first": np.repeat(first_treated, len(YEARS)),
        }
    )
    frame["y"] = np.arange(len(frame), dtype=float) % 7
    if clusters is not None:
        frame["district"] = np.repeat(clusters, len(YEARS))
    return frame


def _load(frame: pd.DataFrame, **spec: object) -> object:
    fields = {"unit": "unit", "time": "year", "cohort": "first", "outcomes": ("y",)}
    fields.update(spec)  # type: ignore[arg-type]
    return load_panel(frame, spec=PanelSpec(**fields), validate_timing=False)  # type: ignore[arg-type]


# ---- outside data -------------------------------------------------------------------------


def test_organ_donations_has_one_treated_cluster_and_no_valid_cluster_robust_inference():
    check = check_design(load("organ_donations"))
    assert check.verdict == Verdict.ONE_TREATED_CLUSTER == "one_treated_cluster"
    assert check.facts.n_treated_clusters == 1 and check.facts.n_comparison_clusters == 26
    assert "one treated cluster" in check.summary().lower()
    for kind in (Inference.CR2, Inference.CLUSTER_ROBUST, Inference.WILD_BOOTSTRAP):
        assert kind in check.not_valid_inference
        assert kind not in check.valid_inference
    assert "MacKinnon & Webb" in check.not_valid_inference[Inference.CR2]
    assert check.recommended_inference == Inference.PERMUTATION
    assert check.valid_inference == (Inference.PERMUTATION,)
    assert "not valid" in check.summary() and "placebo-in-space" in check.summary()
    assert "1/27" not in check.summary() and "0.037" in check.summary()


def test_mpdta_is_staggered_with_never_treated_counties():
    check = check_design(load("mpdta"))
    assert check.verdict == Verdict.STAGGERED
    facts = check.facts
    assert facts.cluster == "countyreal" and facts.n_units == 500
    assert facts.cohorts == ((2004, 20), (2006, 40), (2007, 131))
    assert facts.n_never_treated_units == 309 and facts.n_treated_clusters == 191
    assert facts.balanced and facts.n_switch_off_units is None
    assert check.recommended_inference == Inference.CR2
    assert Inference.CR2 in check.valid_inference and not check.not_valid_inference
    assert Estimator.ATT_GT_NEVER in check.valid_estimators
    assert Estimator.TWFE not in check.valid_estimators


def test_castle_is_staggered_with_21_treated_states_and_absorbing_treatment():
    check = check_design(load("castle"))
    assert check.verdict == Verdict.STAGGERED
    facts = check.facts
    assert facts.n_units == 50 and facts.n_treated_units == 21 == facts.n_treated_clusters
    assert facts.cohorts == ((2006, 1), (2007, 13), (2008, 4), (2009, 2), (2010, 1))
    assert facts.n_switch_off_units == 0
    assert check.recommended_inference == Inference.CR2


@pytest.mark.parametrize(
    ("name", "verdict"),
    [
        ("mpdta", Verdict.STAGGERED),
        ("organ_donations", Verdict.ONE_TREATED_CLUSTER),
        ("castle", Verdict.STAGGERED),
    ],
)
def test_outside_maps_load_from_the_sources_a_workbook_is_given(name, verdict, tmp_path):
    panel = load_panel(data_source(name, tmp_path), columns=map_path(name))
    assert check_design(panel).verdict == verdict


# ---- one small panel per branch -----------------------------------------------------------


def test_everyone_treated_at_once_points_to_a_statewide_mandate_design():
    check = check_design(_load(_panel_frame([2019] * 8)))
    assert check.verdict == Verdict.ALL_AT_ONCE
    assert check.valid_estimators == (Estimator.STATEWIDE_MANDATE,)
    assert check.recommended_inference == Inference.NONE and check.valid_inference == ()
    assert Inference.PERMUTATION in check.not_valid_inference
    assert "statewide-mandate" in check.summary() and "synthetic control" in check.summary()


def test_everyone_treated_from_the_first_period_is_all_at_once():
    check = check_design(_load(_panel_frame([2016] * 4 + [2016] * 4)))
    assert check.verdict == Verdict.ALL_AT_ONCE
    assert check.facts.n_treated_first_period == 8


def test_treated_only_from_the_first_period_has_no_pre_treatment_period():
    check = check_design(_load(_panel_frame([2016] * 3 + [0] * 5)))
    assert check.verdict == Verdict.NO_PRE_PERIOD
    assert check.valid_estimators == () and check.recommended_inference == Inference.NONE
    assert "no pre-treatment period" in check.summary()


def test_not_yet_treated_only():
    check = check_design(_load(_panel_frame([2018] * 6 + [2020] * 6)))
    assert check.verdict == Verdict.NOT_YET_TREATED_ONLY
    assert check.facts.n_never_treated_units == 0
    assert Estimator.ATT_GT_NOT_YET in check.valid_estimators
    assert Estimator.ATT_GT_NEVER not in check.valid_estimators
    assert "before 2020" in check.summary()
    assert check.recommended_inference == Inference.CR2


def test_treatment_that_switches_off_is_counted_from_the_0_1_column():
    frame = _panel_frame([0] * 12)
    on = (frame["unit"] < "u06") & (frame["year"] >= 2018)
    off = frame["unit"].isin(["u01", "u04"]) & (frame["year"] >= 2020)
    frame["active"] = (on & ~off).astype(int)
    panel = load_panel(
        frame.drop(columns="first"),
        spec=PanelSpec(unit="unit", time="year", treatment="active", outcomes=("y",)),
    )
    check = check_design(panel)
    assert check.verdict == Verdict.SWITCHES_OFF
    assert check.facts.n_switch_off_units == 2
    assert check.valid_estimators[0] == Estimator.ON_OFF
    assert Estimator.TWFE not in check.valid_estimators
    assert check.sentences[0].startswith("Treatment switches off in 2 units")


def test_absorbing_0_1_treatment_does_not_switch_off():
    frame = _panel_frame([0] * 12)
    frame["active"] = ((frame["unit"] < "u06") & (frame["year"] >= 2018)).astype(int)
    panel = load_panel(
        frame.drop(columns="first"),
        spec=PanelSpec(unit="unit", time="year", treatment="active", outcomes=("y",)),
    )
    check = check_design(panel)
    assert check.facts.n_switch_off_units == 0
    assert check.verdict == Verdict.SINGLE_COHORT


def test_continuous_dose_without_timing():
    frame = _panel_frame([0] * 10).drop(columns="first")
    frame["fte"] = np.where(frame["unit"] < "u06", (frame["year"] - 2015) * 0.5, 0.0)
    panel = load_panel(
        frame, spec=PanelSpec(unit="unit", time="year", doses=("fte",), outcomes=("y",))
    )
    check = check_design(panel)
    assert check.verdict == Verdict.CONTINUOUS_DOSE
    assert check.valid_estimators == (Estimator.DOSE_REGRESSION,)
    assert check.facts.n_dosed_units == 6 and check.facts.n_treated_clusters == 6
    assert check.tidy()["check"].tolist() == ["Panel", "Continuous dose", "Balance", "Inference"]
    assert "6 treated units" in check.tidy().set_index("check").loc["Inference", "found"]
    assert "continuous dose" in check.summary()


def test_dose_beside_timing_keeps_the_timing_verdict():
    frame = _panel_frame([2018] * 3 + [2019] * 3 + [0] * 6)
    frame["fte"] = np.where(frame["first"] > 0, 1.0, 0.0)
    check = check_design(_load(frame, doses=("fte",)))
    assert check.verdict == Verdict.STAGGERED
    assert Estimator.DOSE_REGRESSION in check.valid_estimators


def test_unbalanced_panel_counts_units_a_balanced_estimator_drops():
    frame = _panel_frame([2018] * 4 + [2019] * 4 + [0] * 8)
    absent = frame["unit"].isin(["u00", "u09", "u10"]) & (frame["year"] == 2017)
    frame = frame[~absent].copy()
    blank = frame["unit"].isin(["u03", "u12"]) & (frame["year"] == 2020)
    frame.loc[blank, "y"] = np.nan
    check = check_design(_load(frame))
    facts = check.facts
    assert not facts.balanced
    assert facts.n_units_missing_periods == 3
    assert facts.n_units_missing_outcome == {"y": 2}
    assert facts.n_units_dropped_balanced == {"y": 5}
    balance = check.tidy().set_index("check").loc["Balance"]
    assert "drops 5 units of 16 (31%)" in balance["follows"]
    assert "allow_unbalanced_panel=True" in balance["follows"]
    assert "unbalanced" in check.summary()


def test_gap_year_alone_keeps_the_panel_balanced():
    frame = _panel_frame([2018] * 6 + [0] * 6)
    frame = frame[frame["year"] != 2020]
    check = check_design(_load(frame))
    assert check.facts.gap_periods == (2020,)
    assert check.facts.balanced
    assert "2020" in check.tidy().set_index("check").loc["Balance", "found"]


def test_few_treated_districts_with_many_treated_schools():
    first = [2019] * 9 + [0] * 21
    districts = [f"d{i // 3}" for i in range(30)]  # 3 treated districts of 3 schools
    check = check_design(_load(_panel_frame(first, districts), cluster="district"))
    assert check.verdict == Verdict.FEW_TREATED_CLUSTERS
    assert check.facts.n_treated_clusters == 3 < MIN_TREATED_CLUSTERS
    assert check.facts.n_treated_units == 9 and check.facts.n_comparison_clusters == 7
    assert check.recommended_inference == Inference.PERMUTATION
    assert Inference.CR2 in check.not_valid_inference
    # C(7, 3) = 35 placebo sets: the smallest p-value is 1/36
    assert "0.028" in check.summary()
    # the same panel checked by school: 9 treated units are enough clusters
    panel = _load(_panel_frame(first, districts), cluster="district")
    by_school = check_design(panel, cluster="unit")
    assert by_school.verdict == Verdict.SINGLE_COHORT
    assert by_school.recommended_inference == Inference.CR2


def test_one_treated_unit_among_few_comparisons_cannot_reach_five_percent():
    check = check_design(_load(_panel_frame([2019] + [0] * 9)))
    assert check.verdict == Verdict.ONE_TREATED_CLUSTER
    assert "no result can be significant at 5%" in check.summary()


def test_no_timing_and_no_treated_units():
    frame = _panel_frame([0] * 4)
    no_timing = load_panel(
        frame.drop(columns="first"), spec=PanelSpec(unit="unit", time="year", outcomes=("y",))
    )
    assert check_design(no_timing).verdict == Verdict.NO_TIMING
    none_treated = check_design(_load(frame))
    assert none_treated.verdict == Verdict.NO_TREATED
    assert none_treated.recommended_inference == Inference.NONE
    no_dose = frame.drop(columns="first").assign(fte=0.0)
    zero_dose = load_panel(
        no_dose, spec=PanelSpec(unit="unit", time="year", doses=("fte",), outcomes=("y",))
    )
    assert check_design(zero_dose).verdict == Verdict.NO_TREATED


def test_result_is_frozen_serialisable_and_escaped():
    frame = _panel_frame([2019] + [0] * 9, clusters=[f"<b>d{i // 2}</b>" for i in range(10)])
    frame = frame.rename(columns={"district": "dist<script>"})
    check = check_design(_load(frame, cluster="dist<script>"))
    assert isinstance(check, DesignCheck)
    with pytest.raises(dataclasses.FrozenInstanceError):
        check.verdict = Verdict.STAGGERED  # type: ignore[misc]
    data = json.loads(json.dumps(check.to_dict()))
    assert data["verdict"] == "one_treated_cluster"
    assert data["recommended_inference"] == "permutation"
    assert data["facts"]["n_treated_clusters"] == 1
    assert data["thresholds"]["min_treated_clusters"] == MIN_TREATED_CLUSTERS
    page = check._repr_html_()
    assert "dist&lt;script&gt;" in page and "<script>" not in page
    table = check.table()
    assert list(table.columns) == ["What was checked", "What was found", "What follows"]
    assert len(table) == len(check.findings) == len(check.tidy())


def test_unknown_columns_are_refused():
    panel = _load(_panel_frame([2019] + [0] * 9))
    with pytest.raises(SpecError, match="not in the panel"):
        check_design(panel, outcome="reading")
    with pytest.raises(SpecError, match="loaded Panel"):
        check_design(_panel_frame([2019, 0]))


def test_one_call_from_the_top_level_package():
    import improve

    check = improve.design.check_design(load("organ_donations"), outcome="Rate", cluster=None)
    assert improve.check_design is check_design
    assert check.verdict == "one_treated_cluster"
