"""The stored Monte Carlo study of the formula change as a continuous treatment
(``benchmarks/finance_formula_montecarlo.py``; results in
``benchmarks/montecarlo_results/finance_formula_montecarlo.json``): the dose-response DiD's
ACRT^o recovers 2.0 points per $1,000 without bias. Its analytic intervals under-cover
(0.905 over 200 states of 40 districts: SE 0.157 against an SD of 0.174); that is a known,
stated shortfall (benchmarks/README.md, the workbook's formula section), so the coverage
test below asserts nominal coverage only for the fixed-effects slope and guards the dose
-response DiD's coverage against getting worse."""

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
def test_stored_study_recovers_the_effect() -> None:
    stored = json.loads(RESULTS.read_text())
    reps = stored["meta"]["reps"]
    assert reps >= 200, "rerun the study with at least 200 replications"
    mc_se = (0.95 * 0.05 / reps) ** 0.5
    for key in ("acrt", "fe"):
        row = stored["summary"][key]
        assert row["truth"] == 2.0
        assert abs(row["bias"]) < 3 * row["bias_mc_se"], row
    fe = stored["summary"]["fe"]
    assert abs(fe["coverage"] - 0.95) < 3 * mc_se, fe
    acrt = stored["summary"]["acrt"]
    # known under-coverage (see the module docstring): must not fall further
    assert 0.95 - 4 * mc_se < acrt["coverage"] <= 0.95 + 3 * mc_se, acrt
    assert stored["summary"]["unchanged_districts"]["min"] >= 1
