"""Seeded, fast Monte Carlo: with 12 clusters CR1 under-covers, CR2 and the wild bootstrap do not.

Full version: ``.venv/bin/python tests/fe/fe_montecarlo.py --reps 2000``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fe_montecarlo


def test_coverage_with_12_clusters():
    cov = fe_montecarlo.coverage(300, seed=2024)
    # MC s.e. of a 95% coverage with 300 reps is 0.013
    assert cov["cr1"] < 0.85  # CR1 with t(G-1) under-covers badly
    assert cov["cr2"] > 0.91
    assert cov["wild"] > 0.88
    assert cov["cr2"] - cov["cr1"] > 0.15
