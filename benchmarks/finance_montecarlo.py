"""Monte Carlo study of the bootstrap intervals of ``improve.finance`` equity indices.

A fixed population of 20,000 schools (spending per pupil log-normal with a high-spending
tail, enrollment log-normal and correlated with spending) gives the true pupil-weighted
value of every index. Each replication samples 300 schools, computes every index and its
percentile bootstrap interval over schools (the workbook's method) and records whether the
interval covers the truth.

Reported per index: bias of the estimate (and its Monte Carlo SE), coverage of the 95%
percentile interval, mean interval width. Indices of extremes (range) cannot be covered:
a resample never exceeds the sample's own extremes.

Usage::

    .venv/bin/python benchmarks/finance_montecarlo.py              # 500 replications
    .venv/bin/python benchmarks/finance_montecarlo.py --reps 20    # timing check

Writes ``benchmarks/montecarlo_results/finance_montecarlo.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np

from improve.finance.bootstrap import bootstrap_draws, percentile_interval
from improve.finance.horizontal import INDICES, all_indices

OUT = Path(__file__).resolve().parent / "montecarlo_results"


def population(seed: int = 11, size: int = 20_000) -> tuple[np.ndarray, np.ndarray]:
    """Spending per pupil and enrollment of the population of schools."""
    rng = np.random.default_rng(seed)
    log_size = rng.normal(np.log(450), 0.5, size)
    tail = rng.random(size) < 0.1
    spending = np.exp(9.5 + 0.12 * rng.standard_normal(size) + 0.25 * tail
                      - 0.05 * (log_size - np.log(450)))  # fmt: skip
    return spending, np.round(np.exp(log_size))


def study(reps: int, n: int = 300, draws: int = 200, seed: int = 2024) -> dict:
    """Run ``reps`` replications; returns per-index bias, coverage and width."""
    x, w = population()
    truth = all_indices(x, w)
    rng = np.random.default_rng(seed)
    estimates, covered, widths = [], [], []
    for rep in range(reps):
        rows = rng.choice(x.size, size=n, replace=False)
        xs, ws = x[rows], w[rows]
        est = all_indices(xs, ws)
        boot = bootstrap_draws(
            lambda r, xs=xs, ws=ws: all_indices(xs[r], ws[r]), n, draws, seed + rep
        )
        low, high = percentile_interval(boot, 0.95)
        estimates.append(est)
        covered.append((low <= truth) & (truth <= high))
        widths.append(high - low)
    estimates, covered, widths = map(np.array, (estimates, covered, widths))
    return {
        name: {
            "truth": float(truth[i]),
            "bias": float(estimates[:, i].mean() - truth[i]),
            "bias_mc_se": float(estimates[:, i].std(ddof=1) / np.sqrt(reps)),
            "coverage": float(covered[:, i].mean()),
            "mean_width": float(widths[:, i].mean()),
        }
        for i, name in enumerate(INDICES)
    }


def markdown(summary: dict, meta: dict) -> str:
    lines = [
        "# Bootstrap intervals of equity indices (improve.finance)", "",
        f"{meta['reps']} replications, {meta['n']} schools sampled from 20,000, "
        f"{meta['draws']} bootstrap draws over schools, 95% percentile intervals, "
        "pupil-weighted indices. Coverage has a Monte Carlo SE of about "
        f"{np.sqrt(0.95 * 0.05 / meta['reps']):.3f}.", "",
        "| index | truth | bias | bias MC SE | coverage | mean width |",
        "|---|---|---|---|---|---|",
    ]  # fmt: skip
    for name, row in summary.items():
        lines.append(
            f"| {name} | {row['truth']:.4g} | {row['bias']:.3g} | {row['bias_mc_se']:.2g} | "
            f"{row['coverage']:.3f} | {row['mean_width']:.3g} |"
        )
    lines += ["", f"Run {meta['date']} in {meta['seconds']:.0f} s on Python {meta['python']}.", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=500)
    args = parser.parse_args()
    start = time.time()
    summary = study(args.reps)
    meta = {"reps": args.reps, "n": 300, "draws": 200, "seconds": time.time() - start,
            "python": platform.python_version(), "date": time.strftime("%Y-%m-%d")}  # fmt: skip
    OUT.mkdir(exist_ok=True)
    (OUT / "finance_montecarlo.json").write_text(
        json.dumps({"meta": meta, "summary": summary}, indent=2) + "\n"
    )
    (OUT / "finance_montecarlo.md").write_text(markdown(summary, meta))
    print(markdown(summary, meta))


if __name__ == "__main__":
    main()
