"""Seeded small Monte Carlo of improve.rd (the full study: benchmarks/rd_montecarlo.py,
results in benchmarks/montecarlo_results/rd_montecarlo.md).

With 150 replications the MC s.e. of a coverage near 0.95 is about 0.018 and of a placebo
size near 0.05 (300 tests) about 0.013; the bounds sit about 3 s.e. away.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "rd_montecarlo.py"


@pytest.fixture(scope="module")
def summary() -> dict:
    spec = importlib.util.spec_from_file_location("rd_montecarlo", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.run(150)[1]["summary"]


@pytest.mark.slow
@pytest.mark.parametrize("design", ["sharp", "sharp, clustered", "fuzzy"])
def test_robust_intervals_cover_and_estimates_are_unbiased(summary, design):
    entry = summary[design]
    assert entry["reps"] == 150
    assert 0.89 <= entry["robust_coverage"] <= 0.995
    assert abs(entry["bias_bias_corrected"]) < 4 * entry["bias_bias_corrected_mcse"]


@pytest.mark.slow
@pytest.mark.parametrize("design", ["sharp", "fuzzy"])
def test_placebo_cutoff_tests_hold_their_size(summary, design):
    assert summary[design]["placebo_size_5pct"] <= 0.09
