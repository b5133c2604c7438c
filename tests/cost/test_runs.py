"""Effects read from finished runs, carrying the run's hashes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from improve.cost import run_effect, run_effects
from improve.cost.runs import permutation_effect
from improve.errors import DataError, SpecError

ROOT = Path(__file__).resolve().parents[2]
DEMO_RUN = ROOT / "data" / "demo_cost" / "did_evaluation-schools"


def test_demo_did_copy_gives_effects_in_sd_units() -> None:
    records = run_effects(DEMO_RUN)
    assert [r.outcome for r in records] == ["math_ss", "reading_ss"]
    results = json.loads((DEMO_RUN / "results.json").read_text())
    math = run_effect(DEMO_RUN, "math_ss")
    simple, sd = results["math_ss"]["simple"], results["math_ss"]["sd"]
    assert math.estimate_sd == pytest.approx(simple["estimate"] / sd)
    assert math.estimate_sd == pytest.approx(results["math_ss"]["simple_sd_units"])
    assert math.std_error_sd == pytest.approx(simple["std_error"] / sd)
    assert math.critical == pytest.approx(
        (simple["conf_high"] - simple["conf_low"]) / (2 * simple["std_error"])
    )
    assert math.demo and math.program == "the grant" and math.significant
    assert math.provenance["inputs"][0]["path"] == "schools.csv"
    assert len(math.provenance["results_sha256"]) == 64
    assert "shipped demo copy" in math.describe()


def test_run_folders_that_cannot_be_priced(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not a finished run folder"):
        run_effects(tmp_path)
    failed = tmp_path / "failed"
    shutil.copytree(DEMO_RUN, failed)
    manifest = json.loads((failed / "manifest.json").read_text())
    (failed / "manifest.json").write_text(json.dumps({**manifest, "status": "failed"}))
    with pytest.raises(DataError, match="did not finish"):
        run_effects(failed)
    profile = tmp_path / "profile"
    profile.mkdir()
    (profile / "results.json").write_text(json.dumps({"headline": "700 schools"}))
    (profile / "manifest.json").write_text(json.dumps({"workbook": "panel_profile"}))
    with pytest.raises(DataError, match="records no effect in SD units"):
        run_effects(profile)
    with pytest.raises(SpecError, match="has math_ss, reading_ss"):
        run_effect(DEMO_RUN, "attendance")


def test_general_effects_entry(tmp_path: Path) -> None:
    (tmp_path / "results.json").write_text(
        json.dumps(
            {
                "effects": {
                    "score": {
                        "estimate_sd": 0.1,
                        "std_error_sd": 0.05,
                        "conf_low_sd": 0.002,
                        "conf_high_sd": 0.198,
                        "sd": 10.0,
                    }
                },
                "program": "tutoring",
            }
        )
    )
    (tmp_path / "manifest.json").write_text(
        json.dumps({"workbook": "regression_discontinuity", "status": "complete", "run_id": "rd"})
    )
    (record,) = run_effects(tmp_path)
    assert record.design == "regression discontinuity" and record.program == "tutoring"
    assert record.critical == pytest.approx(1.96)


def test_one_treated_unit_uses_the_permutation_p_value(tmp_path: Path) -> None:
    # p = 0.05 with a normal inversion puts the lower end of the 95% interval at zero:
    # SE = 0.2 / 1.959964 = 0.102043
    effect = permutation_effect(0.2, 0.05, 0.95)
    assert effect["std_error_sd"] == pytest.approx(0.2 / 1.959963985, rel=1e-9)
    assert effect["conf_low_sd"] == pytest.approx(0.0, abs=1e-12)
    results = {
        "Rate": {
            "simple": {"estimate": 0.5, "std_error": 0.1, "conf_low": 0.3, "conf_high": 0.7},
            "sd": 5.0,
            "permutation_p_value": 0.148,
        }
    }
    (tmp_path / "results.json").write_text(json.dumps(results))
    (tmp_path / "manifest.json").write_text(
        json.dumps({"workbook": "did_evaluation", "status": "complete"})
    )
    (record,) = run_effects(tmp_path)
    assert not record.significant and record.inference.startswith("permutation test (p = 0.148)")
    assert record.estimate_sd == pytest.approx(0.1)
