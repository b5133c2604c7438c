"""Monte Carlo study of false signals of ``improve.qi`` on in-control processes.

Two questions, each on processes with no change at all:

* **Runs rules (Anhøj).** How often does a run chart of ``n`` independent normal points
  signal (unusually long run or unusually few crossings)? Anhøj & Olesen (2014, PLoS ONE
  9(11): e113825) report a false-signal rate "constant around 5% and independent of the
  number of data points". Two centres are reported: the sample median (what a run chart
  uses, and what the paper simulated) and the true median, whose rate is also computed
  exactly (:func:`exact_anhoej_rate`, signs are then fair coin tosses) as a check of the
  implementation.
* **3-sigma rule.** Per chart type, the share of points outside the 3-sigma limits when
  the limits are estimated from the same ``n`` points (as ``qic`` does), and the share of
  charts with any such point. With normal data and known parameters the per-point rate is
  0.27% (Shewhart; Mohammed, Worthington & Woodall 2008); estimated limits, skewed
  (Poisson, binomial, geometric) data and discreteness move it.

The replications call the chart functions qic uses (``improve.qi.limits`` and
``improve.qi.anhoej``) directly for speed; ``tests/qi/test_montecarlo.py`` checks that
they agree with ``qic`` and runs a small version.

Usage::

    .venv/bin/python benchmarks/qi_montecarlo.py              # 10000 replications
    .venv/bin/python benchmarks/qi_montecarlo.py --reps 200   # timing check

Writes ``benchmarks/montecarlo_results/qi_montecarlo.json`` and ``qi_montecarlo.md``.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from improve.qi import phase_shifts, qic
from improve.qi.anhoej import crossings_min, longest_run_max, runs_analysis
from improve.qi.limits import CHARTS, Subgroups

OUT = Path(__file__).resolve().parent / "montecarlo_results"
LENGTHS = (10, 12, 20, 24, 30, 50, 100)
SUBGROUP = 5  # observations per subgroup for xbar and s charts


def exact_anhoej_rate(n: int) -> float:
    """P(signal) for ``n`` fair coin-toss signs: longest run > round(log2 n) + 3 or fewer
    crossings than the 5% binomial quantile (dynamic programming over run length and
    crossings)."""
    lmax, cmin = longest_run_max(n), crossings_min(n)
    # state[r, c]: probability that the current run has length r and c crossings so far,
    # with no run longer than lmax yet.
    state = np.zeros((lmax + 1, n))
    state[1, 0] = 1.0
    for _ in range(n - 1):
        nxt = np.zeros_like(state)
        nxt[2:, :] += 0.5 * state[1:-1, :]  # same side: run grows (dropped beyond lmax)
        nxt[1, 1:] += 0.5 * state[1:, :-1].sum(axis=0)  # cross: new run of one
        state = nxt
    return 1.0 - float(state[:, cmin:].sum())


def _subgroups(
    y: np.ndarray,
    *,
    n: np.ndarray | None = None,
    y_sum: np.ndarray | None = None,
    sd: np.ndarray | None = None,
    length: np.ndarray | None = None,
) -> Subgroups:
    k = len(y)
    ones = np.ones(k)
    return Subgroups(
        y=y,
        y_sum=y if y_sum is None else y_sum,
        y_length=ones if length is None else length,
        y_mean=y,
        y_sd=np.full(k, np.nan) if sd is None else sd,
        n=np.full(k, np.nan) if n is None else n,
        cl=np.full(k, np.nan),
        base=np.ones(k, bool),
    )


def _draw(chart: str, k: int, rng: np.random.Generator) -> Subgroups:
    """``k`` in-control subgroups for ``chart``."""
    if chart == "i":
        return _subgroups(rng.normal(0, 1, k))
    if chart in ("xbar", "s"):
        x = rng.normal(0, 1, (k, SUBGROUP))
        g = _subgroups(x.mean(axis=1), sd=x.std(axis=1, ddof=1), length=np.full(k, SUBGROUP))
        return g
    if chart == "c":
        counts = rng.poisson(10, k).astype(float)
        return _subgroups(counts, y_sum=counts)
    if chart in ("u", "up"):
        exposure = rng.uniform(50, 150, k)
        counts = rng.poisson(0.1 * exposure).astype(float)
        return _subgroups(counts / exposure, n=exposure, y_sum=counts)
    if chart in ("p", "pp"):
        size = rng.integers(80, 121, k).astype(float)
        hits = rng.binomial(size.astype(int), 0.2).astype(float)
        return _subgroups(hits / size, n=size, y_sum=hits)
    if chart == "g":
        return _subgroups(rng.geometric(0.05, k).astype(float) - 1)
    if chart == "t":
        return _subgroups(rng.exponential(30, k))
    raise ValueError(chart)


def sigma_rates(chart: str, k: int, reps: int, rng: np.random.Generator) -> dict[str, float]:
    """Per-point and per-chart rates of points outside 3-sigma limits."""
    outside = charts = points = 0
    for _ in range(reps):
        g = _draw(chart, k, rng)
        lim = CHARTS[chart](g, True)
        with np.errstate(invalid="ignore"):
            hit = (lim.y > lim.ucl) | (lim.y < lim.lcl)
        outside += int(np.nansum(hit))
        charts += bool(np.nansum(hit))
        points += int(np.sum(~np.isnan(lim.y)))
    return {"per_point": outside / points, "per_chart": charts / reps}


def runs_rates(k: int, reps: int, rng: np.random.Generator) -> dict[str, float]:
    """Run-chart false signals with the sample median and with the true median."""
    sample = true = 0
    for _ in range(reps):
        y = rng.normal(0, 1, k)
        sample += runs_analysis(y, np.full(k, np.median(y))).runs_signal
        true += runs_analysis(y, np.zeros(k)).runs_signal
    return {
        "sample_median": sample / reps,
        "true_median": true / reps,
        "exact_true_median": exact_anhoej_rate(k),
    }


def shift_rates(
    reps: int, rng: np.random.Generator, before: int = 12, after: int = 20
) -> dict[str, float]:
    """Share of in-control two-phase series whose change :func:`phase_shifts` calls a signal
    (p chart, n = 400, p = 0.9; and I chart of normal data), one qic call with ``reps``
    facets."""
    out = {}
    weeks = np.arange(1, before + after + 1)
    for chart in ("p", "i"):
        k = len(weeks)
        frame = pd.DataFrame(
            {
                "unit": np.repeat(np.arange(reps), k),
                "week": np.tile(weeks, reps),
                "phase": np.tile(np.where(weeks <= before, "before", "after"), reps),
                "n": 400.0,
            }
        )
        if chart == "p":
            frame["y"] = rng.binomial(400, 0.9, len(frame)).astype(float)
            res = qic(frame, "week", "y", "n", chart="p", facets="unit", part="phase")
        else:
            frame["y"] = rng.normal(0, 1, len(frame))
            res = qic(frame, "week", "y", chart="i", facets="unit", part="phase")
        table = phase_shifts(res).tidy()
        out[chart] = {
            "signal": float(table["signal"].mean()),
            "runs_signal": float(table["runs_signal"].mean()),
            "sigma_signal": float(table["sigma_signal"].mean()),
        }
    return {"before": before, "after": after, "reps": reps, **out}


def study(
    reps: int,
    seed: int,
    lengths: tuple[int, ...] = LENGTHS,
    charts: tuple[str, ...] = ("i", "xbar", "s", "c", "u", "up", "p", "pp", "g", "t"),
    progress: Callable[[str], None] | None = None,
    shift_reps: int = 0,
) -> dict:
    """The whole study: runs rules by length, 3-sigma rule by chart at 24 and 50 points, and
    (``shift_reps`` > 0) false phase-shift signals."""
    rng = np.random.default_rng(seed)
    runs = {}
    for k in lengths:
        runs[str(k)] = runs_rates(k, reps, rng)
        if progress:
            progress(f"runs n={k}: {runs[str(k)]}")
    sigma = {}
    for chart in charts:
        sigma[chart] = {str(k): sigma_rates(chart, k, reps, rng) for k in (24, 50)}
        if progress:
            progress(f"{chart}: {sigma[chart]}")
    shifts = shift_rates(shift_reps, rng) if shift_reps else {}
    if progress:
        progress(f"phase shifts: {shifts}")
    return {"reps": reps, "seed": seed, "runs": runs, "sigma": sigma, "shifts": shifts}


def markdown(result: dict) -> str:
    """The results as a Markdown report."""
    reps = result["reps"]
    se = np.sqrt(0.05 * 0.95 / reps)
    lines = [
        "# improve.qi false signals on in-control processes",
        "",
        f"{reps} replications per cell, seed {result['seed']}; Monte Carlo SE of a 5% rate "
        f"≈ {se:.3%}. Written by `benchmarks/qi_montecarlo.py`.",
        "",
        "## Runs rules (Anhøj): share of run charts that signal",
        "",
        "Published: about 5%, independent of n (Anhøj & Olesen 2014, sample median).",
        "",
        "| n | sample median | true median | exact (true median) |",
        "|---:|---:|---:|---:|",
    ]
    for k, row in result["runs"].items():
        lines.append(
            f"| {k} | {row['sample_median']:.2%} | {row['true_median']:.2%} | "
            f"{row['exact_true_median']:.2%} |"
        )
    lines += [
        "",
        "## 3-sigma rule: points outside limits estimated from the same points",
        "",
        "Normal data with known limits: 0.27% of points; a chart of 24 points then has a point "
        "outside with probability 1 − 0.9973^24 ≈ 6.3%.",
        "",
        "| chart | per point (24) | per chart (24) | per point (50) | per chart (50) |",
        "|---|---:|---:|---:|---:|",
    ]
    for chart, by_n in result["sigma"].items():
        a, b = by_n["24"], by_n["50"]
        lines.append(
            f"| {chart} | {a['per_point']:.2%} | {a['per_chart']:.1%} | "
            f"{b['per_point']:.2%} | {b['per_chart']:.1%} |"
        )
    shifts = result.get("shifts") or {}
    if shifts:
        lines += [
            "",
            f"## Phase shifts called a signal with no change ({shifts['before']} points before, "
            f"{shifts['after']} after; {shifts['reps']} series per chart)",
            "",
            "| chart | signal | runs rule | 3-sigma rule |",
            "|---|---:|---:|---:|",
        ]
        for chart in ("p", "i"):
            row = shifts[chart]
            lines.append(
                f"| {chart} | {row['signal']:.1%} | {row['runs_signal']:.1%} | "
                f"{row['sigma_signal']:.1%} |"
            )
    lines += [
        "",
        "## Reading",
        "",
        "- Against the true median the simulated rates equal the exact ones within Monte Carlo "
        "error (4.3-7.3% for n = 10-100, near the published 'around 5%'): the rules are "
        "implemented as specified.",
        "- Against the series' own median (what a run chart draws) the rules are conservative "
        "for short series: exactly half the points lie on each side, so long runs are rarer "
        "(n = 10: a signal needs the two-runs pattern, 2 of 252 arrangements = 0.8%). The rate "
        "rises towards 5% as n grows.",
        "- 3-sigma rule: near 0.27% per point for xbar, p, c, u and t charts; higher for I "
        "charts (sigma from screened moving ranges) and Laney charts (sigma_z estimated); the "
        "G chart's 3-sigma limit lies far in a geometric tail (about 1.6% of points above it), "
        "so G-chart points above the limit need care. Per chart, false alarms grow with the "
        "number of points: with many schools and phases, expect some.",
        "- Phase shifts (`phase_shifts`): judging a 20-point phase against limits from a "
        "12-point phase calls about one stable series in five (p chart) to one in three (I "
        "chart, whose sigma from 11 moving ranges is imprecise) a signal. A signal in one "
        "school is a prompt to look, not proof; longer baselines lower the rate.",
        "",
        f"Python {platform.python_version()}.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=20141125)
    parser.add_argument(
        "--markdown-only",
        action="store_true",
        help="rewrite the .md from the stored .json without simulating",
    )
    args = parser.parse_args()
    if args.markdown_only:
        result = json.loads((OUT / "qi_montecarlo.json").read_text())
        (OUT / "qi_montecarlo.md").write_text(markdown(result))
        return
    start = time.time()
    result = study(args.reps, args.seed, progress=print, shift_reps=2000)
    result["seconds"] = round(time.time() - start, 1)
    OUT.mkdir(exist_ok=True)
    (OUT / "qi_montecarlo.json").write_text(json.dumps(result, indent=2) + "\n")
    (OUT / "qi_montecarlo.md").write_text(markdown(result))
    print(f"done in {result['seconds']} s")


if __name__ == "__main__":
    main()
