"""Monte Carlo coverage of 95% intervals with 12 clusters: CR1 vs CR2 vs wild bootstrap.

Two designs (``--design``), both with 12 clusters (districts), 6 years, school and year effects
absorbed, inference clustered by district, true effect ``beta = 0.5``:

``harsh``
    Districts of very unequal size (2–40 schools). The dose (coach FTE per 100) is set by
    district and year (exponential, times a district-level exponential scale, so one or two
    districts carry most of the dose variation), and the district-by-year shocks have a spread
    that grows with the dose. This is the high-leverage failure case of every cluster-robust
    method (MacKinnon & Webb 2017, 2018).
``typical``
    A typical state's district structure: 12 districts of moderately unequal size (8–30
    schools, roughly log-normal, the largest holding ~15% of the schools). The dose is set at
    school level: a district-by-year allocation (exponential, same scale in every district)
    plus a persistent school component and school-by-year noise, so there is dose variation
    inside every district, and every district carries a comparable share of it. Errors have
    a school effect, a common year trend, a district-by-year shock (sd 0.5) and school-by-year
    noise (sd 1).

For each replication: CR1 (``G/(G-1)(n-1)/(n-k)``, t(G-1)), CR2 with Satterthwaite df, and
the restricted wild cluster bootstrap-t (Rademacher; with ``n_boot >= 4096`` all ``2**12``
sign vectors are enumerated; coverage of the test-inversion interval equals 1 − rejection
rate of the true null, which is what is computed here). Replication ``r`` uses the generator
``default_rng([seed, r])``, so results do not depend on the number of processes.

Run the full version from the command line::

    .venv/bin/python tests/fe/fe_montecarlo.py --design all --reps 2000 --processes 2
"""

from __future__ import annotations

import argparse
import json
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np
from scipy import stats

from improve import inference

BETA = 0.5
YEARS = 6
HARSH_SIZES = (2, 2, 3, 4, 5, 6, 8, 10, 14, 20, 30, 40)
TYPICAL_SIZES = (8, 9, 10, 11, 13, 14, 16, 18, 20, 23, 26, 30)
SIZES = HARSH_SIZES  # backwards-compatible name
METHODS = ("cr1", "cr2", "wild")
DIAGNOSTICS = ("max_leverage", "cr2_df")


def _panel(sizes: tuple[int, ...]) -> tuple[np.ndarray, ...]:
    G = len(sizes)
    cluster = np.repeat(np.arange(G), np.array(sizes) * YEARS)
    n_units = sum(sizes)
    unit = np.repeat(np.arange(n_units), YEARS)
    year = np.tile(np.arange(YEARS), n_units)
    return cluster, unit, year, n_units


def simulate_harsh(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Harsh design: y, dose, unit codes, year codes, cluster codes."""
    G = len(HARSH_SIZES)
    cluster, unit, year, n_units = _panel(HARSH_SIZES)
    dose_gt = rng.exponential(size=(G, YEARS)) * rng.exponential(size=(G, 1))
    shock_gt = rng.normal(size=(G, YEARS)) * (0.5 + 0.5 * dose_gt)
    y = (
        BETA * dose_gt[cluster, year]
        + rng.normal(size=n_units)[unit]
        + 0.3 * year
        + shock_gt[cluster, year]
        + rng.normal(size=unit.size)
    )
    return y, dose_gt[cluster, year][:, None], unit, year, cluster


def simulate_typical(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Typical-state design: y, dose, unit codes, year codes, cluster codes."""
    G = len(TYPICAL_SIZES)
    cluster, unit, year, n_units = _panel(TYPICAL_SIZES)
    alloc_gt = rng.exponential(0.5, size=(G, YEARS))  # district-by-year allocation
    school = rng.exponential(0.3, size=n_units)  # persistent school component
    dose = alloc_gt[cluster, year] + school[unit] + rng.exponential(0.2, size=unit.size)
    shock_gt = 0.5 * rng.normal(size=(G, YEARS))
    y = (
        BETA * dose
        + rng.normal(size=n_units)[unit]
        + 0.3 * year
        + shock_gt[cluster, year]
        + rng.normal(size=unit.size)
    )
    return y, dose[:, None], unit, year, cluster


DESIGNS = {"harsh": simulate_harsh, "typical": simulate_typical}
simulate = simulate_harsh  # backwards-compatible name


def replicate(
    rng: np.random.Generator, *, design: str = "harsh", wild: bool = True, n_boot: int = 9999
) -> tuple[float, ...]:
    """Coverage indicators (CR1, CR2, wild) and diagnostics (max partial leverage, CR2 df)."""
    y, X, unit, year, cluster = DESIGNS[design](rng)
    des = inference.within_design(y, X, [unit, year], cluster)
    n, k = X.shape
    G = des.n_clusters
    b = des.beta[0]
    x = des.X[:, 0]
    score = np.bincount(cluster, weights=x * des.resid, minlength=G)
    xtx = float(x @ x)
    se1 = np.sqrt(G / (G - 1) * (n - 1) / (n - k) * (score @ score)) / xtx
    cr1 = abs(b - BETA) / se1 <= stats.t.ppf(0.975, G - 1)
    out = inference.cr2(des)
    se2 = np.sqrt(out.vcov[0, 0])
    cr2 = abs(b - BETA) / se2 <= stats.t.ppf(0.975, out.df[0])
    covered_wild = True
    if wild:
        boot = inference.wild_bootstrap(des, n_boot=n_boot, null=BETA, conf_int=False, seed=rng)
        covered_wild = boot.p_value[0] >= 0.05
    # partial leverage of cluster g for the dose (MacKinnon, Nielsen & Webb): its share of x'x
    leverage = np.bincount(cluster, weights=x * x, minlength=G) / xtx
    return float(cr1), float(cr2), float(covered_wild), float(leverage.max()), float(out.df[0])


def _run_one(args: tuple[str, int, int, bool, int]) -> tuple[float, ...]:
    design, seed, r, wild, n_boot = args
    return replicate(np.random.default_rng([seed, r]), design=design, wild=wild, n_boot=n_boot)


def simulate_reps(
    reps: int,
    seed: int = 2024,
    *,
    design: str = "harsh",
    wild: bool = True,
    n_boot: int = 9999,
    processes: int = 1,
) -> np.ndarray:
    """``(reps, 5)`` array: covered by CR1, CR2, wild; max partial leverage; CR2 df."""
    tasks = [(design, seed, r, wild, n_boot) for r in range(reps)]
    if processes > 1:
        with Pool(processes) as pool:
            rows = pool.map(_run_one, tasks, chunksize=max(1, reps // (8 * processes)))
    else:
        rows = [_run_one(t) for t in tasks]
    return np.array(rows)


def coverage(
    reps: int, seed: int = 2024, wild: bool = True, *, design: str = "harsh", processes: int = 1
) -> dict[str, float]:
    """Share of replications whose 95% interval covers the true effect, per method."""
    hits = simulate_reps(reps, seed, design=design, wild=wild, processes=processes)[:, :3]
    return dict(zip(METHODS, hits.mean(axis=0).round(4).tolist(), strict=True))


def wilson(p: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson 95% interval for a binomial share."""
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def summarise(res: np.ndarray) -> dict:
    """Coverage with MC s.e. and Wilson intervals, and coverage by tercile of max leverage."""
    n = res.shape[0]
    out: dict = {"reps": n, "coverage": {}}
    for j, m in enumerate(METHODS):
        p = float(res[:, j].mean())
        lo, hi = wilson(p, n)
        out["coverage"][m] = {
            "coverage": round(p, 4),
            "mc_se": round(float(np.sqrt(p * (1 - p) / n)), 4),
            "wilson95": [round(float(lo), 4), round(float(hi), 4)],
        }
    lev, df = res[:, 3], res[:, 4]
    cuts = np.quantile(lev, [1 / 3, 2 / 3])
    group = np.digitize(lev, cuts)
    out["by_leverage_tercile"] = [
        {
            "max_leverage_range": [
                round(float(lev[group == t].min()), 3),
                round(float(lev[group == t].max()), 3),
            ],
            "median_cr2_df": round(float(np.median(df[group == t])), 2),
            **{m: round(float(res[group == t, j].mean()), 4) for j, m in enumerate(METHODS)},
        }
        for t in range(3)
    ]
    out["median_max_leverage"] = round(float(np.median(lev)), 3)
    out["median_cr2_df"] = round(float(np.median(df)), 2)
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--design", choices=[*DESIGNS, "all"], default="harsh")
    parser.add_argument("--reps", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--n-boot", type=int, default=9999)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--json", type=Path, help="write raw results and summaries here")
    args = parser.parse_args()
    designs = list(DESIGNS) if args.design == "all" else [args.design]
    record: dict = {"seed": args.seed, "n_boot": args.n_boot, "beta": BETA, "designs": {}}
    for name in designs:
        t0 = time.perf_counter()
        res = simulate_reps(
            args.reps, args.seed, design=name, n_boot=args.n_boot, processes=args.processes
        )
        seconds = time.perf_counter() - t0
        summary = summarise(res)
        summary["seconds"] = round(seconds, 1)
        summary["processes"] = args.processes
        print(f"[{name}] {args.reps} replications, 12 clusters, nominal 95%, {seconds:.1f} s:")
        for m, c in summary["coverage"].items():
            lo, hi = c["wilson95"]
            print(f"  {m:5s} {c['coverage']:.4f}  (MC s.e. {c['mc_se']:.4f}; [{lo:.4f}, {hi:.4f}])")
        print(
            f"  median max partial leverage {summary['median_max_leverage']}, "
            f"median CR2 df {summary['median_cr2_df']}"
        )
        for t in summary["by_leverage_tercile"]:
            print(
                f"  leverage {t['max_leverage_range']}: df {t['median_cr2_df']}, "
                f"cr1 {t['cr1']:.3f} cr2 {t['cr2']:.3f} wild {t['wild']:.3f}"
            )
        summary["raw"] = {
            k: res[:, j].astype(int if j < 3 else float).tolist()
            for j, k in enumerate((*METHODS, *DIAGNOSTICS))
        }
        summary["raw"]["max_leverage"] = [round(v, 5) for v in summary["raw"]["max_leverage"]]
        summary["raw"]["cr2_df"] = [round(v, 4) for v in summary["raw"]["cr2_df"]]
        record["designs"][name] = summary
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(record, indent=1) + "\n")
