"""The formula change as a continuous treatment: doses, the design check and the
dose-response DiD on the simulated state (truth in ``data/demo_finance/truth.json``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from improve.errors import DataError
from improve.finance import formula_doses
from improve.finance.formula import DOSE_CHANGE, dose_bins, dose_panel
from improve.formula_change import formula_dose_response
from improve.report.finance_text import formula_did_sentence

#: one worker evaluates the shared finance demo once (tests/finance/conftest.py)
pytestmark = pytest.mark.xdist_group("finance_demo")

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo_finance"
TRUTH = json.loads((DEMO / "truth.json").read_text())


@pytest.fixture(scope="module")
def evaluation(finance_demo_evaluation):
    return finance_demo_evaluation


def test_held_harmless_districts_have_dose_zero_and_the_rest_gain(evaluation) -> None:
    doses = formula_doses(evaluation.formula, TRUTH["formula_change_year"]).set_index("district")
    held = TRUTH["hold_harmless_districts"]
    assert 8 <= len(held) <= 12  # a realistic share of 40
    assert (doses.loc[held, DOSE_CHANGE] == 0).all()
    others = doses.drop(index=held)[DOSE_CHANGE]
    assert (others > 0.5).all()  # the new formula pays every other district more
    bins = dose_bins(doses.reset_index())
    assert bins["districts"].sum() == len(doses)
    assert bins.iloc[0].tolist() == ["no change", len(held)]


def test_design_check_counts_the_dose_zero_districts(evaluation) -> None:
    table = evaluation.design_check().tidy().set_index("check")
    row = table.loc["Districts with unchanged formula funding"]
    assert row["found"].startswith(f"{len(TRUTH['hold_harmless_districts'])} of 40 districts")
    assert "no change:" in row["found"]
    assert row["follows"].startswith("the dose-response DiD can compare")


def test_design_check_says_when_no_district_kept_its_funding(evaluation) -> None:
    from improve.finance.design import check_finance_design

    schools = evaluation.schools.copy()
    after = schools["year"] >= TRUTH["formula_change_year"]
    schools.loc[after, "formula_per_pupil"] += 250.0  # everyone gains: no dose 0
    check = check_finance_design(schools, evaluation.year, TRUTH["formula_change_year"])
    row = check.tidy().set_index("check").loc["Districts with unchanged formula funding"]
    assert row["found"].startswith("0 of 40")
    assert row["follows"].startswith("no dose-response DiD")
    assert check.problems == 1


def test_dose_response_did_recovers_the_true_effect(evaluation) -> None:
    did = formula_dose_response(
        evaluation.formula, TRUTH["outcome"], TRUTH["formula_change_year"], biters=200, seed=1
    )
    overall = did.overall().set_index("parameter")
    acrt = overall.loc["ACRT^o"]
    effect = TRUTH["effect_per_1000_formula_aid"]
    assert acrt["conf_low"] < effect < acrt["conf_high"]
    assert did.n_unchanged == len(TRUTH["hold_harmless_districts"])
    assert did.result.n_units - did.result.n_treated == did.n_unchanged
    # ATT^o is the effect of the average gain: close to effect x mean dose of the gainers
    gains = did.doses.loc[did.doses[DOSE_CHANGE] > 0, DOSE_CHANGE]
    att = overall.loc["ATT^o"]
    assert att["conf_low"] < effect * gains.mean() < att["conf_high"]
    curves = did.curves()
    assert set(curves["parameter"]) == {"ATT(d)", "ACRT(d)"}
    assert (curves["conf_low_uniform"] <= curves["conf_low"] + 1e-12).all()
    sentence = formula_did_sentence(
        did.overall(), did.n_unchanged, did.result.n_units, 2020, "math proficiency"
    )
    assert f"{acrt['estimate']:.2f} higher" in sentence
    assert "strong parallel trends" in sentence
    # the coverage the stored Monte Carlo measured (test_finance_formula_montecarlo.py)
    assert "covered the true response about 95% of the time" in sentence
    assert "small-sample (CR2) correction and t critical values" in sentence


def test_districts_that_lose_funding_are_left_out_with_a_note(evaluation) -> None:
    panel = evaluation.formula.copy()
    loser = TRUTH["hold_harmless_districts"][0]
    after = (panel["district"] == loser) & (panel["year"] >= TRUTH["formula_change_year"])
    panel.loc[after, "formula_per_pupil_k"] -= 0.5
    data, doses = dose_panel(panel, TRUTH["formula_change_year"])
    assert loser not in set(data["district"])
    assert doses.set_index("district").loc[loser, DOSE_CHANGE] == pytest.approx(-0.5)
    did = formula_dose_response(panel, TRUTH["outcome"], TRUTH["formula_change_year"], biters=0)
    assert did.notes and did.notes[0].startswith("1 district(s) whose formula funding")


def test_no_unchanged_district_is_a_clear_error(evaluation) -> None:
    panel = evaluation.formula.copy()
    after = panel["year"] >= TRUTH["formula_change_year"]
    panel.loc[after, "formula_per_pupil_k"] += np.linspace(0.1, 0.2, int(after.sum()))
    with pytest.raises(DataError, match="no comparison group"):
        formula_dose_response(panel, TRUTH["outcome"], TRUTH["formula_change_year"], biters=0)
    with pytest.raises(DataError, match="before and after"):
        formula_doses(panel, 2030)
