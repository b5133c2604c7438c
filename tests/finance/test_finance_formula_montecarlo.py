"""The stored Monte Carlo study of the formula change as a continuous treatment
(``benchmarks/finance_formula_montecarlo.py``; results in
``benchmarks/montecarlo_results/finance_formula_montecarlo.json``): the dose-response DiD's
ACRT^o recovers 2.0 points per $1,000 with near-nominal coverage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

RESULTS = (
    Path(__file__).resolve().parents[2]
    / "benchmarks"
    / "montecarlo_results"
    / "finance_formula_montecarlo.json"
)


@pytest.mark.slow
def test_stored_study_recovers_the_effect_with_nominal_coverage() -> None:
    stored = json.loads(RESULTS.read_text())
    reps = stored["meta"]["reps"]
    assert reps >= 200, "rerun the study with at least 200 replications"
    mc_se = (0.95 * 0.05 / reps) ** 0.5
    for key in ("acrt", "fe"):
        row = stored["summary"][key]
        assert row["truth"] == 2.0
        assert abs(row["bias"]) < 4 * row["bias_mc_se"] + 0.02, row
        assert abs(row["coverage"] - 0.95) < 4 * mc_se + 0.01, row
    assert stored["summary"]["unchanged_districts"]["min"] >= 1
