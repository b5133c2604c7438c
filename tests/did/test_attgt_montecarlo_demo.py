"""Seeded Monte Carlo on the demo generator (known truth): bias, coverage, TWFE's bias.

A fast version of ``benchmarks/did_montecarlo.py`` (1,000 replications of the full demo
design; results in ``benchmarks/montecarlo_results/``). Here: REPS draws of the demo design
itself (``simulate_schools``: 60 districts of very uneven size, 700 schools), where the
effective number of clusters is small: plain cluster sums of influence functions with normal
critical values cover only about 89%; the default CR2 correction with Satterthwaite t
intervals covers about 96% (benchmark). Tolerances are set by the Monte Carlo error:

* bias of the simple ATT and of the first event-time effects within 3 Monte Carlo SEs of
  the truth of each draw (the sample ATT from ``true_effects``);
* coverage of the reported 95% intervals (analytic and multiplier bootstrap, clustered by
  district, CR2) within a 3-sigma binomial band around 95%, and the root-mean-square
  standard error within about 3 Monte Carlo SEs of the standard deviation of the estimation
  error;
* the static two-way fixed-effects coefficient on the same draws misses the simple-ATT truth
  by many Monte Carlo SEs (effects grow with exposure, adoption is staggered).

The draws are made by ``benchmarks/attgt_demo_montecarlo.py`` and stored in
``benchmarks/montecarlo_results/attgt_demo_montecarlo.json``; the criteria are checked on the
stored draws and ``test_stored_draws_are_what_the_code_gives`` recomputes three of them live
(they must equal the stored numbers to 1e-10), so the stored file cannot drift from the code.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from stored_draws import assert_same_draw, load_benchmark

STUDY = load_benchmark("attgt_demo_montecarlo")
STORED = json.loads(STUDY.RESULTS.read_text(encoding="utf-8"))
REPS = STUDY.REPS
LIVE = (0, REPS // 2, REPS - 1)  # draws recomputed live


@pytest.fixture(scope="module")
def draws() -> list[dict[str, object]]:
    """The stored draws, event times as integers."""
    return [{**d, "dyn": {int(e): v for e, v in d["dyn"].items()}} for d in STORED["draws"]]


def test_stored_draws_are_the_design_of_this_test() -> None:
    meta = STORED["meta"]
    assert (meta["reps"], meta["seed0"], meta["n_boot"]) == (REPS, STUDY.SEED0, STUDY.N_BOOT)
    assert (meta["n_districts"], meta["n_schools"]) == (STUDY.N_DISTRICTS, STUDY.N_SCHOOLS)
    assert [d["seed"] for d in STORED["draws"]] == list(range(STUDY.SEED0, STUDY.SEED0 + REPS))


@pytest.mark.slow
@pytest.mark.parametrize("index", LIVE)
def test_stored_draws_are_what_the_code_gives(index: int) -> None:
    stored = STORED["draws"][index]
    assert_same_draw(stored, STUDY.one(stored["seed"]), f"seed {stored['seed']}")


def _binomial_band(p: float, n: int, k: float = 3.0) -> tuple[float, float]:
    half = k * math.sqrt(p * (1 - p) / n)
    return p - half, p + half


@pytest.mark.parametrize("cg", ["notyettreated", "nevertreated"])
def test_simple_att_unbiased_and_covered(draws: list[dict[str, object]], cg: str) -> None:
    truth = np.array([d["truth"] for d in draws])
    est, se_a, se_b, cov_a, cov_b = (np.array(v) for v in zip(*[d[cg] for d in draws], strict=True))
    err = est - truth
    mc_se = err.std(ddof=1) / math.sqrt(REPS)
    assert abs(err.mean()) < 3 * mc_se, (err.mean(), mc_se)
    assert abs(err.mean()) / truth.mean() < 0.03

    lo, hi = _binomial_band(0.95, REPS)
    for se, covered in ((se_a, cov_a), (se_b, cov_b)):
        coverage = float(np.mean(covered))
        assert lo <= coverage <= hi, coverage
        # calibration of the standard errors themselves (sharper than coverage at this REPS):
        # the SD of an SD estimate from REPS draws is about 1 / sqrt(2 (REPS - 1)) relative.
        ratio = np.sqrt(np.mean(se**2)) / err.std(ddof=1)
        tol = 3.0 / math.sqrt(2 * (REPS - 1))
        assert 1 - tol <= ratio <= 1 + tol, ratio


def test_event_study_unbiased_and_uniform_band(draws: list[dict[str, object]]) -> None:
    for e in range(4):
        pairs = np.array([d["dyn"][e] for d in draws])
        err = pairs[:, 0] - pairs[:, 1]
        mc_se = err.std(ddof=1) / math.sqrt(REPS)
        assert abs(err.mean()) < 3 * mc_se, (e, err.mean(), mc_se)
    uniform = np.mean([d["uniform_cover"] for d in draws])
    lo, hi = _binomial_band(0.95, REPS)
    assert lo <= uniform <= hi, uniform


def test_twfe_misses_the_truth(draws: list[dict[str, object]]) -> None:
    truth = np.array([d["truth"] for d in draws])
    tw = np.array([d["twfe"] for d in draws])
    cs = np.array([d["notyettreated"][0] for d in draws])
    diff = tw - truth
    mc_se = diff.std(ddof=1) / math.sqrt(REPS)
    # effects grow with exposure: already-treated comparisons pull the static TWFE down
    assert diff.mean() < -5 * mc_se, (diff.mean(), mc_se)
    assert diff.mean() / truth.mean() < -0.05
    # the gap is there draw by draw against the heterogeneity-robust estimate too
    paired = tw - cs
    assert paired.mean() < -5 * paired.std(ddof=1) / math.sqrt(REPS)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # SDs over 1-2 draws are NaN
def test_benchmark_script_smoke(tmp_path: Path) -> None:
    """The full-study script runs end to end on two small replications."""
    mod = load_benchmark("did_montecarlo")
    argv = ["--reps", "2", "--n-boot", "49", "--processes", "1", "--jackknife-reps", "1"]
    argv += ["--n-districts", "20", "--n-schools", "120", "--out", str(tmp_path)]
    assert mod.main(argv) == 0
    summary = json.loads((tmp_path / "did_demo_montecarlo.json").read_text())["summary"]
    assert summary["reps"] == 2
    assert summary["clusters"]["jackknife"]["n"] == 1
    assert "Simple ATT" in (tmp_path / "did_demo_montecarlo.md").read_text()
