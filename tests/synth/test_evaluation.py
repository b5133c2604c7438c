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


def test_sentence_names_the_inference_and_does_not_overclaim():
    df = pd.read_csv(REFERENCE / "california_prop99.csv", sep=";")
    ev = evaluate_mandate(
        df, "PacksPerCapita", unit="State", time="Year", treatment="treated", replications=20
    )
    text = ev.summary_sentence(
        outcome_label="cigarette sales", program_label="Proposition 99"
    )
    assert "permutation p = 0.051" in text
    assert "do not show that Proposition 99 lowered cigarette sales" in text
    assert "1 of 38" in text
