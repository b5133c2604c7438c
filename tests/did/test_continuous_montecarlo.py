"""Small seeded Monte Carlo of the continuous-treatment DiD (full study:
``benchmarks/continuous_montecarlo.py``)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import continuous_montecarlo as mc


@pytest.mark.slow
def test_bias_and_coverage_on_known_dose_response() -> None:
    res = mc.run(reps=120, n=500, biters=199, seed=7)
    s = res["summary"]
    for key in ("att_d", "acrt_d", "att_o", "acrt_o"):
        bias, mcse = np.array(s[key]["bias"]), np.array(s[key]["bias_mc_se"])
        assert np.all(np.abs(bias) < 3.5 * mcse), (key, bias, mcse)
        # 120 replications: a 95% interval covers 90-99% of the time (binomial, ~2.5 SE)
        assert 0.88 <= np.mean(s[key]["coverage"]) <= 0.99, (key, s[key]["coverage"])
    for key in ("att_d", "acrt_d"):
        assert 0.88 <= s[key]["coverage_uniform"] <= 1.0, (key, s[key]["coverage_uniform"])
