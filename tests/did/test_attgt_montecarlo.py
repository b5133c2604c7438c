"""Monte Carlo check of bias and coverage on a simulated staggered panel.

300 units in three adoption cohorts (periods 3, 4, 5) and a never-treated group, six
periods, unit and period effects, and effects that differ by cohort and grow with time
since treatment. 200 seeded replications: the mean estimates must be within Monte Carlo
error of the truth and 95% intervals must cover between 90% and 99% of the time.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from improve.did import aggregate, att_gt

N_UNITS = 300
PERIODS = np.arange(1, 7)
COHORTS = np.repeat([0, 3, 4, 5], N_UNITS // 4)  # fixed shares: the truth is deterministic
REPS = 200


def effect(g: np.ndarray, t: np.ndarray) -> np.ndarray:
    """True ATT(g,t): zero before treatment, growing with exposure, larger for early cohorts."""
    e = t - g
    return np.where((g > 0) & (e >= 0), (1.0 + 0.5 * e) * (1.0 + 0.25 * (5 - g)), 0.0)


def simulate(rng: np.random.Generator) -> pd.DataFrame:
    unit = np.repeat(np.arange(N_UNITS), PERIODS.size)
    t = np.tile(PERIODS, N_UNITS)
    g = np.repeat(COHORTS, PERIODS.size)
    alpha = np.repeat(rng.normal(0, 1, N_UNITS) + 0.3 * (COHORTS > 0), PERIODS.size)
    y = alpha + 0.4 * t + effect(g, t) + rng.normal(0, 1, unit.size)
    return pd.DataFrame({"id": unit, "t": t, "g": g, "y": y})


@pytest.mark.slow
def test_monte_carlo_bias_and_coverage() -> None:
    rng = np.random.default_rng(12345)
    cells_true = None
    est, cover = [], []
    simple_est, simple_cover = [], []
    dyn_est = []
    shares = np.array([np.mean(COHORTS == c) for c in (3, 4, 5)])
    for _ in range(REPS):
        res = att_gt(simulate(rng), "y", unit="id", time="t", cohort="g")
        if cells_true is None:
            cells_true = effect(res.groups, res.times)
        z = 1.959964
        est.append(res.estimate)
        cover.append(np.abs(res.estimate - cells_true) <= z * res.std_error)
        simple = aggregate(res, "simple")
        simple_est.append(simple.estimate)
        dyn_est.append(aggregate(res, "dynamic", min_e=0, max_e=2).att_egt)
        post = res.groups <= res.times
        w = np.array([shares[int(g) - 3] for g in res.groups])
        simple_true = np.sum(cells_true[post] * w[post]) / np.sum(w[post])
        simple_cover.append(abs(simple.estimate - simple_true) <= z * simple.std_error)

    est_a = np.array(est)
    mc_se = est_a.std(axis=0, ddof=1) / np.sqrt(REPS)
    assert np.all(np.abs(est_a.mean(axis=0) - cells_true) < 4 * mc_se)

    coverage = np.mean(cover)
    assert 0.90 <= coverage <= 0.99, coverage
    assert 0.90 <= np.mean(simple_cover) <= 0.99

    s = np.array(simple_est)
    assert abs(s.mean() - simple_true) < 4 * s.std(ddof=1) / np.sqrt(REPS)

    dyn = np.array(dyn_est)
    # event-time truth: cohort-share weighted average over cohorts observed at that e
    truth_e = []
    for e in (0, 1, 2):
        gs = np.array([g for g in (3, 4, 5) if g + e <= PERIODS.max()])
        ws = np.array([shares[g - 3] for g in gs])
        truth_e.append(np.sum(effect(gs, gs + e) * ws) / ws.sum())
    mc = dyn.std(axis=0, ddof=1) / np.sqrt(REPS)
    assert np.all(np.abs(dyn.mean(axis=0) - np.array(truth_e)) < 4 * mc)
