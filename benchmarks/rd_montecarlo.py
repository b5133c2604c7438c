"""Monte Carlo study of ``improve.rd`` on simulated school data with a known jump.

Each replication draws, with its own seed, the two simulated threshold designs of
``improve.demo.rd``:

* **sharp**: 1,600 schools around the 800-student line, a second coach adding 3 points
  (``simulate_coach_rule``); estimated with rdrobust's defaults (local linear, triangular
  kernel, MSE-optimal bandwidth, nearest-neighbour variance) and with standard errors
  clustered by district (schools in a district share a district effect);
* **fuzzy**: one grant round of 700 applications with a funding line at 70, 88% take-up
  above the line and 6% below, receiving the grant adding 3 points
  (``simulate_grant_competition``).

Reported per design: bias of the conventional and bias-corrected estimates (with Monte
Carlo SEs), coverage of the robust bias-corrected 95% interval, and the size of placebo-cutoff
tests (the share of robust tests rejecting at 5% at a fake cutoff on each side of the real
one, using that side's data only, where the true jump is zero).

Usage::

    .venv/bin/python benchmarks/rd_montecarlo.py              # 500 replications
    .venv/bin/python benchmarks/rd_montecarlo.py --reps 20    # timing check

Writes ``benchmarks/montecarlo_results/rd_montecarlo.json`` and ``rd_montecarlo.md``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import platform
import time
import warnings
from pathlib import Path

import numpy as np

from improve.demo.rd import COACH_CUTOFF, simulate_coach_rule, simulate_grant_competition
from improve.rd import rd_estimate

OUT = Path(__file__).resolve().parent / "montecarlo_results"
EFFECT = 3.0
FUNDING_LINE = 70.0
#: Placebo cutoffs: (design, fake cutoff, real cutoff).
PLACEBOS = {"sharp": (700.0, 900.0), "fuzzy": (62.0, 78.0)}
DESIGNS = ("sharp", "sharp, clustered", "fuzzy")


def _row(design: str, res, truth: float) -> dict:
    robust = res.robust
    return {
        "design": design,
        "conventional": float(res.coef[0]),
        "bias_corrected": float(res.coef[1]),
        "covered": bool(robust["conf_low"] <= truth <= robust["conf_high"]),
        "width": float(robust["conf_high"] - robust["conf_low"]),
    }


def _placebos(data, outcome: str, running: str, cutoff: float, fakes) -> list[bool]:
    rejected = []
    for fake in fakes:
        side = data[running] < cutoff if fake < cutoff else data[running] >= cutoff
        res = rd_estimate(data.loc[side], outcome, running, fake)
        rejected.append(bool(res.robust["p_value"] < 0.05))
    return rejected


def replicate(seed: int) -> list[dict]:
    """One replication: every design estimated on data drawn with ``seed``."""
    rng = np.random.default_rng(seed)
    schools = simulate_coach_rule(rng, effect=EFFECT)
    grants = simulate_grant_competition(rng, effect=EFFECT)
    grants = grants.loc[grants["funding_line"] == FUNDING_LINE]
    cut = float(COACH_CUTOFF)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sharp = rd_estimate(schools, "math_score", "k5_enrollment", cut)
        clustered = rd_estimate(schools, "math_score", "k5_enrollment", cut, cluster="district_id")
        fuzzy = rd_estimate(
            grants, "math_growth", "application_score", FUNDING_LINE, fuzzy="received_grant"
        )
        rows = [
            _row("sharp", sharp, EFFECT),
            _row("sharp, clustered", clustered, EFFECT),
            _row("fuzzy", fuzzy, EFFECT),
        ]
        rows[0]["placebo_rejects"] = _placebos(
            schools, "math_score", "k5_enrollment", cut, PLACEBOS["sharp"]
        )
        rows[2]["placebo_rejects"] = _placebos(
            grants, "math_growth", "application_score", FUNDING_LINE, PLACEBOS["fuzzy"]
        )
    for row in rows:
        row["seed"] = seed
    return rows


def summarise(rows: list[dict]) -> dict:
    """Bias, coverage and placebo size per design."""
    out: dict = {}
    for design in DESIGNS:
        part = [r for r in rows if r["design"] == design]
        entry: dict = {"reps": len(part)}
        for kind in ("conventional", "bias_corrected"):
            est = np.array([r[kind] for r in part])
            entry[f"bias_{kind}"] = float(est.mean() - EFFECT)
            entry[f"bias_{kind}_mcse"] = float(est.std(ddof=1) / np.sqrt(est.size))
        entry["mc_sd"] = float(np.std([r["conventional"] for r in part], ddof=1))
        cover = np.array([r["covered"] for r in part], dtype=float)
        entry["robust_coverage"] = float(cover.mean())
        entry["robust_coverage_mcse"] = float(
            np.sqrt(cover.mean() * (1 - cover.mean()) / cover.size)
        )
        entry["mean_robust_width"] = float(np.mean([r["width"] for r in part]))
        placebo = [v for r in part for v in r.get("placebo_rejects", [])]
        if placebo:
            entry["placebo_size_5pct"] = float(np.mean(placebo))
            entry["placebo_tests"] = len(placebo)
        out[design] = entry
    return out


def markdown(summary: dict, meta: dict) -> str:
    """The results as a Markdown table."""
    lines = [
        "# Regression discontinuity Monte Carlo (simulated schools, jump 3 points)",
        "",
        f"{meta['reps']} replications; {meta['seconds']:.0f} s on {meta['machine']}. "
        "Regenerate with `python benchmarks/rd_montecarlo.py`. Estimates from rdrobust "
        "through `improve.rd.rd_estimate` (local linear, triangular kernel, mserd bandwidth).",
        "",
        "| design | bias conventional (MCSE) | bias bias-corrected (MCSE) | MC SD | "
        "robust 95% coverage (MCSE) | mean robust width | placebo-cutoff size at 5% |",
        "|---|---|---|---|---|---|---|",
    ]
    for design, e in summary.items():
        size = (
            f"{100 * e['placebo_size_5pct']:.1f}% of {e['placebo_tests']}"
            if "placebo_size_5pct" in e
            else "–"
        )
        lines.append(
            f"| {design} | {e['bias_conventional']:+.3f} ({e['bias_conventional_mcse']:.3f}) | "
            f"{e['bias_bias_corrected']:+.3f} ({e['bias_bias_corrected_mcse']:.3f}) | "
            f"{e['mc_sd']:.3f} | {100 * e['robust_coverage']:.1f}% "
            f"({100 * e['robust_coverage_mcse']:.1f}) | {e['mean_robust_width']:.2f} | {size} |"
        )
    lines += [
        "",
        "Placebo cutoffs: 700 and 900 students (sharp), scores 62 and 78 (fuzzy; the "
        "outcome there, with take-up unchanged, has no jump), each using only its side's "
        "data.",
    ]
    return "\n".join(lines) + "\n"


def run(reps: int, processes: int = 1) -> tuple[list[dict], dict]:
    """Replications ``0..reps-1`` and their summary."""
    start = time.time()
    if processes > 1:
        with mp.Pool(processes) as pool:
            rows = [r for chunk in pool.imap(replicate, range(reps)) for r in chunk]
    else:
        rows = [r for seed in range(reps) for r in replicate(seed)]
    meta = {"reps": reps, "seconds": time.time() - start, "machine": platform.machine()}
    return rows, {"meta": meta, "summary": summarise(rows)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=500)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    _, result = run(args.reps, args.processes)
    OUT.mkdir(exist_ok=True)
    (OUT / "rd_montecarlo.json").write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    text = markdown(result["summary"], result["meta"])
    (OUT / "rd_montecarlo.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
