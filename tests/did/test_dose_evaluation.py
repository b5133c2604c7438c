"""The workbook's one-line dose-response call on the demo data, against the generator's truth."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from improve.data.load import load_panel
from improve.demo.dose_truth import dose_factor, dose_factor_slope, true_dose_response
from improve.did import aggregate, att_gt
from improve.did.dose_evaluation import dose_response_evaluation

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def panel():
    return load_panel(ROOT / "data/demo/schools.csv", columns=ROOT / "data/demo/columns.yaml")


@pytest.fixture(scope="module")
def evaluation(panel):
    return dose_response_evaluation(panel, "math_ss", biters=299)


def test_tables_and_summary(evaluation) -> None:
    curve = evaluation.curve_table()
    assert list(curve["dose percentile"]) == ["10th", "25th", "50th", "75th", "90th", "99th"]
    assert (curve["uniform_low"] <= curve["conf_low"]).all()
    assert len(evaluation.overall_table()) == 2
    assert (evaluation.event_table()["event_time"] < 0).any()
    text = evaluation.summary()
    assert "coach FTE per 100 students" in text and "math scale score" in text
    assert "strong parallel trends" in text


def test_overall_effect_is_the_staggered_did_group_average(panel, evaluation) -> None:
    """ATT^o averages the cohorts' post-treatment ATT(g,t) as did::aggte(type="group"), and
    its CR2 degrees of freedom are att_gt's for the same combination of cells."""
    agg = aggregate(
        att_gt(panel, "math_ss", covariates=[], control_group="notyettreated", bootstrap=False),
        "group",
    )
    res = evaluation.result
    assert res.overall_att == pytest.approx(agg.estimate, abs=1e-10)
    assert res.overall_df == pytest.approx(float(np.ravel(agg.df)[0]), rel=1e-10)
    assert res.overall_att_se == pytest.approx(agg.std_error, rel=0.1)


def test_truth_overall_matches_truth_json_and_is_covered(evaluation) -> None:
    import json

    truth = true_dose_response("math_ss")
    stored = json.loads((ROOT / "data/demo/truth.json").read_text())
    assert truth.overall["att"] == pytest.approx(
        stored["outcomes"]["math_ss"]["group_overall"], abs=1e-5
    )
    res = evaluation.result
    for est, se, true in (
        (res.overall_att, res.overall_att_se, truth.overall["att"]),
        (res.overall_acrt, res.overall_acrt_se, truth.overall["acrt"]),
    ):
        assert abs(est - true) < 3 * se
    grid = np.quantile(truth.unit_doses, np.arange(0.10, 0.99 + 0.005, 0.01))
    np.testing.assert_allclose(res.curves["dose"], grid, atol=1e-12)


def test_dose_factor_is_the_generator_formula() -> None:
    d = np.array([0.1, 0.25, 0.3, 0.6])
    assert dose_factor(d) == pytest.approx([0.5**0.25, 1.0, 1.2**0.25, 2.0**0.25])
    h = 1e-6
    assert dose_factor_slope(np.array([0.3])) == pytest.approx(
        (dose_factor(np.array([0.3 + h])) - dose_factor(np.array([0.3 - h]))) / (2 * h), rel=1e-5
    )


def test_small_samples_are_not_reported(panel) -> None:
    ev = dose_response_evaluation(panel, "math_ss", biters=0, min_cell_size=1000)
    assert ev.suppressed and ev.curve_table().empty and "not reported" in ev.summary()


def test_figure_with_truth(evaluation) -> None:
    import matplotlib

    matplotlib.use("Agg")
    truth = true_dose_response("math_ss", evaluation.result.dose).curve
    fig = evaluation.figure(truth=truth.rename(columns={"att_structural": "truth"}))
    assert len(fig.axes[0].lines) >= 3
    assert isinstance(truth, pd.DataFrame)


def test_missing_or_unusable_dose_is_explained_not_raised() -> None:
    import matplotlib

    matplotlib.use("Agg")
    from improve.errors import SpecError

    df = pd.read_csv(ROOT / "data/demo/schools.csv", dtype={"school_id": str})
    cols = {"unit": "school_id", "time": "school_year", "cohort": "first_grant_year"}
    ev = dose_response_evaluation(df, "math_ss", biters=0, **cols)
    assert ev.result is None and ev.curve_table().empty
    assert ev.summary().startswith("The dose-response could not be estimated:")
    assert "dose column" in ev.summary()
    ev.figure()
    df["grade_band"] = "K-5"
    text = dose_response_evaluation(df, "math_ss", dose="grade_band", biters=0, **cols).summary()
    assert "must be numeric" in text
    with pytest.raises(SpecError):
        dose_response_evaluation(df, "math_ss", explain_failure=False, biters=0, **cols)
