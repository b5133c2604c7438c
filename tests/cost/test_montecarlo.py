"""A small version of benchmarks/cost_montecarlo.py: Fieller's set covers the true ratio
at its nominal rate whether or not the effect is precise; the delta method does not."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from cost_montecarlo import run_scenario


@pytest.mark.slow
def test_fieller_covers_at_the_nominal_rate() -> None:
    precise = run_scenario(4.0, 0.1, reps=800, seed=11, draws=1000)
    imprecise = run_scenario(1.0, 0.0, reps=800, seed=12, draws=1000)
    # Monte Carlo SE of a 95% coverage with 800 replications: 0.8 points; allow 2.5 SE
    for result in (precise, imprecise):
        assert abs(result["fieller_coverage"] - 0.95) < 0.02, result
    assert imprecise["fieller_unbounded"] > 0.7  # mostly not significant: unbounded sets
    assert imprecise["delta_coverage"] < 0.90  # the symmetric interval under-covers
    assert abs(precise["delta_coverage"] - 0.95) < 0.03
