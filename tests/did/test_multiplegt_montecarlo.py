"""A small seeded Monte Carlo of the on/off estimators on the demo's non-renewal design.

The full study is ``benchmarks/multiplegt_montecarlo.py`` (results in
``benchmarks/montecarlo_results/multiplegt_montecarlo.md``); here 16 draws check that the
effects during and after funding are centred on each draw's truth.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parents[2] / "benchmarks"))

from multiplegt_montecarlo import replicate, summarise

REPS = 16


@pytest.fixture(scope="module")
def table():
    rows = [r for seed in range(101, 101 + REPS) for r in replicate(seed)]
    return summarise(rows)


@pytest.mark.slow
def test_effects_during_and_after_funding_are_unbiased(table) -> None:
    # |bias| within 3.5 Monte Carlo SEs of zero for every effect of every design
    z = table["bias"] / table["bias_mc_se"]
    assert np.all(np.abs(z) < 3.5), table[["design", "term", "bias", "bias_mc_se"]]


@pytest.mark.slow
def test_intervals_cover_most_draws(table) -> None:
    assert table["coverage"].mean() > 0.8
    assert table.groupby("design")["band_coverage"].first().min() > 0.7
