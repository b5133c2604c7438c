"""A fixed-effects run priced: its dose coefficient in SD units at a stated dose."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from improve.cost import evaluate_cost, run_effects
from improve.data import load_panel
from improve.effects.dose_effects import dose_effects
from improve.errors import DataError
from improve.fe import panel_regression

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "demo"
DOSE = "coach_fte_per_100"


@pytest.fixture(scope="module")
def panel_and_fit():
    panel = load_panel(DEMO / "schools.csv", columns=DEMO / "columns.yaml")
    fit = panel_regression(panel, "math_ss", DOSE, cluster="district_id", se="cr1")
    return panel, {"math_ss": fit}


def test_dose_effect_scales_the_coefficient_by_dose_over_sd(panel_and_fit) -> None:
    panel, fits = panel_and_fit
    row = fits["math_ss"].tidy().iloc[0]
    effects, reason = dose_effects(fits, panel, DOSE, priced_dose=0.5)
    sd = panel.data.loc[panel.data[DOSE] == 0, "math_ss"].std(ddof=1)
    assert reason == "" and effects["math_ss"]["sd"] == pytest.approx(sd)
    assert effects["math_ss"]["estimate_sd"] == pytest.approx(row["estimate"] * 0.5 / sd)
    assert effects["math_ss"]["conf_low_sd"] == pytest.approx(row["conf_low"] * 0.5 / sd)
    assert effects["math_ss"]["std_error_sd"] == pytest.approx(row["std_error"] * 0.5 / sd)


def test_continuous_dose_without_a_priced_dose_says_why(panel_and_fit, tmp_path) -> None:
    panel, fits = panel_and_fit
    effects, reason = dose_effects(fits, panel, DOSE)
    assert effects == {} and "is continuous" in reason and "priced_dose" in reason
    (tmp_path / "results.json").write_text(json.dumps({"effects_note": reason}))
    (tmp_path / "manifest.json").write_text(
        json.dumps({"workbook": "fixed_effects", "status": "complete", "run_id": "fe"})
    )
    with pytest.raises(DataError, match="records no effect in SD units: the dose"):
        run_effects(tmp_path)


def test_on_off_dose_is_priced_at_one(panel_and_fit) -> None:
    panel, _ = panel_and_fit
    data = panel.data.copy()
    data["on"] = (data[DOSE] > 0).astype(float)
    on_panel = dataclasses.replace(panel, data=data)
    fit = panel_regression(on_panel, "math_ss", "on", cluster="district_id", se="cr1")
    effects, reason = dose_effects({"math_ss": fit}, on_panel, "on")
    assert reason == ""
    sd = data.loc[data["on"] == 0, "math_ss"].std(ddof=1)
    assert effects["math_ss"]["estimate_sd"] == pytest.approx(fit.tidy().iloc[0]["estimate"] / sd)


@pytest.mark.slow
def test_a_real_fixed_effects_run_is_priced(tmp_path: Path) -> None:
    from improve.runner.run import run_workbook

    params = {
        "outcomes": ["math_ss"],
        "cluster": "district_id",
        "priced_dose": 1.0,
        "bootstrap_draws": 99,
    }
    result = run_workbook(
        "fixed_effects",
        str(DEMO / "schools.csv"),
        columns=str(DEMO / "columns.yaml"),
        params=params,
        out=tmp_path,
        pdf=False,
    )
    folder = Path(result.folder)
    (record,) = run_effects(folder)
    assert record.design == "fixed effects" and record.outcome == "math_ss"
    results = json.loads((folder / "results.json").read_text())
    assert record.estimate_sd == pytest.approx(results["effects"]["math_ss"]["estimate_sd"])
    evaluation = evaluate_cost(
        ROOT / "data" / "demo_cost" / "ingredients.csv",
        run_folders=[folder],
        students=21000,
        sites=60,
        draws=2_000,
    )
    (ratio,) = evaluation.ratios
    assert ratio.ratio == pytest.approx(
        evaluation.cost.per_student / (record.estimate_sd / 0.1), rel=1e-9
    )
