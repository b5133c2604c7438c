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


@pytest.mark.slow
def test_discrete_running_variable_is_compared_by_local_randomisation(tmp_path):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(11)
    score = rng.integers(0, 21, 900).astype(float)
    data = pd.DataFrame(
        {
            "rubric_score": score,
            "pct_low_income": rng.uniform(0, 100, 900).round(1),
            "outcome": (50 + 0.3 * score + 4.0 * (score >= 12) + rng.normal(0, 4, 900)).round(2),
        }
    )
    data.to_csv(tmp_path / "rubric.csv", index=False)
    (tmp_path / "rubric.yaml").write_text(
        "running: rubric_score\ncutoff: 12\noutcomes: [outcome]\ncovariates: [pct_low_income]\n"
    )
    run = run_workbook(
        "regression_discontinuity",
        tmp_path / "rubric.csv",
        columns=tmp_path / "rubric.yaml",
        out=tmp_path / "out",
        pdf=False,
    )
    assert run.status == "complete", run
    results = json.loads((run.folder / "results.json").read_text())
    assert results["design_verdict"] == "discrete_regression_discontinuity"
    assert results["permutation_p_value"] < 0.05 and 2.0 < results["estimate"] < 6.0
    assert (run.folder / "tables" / "local_randomisation.csv").exists()
    assert not (run.folder / "tables" / "bandwidth_sensitivity.csv").exists()
