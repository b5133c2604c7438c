"""The simulated TA surveys: byte-identical regeneration, and raking recovers the truth."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from improve.demo.survey import write_survey_demo
from improve.survey import (
    SurveyDesign,
    load_survey,
    rake,
    read_population,
    summarise_items,
    summarise_selections,
)

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo_survey"


def test_regenerated_files_are_byte_identical(tmp_path):
    for name, path in write_survey_demo(tmp_path).items():
        assert path.read_bytes() == (DEMO / path.name).read_bytes(), name


def test_files_say_they_are_synthetic():
    assert "SYNTHETIC" in (DEMO / "README.md").read_text()
    assert json.loads((DEMO / "truth.json").read_text())["simulated"] is True
    assert "SIMULATED" in (DEMO / "post_event.yaml").read_text()


@pytest.fixture(scope="module")
def post_event():
    data = load_survey(DEMO / "post_event_qualtrics.csv", DEMO / "post_event.yaml")
    margins = read_population(DEMO / "population.csv")
    raked = rake(data.groups, {k: margins[k] for k in ("role", "region")})
    design = SurveyDesign(
        raked.weights.to_numpy(), raked_margins={k: v.to_numpy() for k, v in raked.margins.items()}
    )
    return data, design, json.loads((DEMO / "truth.json").read_text())["post_event"]


def test_raked_top_two_shares_cover_the_truth_and_beat_unweighted(post_event):
    data, design, truth = post_event
    raw = summarise_items(data).tidy().query("measure == 'top_two_box'").set_index("item")
    raked = summarise_items(data, weights=design).tidy()
    raked = raked.query("measure == 'top_two_box'").set_index("item")
    errors_raw, errors_raked = [], []
    for item, true in truth["true_top_two_box"].items():
        assert raked.loc[item, "conf_low"] < true < raked.loc[item, "conf_high"], item
        errors_raw.append(abs(raw.loc[item, "estimate"] - true))
        errors_raked.append(abs(raked.loc[item, "estimate"] - true))
    assert np.mean(errors_raked) < np.mean(errors_raw)


def test_needs_shares_cover_the_truth(post_event):
    data, design, truth = post_event
    needs = summarise_selections(data, "needs", weights=design).tidy().set_index("term")
    for option, true in truth["true_share_needing"].items():
        assert needs.loc[option, "conf_low"] < true < needs.loc[option, "conf_high"], option


def test_needs_assessment_loads_from_surveymonkey():
    data = load_survey(DEMO / "needs_assessment_surveymonkey.csv", DEMO / "needs_assessment.yaml")
    truth = json.loads((DEMO / "truth.json").read_text())["needs_assessment"]
    assert data.n == truth["responded"]
    assert set(data.groups.columns) == {"role", "region"}
    assert len(data.selections["needs"].columns) == 6
