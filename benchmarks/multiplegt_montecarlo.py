"""Monte Carlo study of the on/off estimators on the demo generator's non-renewal design.

Each replication draws the demo school panel (``improve.demo.schools``: 700 schools in 60
districts of very uneven size, grant cohorts 2017-2022, 30% of funded schools not renewed
after two years with effects fading by half a year, no data for 2020) with its own seed and
runs ``improve.did.persistence.evaluate_persistence`` on math scale scores (standard errors
clustered by district, as the workbook does with the demo map):

* effects by observed periods since funding started (``Effect_1..4``) for all funded
  schools and for the not renewed schools (their ``Effect_3..4`` are after funding ended);
* the exit event study (``Effect_1..3`` by periods since funding ended).

Each estimate is compared with the replication's own truth (``after_funding`` of
``truth.json``: sample means of the simulated effects). Reported per estimate and per
variance (``small_sample``: ``"R"``, R's analytic variance; ``"CR2"``, its cohort factors
replaced by cluster-share leverage factors; ``"jackknife"``, leave-one-district-out): bias
(and its Monte Carlo SE), coverage of the 95% pointwise interval, mean SE over the Monte
Carlo SD, coverage of the uniform band (all effects of a design at once), and the share of
verdicts ("fade" is the truth).

Usage::

    .venv/bin/python benchmarks/multiplegt_montecarlo.py --reps 500 --jobs 2
    .venv/bin/python benchmarks/multiplegt_montecarlo.py --reps 10    # timing check

Draws are split over ``--jobs`` processes by seed; the result does not depend on it. With
``--cache DIR`` every draw's rows are also written to (and, when present, read back from)
``DIR/<variance>_<seed>.json``, so an interrupted study can be resumed. The
JSON keeps the per-draw rows of the first ``CHECK_DRAWS`` seeds, which the slow test
re-runs and compares.

Writes ``benchmarks/montecarlo_results/multiplegt_montecarlo.json`` and ``.md`` (with a
subset of ``--variances``, ``multiplegt_montecarlo_<variances>.json``/``.md``).
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from improve.demo import schools
from improve.demo.onoff_truth import after_funding_truth
from improve.did.persistence import evaluate_persistence

OUT = Path(__file__).resolve().parent / "montecarlo_results"
OUTCOME = "math_ss"
VARIANCES = ("R", "CR2", "jackknife")
CHECK_DRAWS = 3


def _truth_rows(rows: list[dict], n: int) -> np.ndarray:
    vals = np.full(n, np.nan)
    for r in rows:
        if r["periods"] <= n:
            vals[r["periods"] - 1] = r["effect"]
    return vals


def replicate(seed: int, small_sample: str = "R") -> list[dict]:
    """Estimates and truths of one draw of the demo panel."""
    df, y0, y1 = schools._simulate_panel(seed, 60, 700, range(2014, 2025), (2020,), 0.0, 1.0)
    truth = after_funding_truth(df, y0, y1, 1.0)["outcomes"][OUTCOME]
    ev = evaluate_persistence(
        df,
        OUTCOME,
        "grant_active",
        unit="school_id",
        time="school_year",
        cluster="district_id",
        effects=4,
        placebo=1,
        exit_effects=3,
        small_sample=small_sample,
    )
    designs = {
        "all funded": (ev.entry, truth["by_periods_since_start"]["all"]),
        "not renewed": (
            ev.by_renewal["not renewed"],
            truth["by_periods_since_start"]["not_renewed"],
        ),
        "since the end": (ev.exit, truth["exit_by_periods_since_end"]),
    }
    rows = []
    for design, (res, truth_rows) in designs.items():
        eff = res.effects()
        eff = eff[eff["horizon"] > 0].reset_index(drop=True)
        target = _truth_rows(truth_rows, len(eff))
        clusters = res.n_switcher_clusters[res.horizons > 0]
        inside = (eff["conf_low_uniform"] <= target) & (target <= eff["conf_high_uniform"])
        for i, row in eff.iterrows():
            rows.append(
                {
                    "seed": seed,
                    "variance": small_sample,
                    "design": design,
                    "term": row["term"],
                    "truth": float(target[i]),
                    "estimate": float(row["estimate"]),
                    "std_error": float(row["std_error"]),
                    "df": float(res.df),
                    "switcher_clusters": int(clusters[i]),
                    "covered": bool(row["conf_low"] <= target[i] <= row["conf_high"]),
                    "band_covers_all": bool(inside.all()),
                    "verdict": ev.verdict,
                }
            )
    return rows


def _replicate_task(task: tuple[int, str, Path | None]) -> list[dict]:
    seed, variance, cache = task
    path = None if cache is None else cache / f"{variance}_{seed}.json"
    if path is not None and path.exists():
        return json.loads(path.read_text())
    rows = replicate(seed, variance)
    if path is not None:
        path.write_text(json.dumps(rows))
    return rows


def summarise(rows: list[dict]) -> pd.DataFrame:
    d = pd.DataFrame(rows)
    d["error"] = d["estimate"] - d["truth"]
    d["abs_t"] = (d["error"] / d["std_error"]).abs()
    out = (
        d.groupby(["variance", "design", "term"], sort=False)
        .agg(
            truth=("truth", "mean"),
            bias=("error", "mean"),
            bias_mc_se=("error", "sem"),
            coverage=("covered", "mean"),
            mean_se=("std_error", "mean"),
            sd=("estimate", "std"),
            se_cv=("std_error", lambda se: se.std() / se.mean()),
            abs_t_q95=("abs_t", lambda t: t.quantile(0.95)),
            switcher_clusters=("switcher_clusters", "mean"),
            min_switcher_clusters=("switcher_clusters", "min"),
            band_coverage=("band_covers_all", "mean"),
            reps=("seed", "nunique"),
        )
        .reset_index()
    )
    out["se_over_sd"] = out["mean_se"] / out["sd"]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--variances", nargs="+", default=list(VARIANCES), choices=VARIANCES)
    parser.add_argument("--jobs", type=int, default=1, help="processes (draws split by seed)")
    parser.add_argument("--cache", type=Path, default=None, help="folder of per-draw rows")
    args = parser.parse_args(argv)
    start = time.time()
    if args.cache is not None:
        args.cache.mkdir(parents=True, exist_ok=True)
    seeds = range(args.first_seed, args.first_seed + args.reps)
    tasks = [(seed, v, args.cache) for v in args.variances for seed in seeds]
    with ProcessPoolExecutor(max_workers=max(args.jobs, 1)) as pool:
        draws = list(pool.map(_replicate_task, tasks, chunksize=4))
    rows = [r for draw in draws for r in draw]
    table = summarise(rows)
    verdicts = (
        pd.DataFrame(rows)
        .query("term == 'Effect_1' and design == 'all funded'")
        .groupby("variance")["verdict"]
        .value_counts(normalize=True)
        .unstack(fill_value=0.0)
    )
    overall = (
        table.groupby("variance", sort=False)
        .agg(mean_coverage=("coverage", "mean"), min_coverage=("coverage", "min"))
        .reset_index()
    )
    args.out.mkdir(parents=True, exist_ok=True)
    payload = {
        "reps": args.reps,
        "first_seed": args.first_seed,
        "seconds": round(time.time() - start, 1),
        "draws_read_from_cache": args.cache is not None,
        "python": platform.python_version(),
        "summary": table.to_dict(orient="records"),
        "check_draws": [r for r in rows if r["seed"] < args.first_seed + CHECK_DRAWS],
        "coverage_by_variance": overall.to_dict(orient="records"),
        "verdicts": verdicts.to_dict(orient="index"),
    }
    stem = "multiplegt_montecarlo"
    if list(args.variances) != list(VARIANCES):
        stem += "_" + "_".join(args.variances)
    (args.out / f"{stem}.json").write_text(json.dumps(payload, indent=1) + "\n")
    md = [
        "# Monte Carlo: on/off effects on the demo's non-renewal design",
        "",
        f"{args.reps} draws of the demo school panel (seeds {args.first_seed}.."
        f"{args.first_seed + args.reps - 1}), math scale score, SEs clustered by district: "
        "`R` is R did_multiplegt_dyn's analytic variance, `CR2` the same with cluster-share "
        "leverage factors, `jackknife` leave-one-district-out. Truth: each draw's own sample "
        "effects. Monte Carlo SE of a 95% coverage over these draws: "
        f"{np.sqrt(0.95 * 0.05 / args.reps):.3f}.",
        "",
        "Coverage of the pointwise 95% intervals over all effects:",
        "",
        overall.round(4).to_markdown(index=False),
        "",
        table.round(4).to_markdown(index=False),
        "",
        "Verdicts (truth: fade):",
        "",
        verdicts.round(3).to_markdown(),
        "",
    ]
    (args.out / f"{stem}.md").write_text("\n".join(md))
    print("\n".join(md))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
