"""The statewide-mandate evaluation bundle and the simulated state demo."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from improve.data import load_panel
from improve.demo.states import write_state_demo
from improve.synth.evaluation import evaluate_mandate

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "demo_states"
REFERENCE = ROOT / "tests" / "reference"


def test_state_demo_regenerates_byte_identically(tmp_path):
    paths = write_state_demo(tmp_path)
    for name, path in paths.items():
        assert path.read_bytes() == (DEMO / path.name).read_bytes(), name


@pytest.fixture(scope="module")
def demo_evaluation():
    panel = load_panel(DEMO / "states.csv", columns=DEMO / "columns.yaml")
    return evaluate_mandate(panel, replications=50, seed=1)


@pytest.mark.slow
def test_demo_recovers_the_truth_with_donor_pool_inference(demo_evaluation):
    truth = json.loads((DEMO / "truth.json").read_text())
    ev = demo_evaluation
    table = ev.estimates_table()
    assert list(table["method"]) == [
        "Synthetic difference-in-differences",
        "Synthetic control",
        "Difference-in-differences",
        "Comparative interrupted time series",
    ]
    sdid = table.iloc[0]
    assert sdid["conf_low"] < truth["effect"] < sdid["conf_high"]
    assert sdid["se_method"] == "placebo"
    assert ev.permutation.n_units == 50 and sdid["permutation_p"] == ev.permutation.p_value
    assert abs(ev.in_time.estimate) < truth["effect"] / 2  # no effect before the mandate
    assert not ev.poor_fit
    design = dict(ev.design_table().to_numpy())
    assert design["Treated"] == "AL" and design["Comparison (donor) units"] == "49"


@pytest.mark.slow
def test_sentence_names_the_inference_and_does_not_overclaim():
    df = pd.read_csv(REFERENCE / "california_prop99.csv", sep=";")
    ev = evaluate_mandate(
        df, "PacksPerCapita", unit="State", time="Year", treatment="treated", replications=20
    )
    text = ev.summary_sentence(outcome_label="cigarette sales", program_label="Proposition 99")
    assert "permutation p = 0.051" in text
    assert "do not show that Proposition 99 lowered cigarette sales" in text
    assert "1 of 38" in text


@pytest.mark.slow
def test_cits_as_headline_leads_the_table_sentence_and_results():
    panel = load_panel(DEMO / "states.csv", columns=DEMO / "columns.yaml")
    ev = evaluate_mandate(panel, method="cits", replications=20, seed=1)
    assert ev.headline_method == "cits" and ev.main.method == "sdid"
    assert ev.headline_estimate == pytest.approx(ev.cits.estimate)
    assert ev.estimates_table()["method"].iloc[0] == "Comparative interrupted time series"
    p_value, rank, n_units = ev.headline_test
    assert (p_value, rank) == (ev.cits.p_value, ev.cits.rank) and n_units == 50
    sentence = ev.summary_sentence(unit_label="state", treated_label="the treated state")
    assert "interrupted time series" in sentence and f"p = {p_value:.2g}" in sentence
    assert "AL" not in sentence


@pytest.mark.slow
def test_covariates_reach_every_refit_of_the_evaluation():
    panel = load_panel(DEMO / "states.csv", columns=DEMO / "columns.yaml")
    data = panel.data.copy()
    keep = sorted(set(data["state"].astype(str)))[:9] + ["AL"]
    data = data[data["state"].astype(str).isin(keep)].copy()
    data["trend"] = (data["year"] - 2009) * (data["state"].astype(str).str.len() % 3)
    plain = evaluate_mandate(
        data, "math_g4", unit="state", time="year", cohort="mandate_year", replications=20, seed=1
    )
    with_x = evaluate_mandate(
        data,
        "math_g4",
        unit="state",
        time="year",
        cohort="mandate_year",
        covariates=["trend"],
        replications=20,
        seed=1,
    )
    assert with_x.main.beta is not None and "trend" in with_x.main.beta.index
    assert with_x.in_time is not None and with_x.in_time.beta is not None
    assert with_x.permutation.table["estimate"].iloc[1] != pytest.approx(
        plain.permutation.table["estimate"].iloc[1], abs=1e-6
    )


def test_unit_names_number_comparison_units_unless_public():
    from improve.report.unit_names import UnitNames

    weights = pd.Series([0.1, 0.6, 0.3], index=["Ohio", "Iowa", "Utah"])
    private = UnitNames(False, ["Texas"], weights, unit_label="state")
    assert private.treated_name == "the treated state"
    assert list(private.weights(weights).index) == [
        "comparison state 3",
        "comparison state 1",
        "comparison state 2",
    ]
    table = pd.DataFrame({"dropped": ["(none)", "Iowa"], "estimate": [1.0, 2.0]})
    assert list(private.column(table, "dropped", keep=["(none)"])["dropped"]) == [
        "(none)",
        "comparison state 1",
    ]
    public = UnitNames(True, ["Texas"], weights, unit_label="state")
    assert public.treated_name == "Texas" and public.comparison("Iowa") == "Iowa"
    labelled = UnitNames(False, ["Texas", "Maine"], weights, "state", treated_label="two states")
    assert labelled.treated_name == "two states"
    assert UnitNames(False, ["a", "b"], weights, "district").treated_name == (
        "the 2 treated districts"
    )
