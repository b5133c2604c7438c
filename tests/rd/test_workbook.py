"""The threshold workbook through the runner on the grant competition (fuzzy, three cutoffs)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from improve.runner import run_workbook

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo_rd"


@pytest.mark.slow
def test_grant_competition_recovers_the_effect_of_receiving_the_grant(tmp_path):
    run = run_workbook(
        "regression_discontinuity",
        DEMO / "grants.csv",
        columns=DEMO / "grants.yaml",
        params={"running_label": "score minus the funding line", "min_cell_size": 350},
        out=tmp_path,
        pdf=False,
    )
    assert run.status == "complete", run
    results = json.loads((run.folder / "results.json").read_text())
    truth = json.loads((DEMO / "truth.json").read_text())["grants"]
    assert results["design_verdict"] == "fuzzy_regression_discontinuity"
    assert results["robust_conf_low"] < truth["effect_of_receiving"] < results["robust_conf_high"]
    assert "percentage points" in results["headline"]
    tables = run.folder / "tables"
    assert (tables / "first_stage.csv").exists() and (tables / "by_cutoff.csv").exists()
    # rows based on fewer units than min_cell_size are blanked
    placebo = (tables / "placebo_cutoffs.csv").read_text().splitlines()
    hidden = [line for line in placebo[1:] if line.endswith("True")]
    assert hidden and all(",," in line for line in hidden)
