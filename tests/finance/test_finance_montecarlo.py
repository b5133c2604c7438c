"""A fast version of ``benchmarks/finance_montecarlo.py`` (500 replications; results in
``benchmarks/montecarlo_results/finance_montecarlo.md``): the percentile bootstrap over
schools covers the population value of each index near the nominal 95%."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "finance_montecarlo.py"


@pytest.mark.slow
def test_bootstrap_intervals_cover_the_population_indices() -> None:
    spec = importlib.util.spec_from_file_location("finance_montecarlo", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    summary = module.study(reps=60, draws=100)
    # 60 replications: a coverage of 0.95 has a Monte Carlo SE of about 0.028
    for name in ("mean", "federal_range_ratio", "coefficient_of_variation", "mcloone", "gini"):
        assert summary[name]["coverage"] >= 0.85, (name, summary[name])
        assert abs(summary[name]["bias"]) < 4 * summary[name]["bias_mc_se"] + 1e-3 * abs(
            summary[name]["truth"]
        ), (name, summary[name])
    assert summary["range"]["coverage"] < 0.5  # why the range is shown without an interval
