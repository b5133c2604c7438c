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
"""

from __future__ import annotations

import importlib.util
import json
import math
import time
from pathlib import Path

import numpy as np
import pytest

from improve.demo.schools import simulate_schools, true_effects
from improve.did import aggregate, att_gt
from improve.did.twfe import twfe

REPS = 100
SEED0 = 7001
N_DISTRICTS = 60
N_SCHOOLS = 700
N_BOOT = 199
Z = 1.959963984540054
COLS = {
    "unit": "school_id",
    "time": "school_year",
    "cohort": "first_grant_year",
    "cluster": "district_id",
}
BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "did_montecarlo.py"


def _one(seed: int) -> dict[str, object]:
    cfg = {"n_districts": N_DISTRICTS, "n_schools": N_SCHOOLS}
    df = simulate_schools(seed=seed, **cfg)
    truth = true_effects(seed=seed, **cfg)["outcomes"]["math_ss"]
    true_dyn = {d["event_time"]: d["att"] for d in truth["dynamic"]}
    out: dict[str, object] = {"truth": truth["simple"]}
    for cg in ("notyettreated", "nevertreated"):
        res = att_gt(
            df, "math_ss", **COLS, control_group=cg, bootstrap=True, n_boot=N_BOOT, seed=seed
        )
        ana = aggregate(res, "simple", bootstrap=False).tidy().iloc[0]
        boo = aggregate(res, "simple").tidy().iloc[0]
        truth_s = truth["simple"]
        out[cg] = (
            ana["estimate"],
            ana["std_error"],
            boo["std_error"],
            bool(ana["conf_low"] <= truth_s <= ana["conf_high"]),
            bool(boo["conf_low"] <= truth_s <= boo["conf_high"]),
        )
        if cg == "notyettreated":
            dyn = aggregate(res, "dynamic").tidy().iloc[1:]
            e = dyn["event_time"].astype(int).to_numpy()
            te = np.array([true_dyn[k] for k in e])
            inside = (dyn["conf_low_uniform"] <= te) & (te <= dyn["conf_high_uniform"])
            out["uniform_cover"] = bool(inside.all())
            pairs = zip(e, dyn["estimate"], te, strict=True)
            out["dyn"] = {int(k): (float(v), float(t)) for k, v, t in pairs}
    tw = twfe(df, "math_ss", **COLS).tidy()
    out["twfe"] = float(tw.loc[tw["term"] == "post", "estimate"].iloc[0])
    return out


@pytest.fixture(scope="module")
def draws() -> list[dict[str, object]]:
    t0 = time.perf_counter()
    out = [_one(SEED0 + i) for i in range(REPS)]
    print(f"\n{REPS} Monte Carlo replications in {time.perf_counter() - t0:.1f} s")
    return out


def _binomial_band(p: float, n: int, k: float = 3.0) -> tuple[float, float]:
    half = k * math.sqrt(p * (1 - p) / n)
    return p - half, p + half


@pytest.mark.slow
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


@pytest.mark.slow
def test_event_study_unbiased_and_uniform_band(draws: list[dict[str, object]]) -> None:
    for e in range(4):
        pairs = np.array([d["dyn"][e] for d in draws])
        err = pairs[:, 0] - pairs[:, 1]
        mc_se = err.std(ddof=1) / math.sqrt(REPS)
        assert abs(err.mean()) < 3 * mc_se, (e, err.mean(), mc_se)
    uniform = np.mean([d["uniform_cover"] for d in draws])
    lo, hi = _binomial_band(0.95, REPS)
    assert lo <= uniform <= hi, uniform


@pytest.mark.slow
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


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # SDs over 1-2 draws are NaN
def test_benchmark_script_smoke(tmp_path: Path) -> None:
    """The full-study script runs end to end on two small replications."""
    spec = importlib.util.spec_from_file_location("did_montecarlo", BENCH)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    argv = ["--reps", "2", "--n-boot", "49", "--processes", "1", "--jackknife-reps", "1"]
    argv += ["--n-districts", "20", "--n-schools", "120", "--out", str(tmp_path)]
    assert mod.main(argv) == 0
    summary = json.loads((tmp_path / "did_demo_montecarlo.json").read_text())["summary"]
    assert summary["reps"] == 2
    assert summary["clusters"]["jackknife"]["n"] == 1
    assert "Simple ATT" in (tmp_path / "did_demo_montecarlo.md").read_text()
