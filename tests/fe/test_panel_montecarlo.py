"""Seeded, fast Monte Carlo (300 replications per design) of 95% coverage with 12 clusters.

Full version (2,000 replications, results in ``benchmarks/montecarlo_results/fe_montecarlo.md``)::

    .venv/bin/python tests/fe/fe_montecarlo.py --design all --reps 2000 --processes 2

The MC s.e. of a coverage near 0.95 (0.92) with 300 replications is 0.013 (0.016); the bounds
below sit about 2.5–3 s.e. from the 2,000-replication values, and the CR1-vs-CR2 gaps are
paired (same data sets), so they are much more precise than the levels.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from . import fe_montecarlo


@pytest.mark.slow
def test_coverage_harsh_design():
    """A few districts carry most of the dose: CR1 collapses, CR2 / wild stay near 0.92."""
    cov = fe_montecarlo.coverage(300, seed=2024, design="harsh")
    # 2,000 reps: CR1 0.674, CR2 0.918, wild 0.928
    assert cov["cr1"] < 0.80  # CR1 with t(G-1) under-covers badly
    assert cov["cr2"] > 0.86
    assert cov["wild"] > 0.86
    assert cov["cr2"] - cov["cr1"] > 0.15
    assert cov["wild"] - cov["cr1"] > 0.15


@pytest.mark.slow
def test_coverage_typical_design():
    """A typical state's districts: CR2 / wild cover near 95%, CR1 under-covers."""
    cov = fe_montecarlo.coverage(300, seed=2024, design="typical")
    # 2,000 reps: CR1 0.912, CR2 0.953, wild 0.945
    assert 0.92 <= cov["cr2"] <= 0.985
    assert 0.92 <= cov["wild"] <= 0.985
    assert cov["cr1"] < 0.945  # below nominal ...
    assert cov["cr2"] - cov["cr1"] > 0.01  # ... and below CR2 on the same data sets
