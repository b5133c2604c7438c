"""Monte Carlo study of ``improve.did`` on the demo generator, where the truth is known.

Each replication draws the demo school panel (``improve.demo.schools.simulate_schools``,
60 districts, 700 schools, 2014-2024 without 2020, cohorts 2017-2022) with its own seed,
estimates ATT(g,t) for ``math_ss`` with not-yet-treated and with never-treated comparison
groups (standard errors clustered by district: analytic, and the cluster multiplier
bootstrap), aggregates them (``simple`` and ``dynamic``) and fits the static two-way
fixed-effects (TWFE) regression on the same data. The estimates are compared with

* the **sample truth** of that draw: ``true_effects(seed)``, the mean over the schools of
  the simulated ``Y(1) - Y(0)``, aggregated as R ``did::aggte`` does;
* the **population truth**: the expectation of the sample truth over draws, estimated by
  its mean over all replications (the generator redraws districts, schools, dosage,
  renewals and poverty mix every time, so the sample truth varies from draw to draw).

Reported: bias (in points and % of the truth) with its Monte Carlo standard error,
coverage of the 95% intervals (pointwise analytic and bootstrap; the bootstrap uniform
band of the whole event-time vector), the ratio of the mean standard error to the
Monte Carlo standard deviation of the estimation error, and the TWFE coefficient against
the simple-ATT truth.

Usage::

    .venv/bin/python benchmarks/did_montecarlo.py               # 1,000 replications
    .venv/bin/python benchmarks/did_montecarlo.py --reps 20     # timing check

Writes ``benchmarks/montecarlo_results/did_demo_montecarlo.json`` (summary and the
per-replication simple/TWFE results) and ``did_demo_montecarlo.md`` (tables).
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import os
import platform
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

HERE = Path(__file__).resolve().parent
OUT_DIR = HERE / "montecarlo_results"
OUTCOME = "math_ss"
CONTROL_GROUPS = ("notyettreated", "nevertreated")
COLS = {
    "unit": "school_id",
    "time": "school_year",
    "cohort": "first_grant_year",
    "cluster": "district_id",
}
Z95 = 1.959963984540054
#: Binomial 95% acceptance band for a 95% coverage rate over ``reps`` replications.
COVERAGE_TARGET = (0.93, 0.97)
BIAS_TARGET_PCT = 1.0


# ------------------------------------------------------------------------ one replication
def _interval_cover(lo: np.ndarray, hi: np.ndarray, truth: np.ndarray) -> np.ndarray:
    return (lo <= truth) & (truth <= hi)


def _cluster_diagnostics(agg: Any, res: Any, df: Any) -> dict[str, float]:
    """How concentrated the simple ATT's clustered variance is in a few districts."""
    codes = res.cluster_codes
    s = np.bincount(codes, weights=agg.inf_func_overall, minlength=int(codes.max()) + 1)
    s2 = s**2
    sizes = df.groupby(COLS["cluster"])[COLS["unit"]].nunique().to_numpy()
    return {
        # Kish-type effective number of clusters of the variance contributions
        "eff_clusters": float(s2.sum() ** 2 / np.sum(s2**2)),
        "max_var_share": float(s2.max() / s2.sum()),
        "max_school_share": float(sizes.max() / sizes.sum()),
    }


def _jackknife_se(df: Any, control_group: str) -> float:
    """Leave-one-district-out jackknife SE of the simple ATT (CR3-type), analytic fits."""
    from improve.did import aggregate, att_gt

    cl = df[COLS["cluster"]].to_numpy()
    kw = {k: v for k, v in COLS.items() if k != "cluster"}
    vals = []
    for d in np.unique(cl):
        sub = df[cl != d]
        res = att_gt(sub, OUTCOME, **kw, control_group=control_group)
        vals.append(aggregate(res, "simple").estimate)
    theta = np.asarray(vals)
    g = theta.size
    return float(math.sqrt((g - 1) / g * np.sum((theta - theta.mean()) ** 2)))


def replicate(
    seed: int,
    config: dict[str, Any],
    n_boot: int,
    jackknife: bool = False,
    cluster_correction: str = "CR2",
) -> dict[str, Any]:
    """One Monte Carlo replication: simulate with ``seed``, estimate, compare with the truth.

    Returns a JSON-ready record (floats and lists) for :func:`summarise`. With
    ``jackknife=True`` the simple ATT (not-yet-treated comparison group) also gets a
    leave-one-district-out jackknife standard error (one ``att_gt`` fit per district).
    """
    from improve.demo.schools import simulate_schools, true_effects
    from improve.did import aggregate, att_gt
    from improve.did.twfe import twfe

    df = simulate_schools(seed=seed, **config)
    truth = true_effects(seed=seed, **config)["outcomes"][OUTCOME]
    true_dyn = {int(d["event_time"]): float(d["att"]) for d in truth["dynamic"]}
    true_cell = {(int(c["cohort"]), int(c["year"])): float(c["att"]) for c in truth["att_gt"]}
    rec: dict[str, Any] = {
        "seed": int(seed),
        "true_simple": float(truth["simple"]),
        "true_dynamic": {str(k): v for k, v in sorted(true_dyn.items())},
        "n_warnings": 0,
    }
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for cg in CONTROL_GROUPS:
            res = att_gt(
                df,
                OUTCOME,
                **COLS,
                control_group=cg,
                bootstrap=True,
                n_boot=n_boot,
                seed=seed,
                cluster_correction=cluster_correction,
            )
            out: dict[str, Any] = {}
            # ATT(g,t) cells: pointwise coverage with analytic SEs (vcov is analytic) and
            # with the bootstrap SEs (res.std_error); truth is 0 before treatment.
            cell_truth = np.array(
                [
                    true_cell.get((int(g), int(t)), 0.0)
                    for g, t in zip(res.groups, res.times, strict=True)
                ]
            )
            se_a_cells = np.sqrt(np.diag(res.vcov))
            err = res.estimate - cell_truth
            crit = np.where(np.isinf(res.df), Z95, stats.t.ppf(0.975, np.minimum(res.df, 1e9)))
            out["cells_post"] = res.post.astype(bool).tolist()
            out["cells_cover_analytic"] = (np.abs(err) <= crit * se_a_cells).tolist()
            out["cells_cover_boot"] = (np.abs(err) <= crit * res.std_error).tolist()

            for kind in ("simple", "dynamic"):
                ana = aggregate(res, kind, bootstrap=False).tidy()
                boo = aggregate(res, kind, bootstrap=True).tidy()
                if kind == "simple":
                    t_val = rec["true_simple"]
                    if cg == "notyettreated":
                        rec["clusters"] = _cluster_diagnostics(
                            aggregate(res, "simple", bootstrap=False), res, df
                        )
                        if jackknife:
                            rec["clusters"]["se_jackknife"] = _jackknife_se(df, cg)
                    out["simple"] = {
                        "est": float(ana["estimate"].iloc[0]),
                        "se_analytic": float(ana["std_error"].iloc[0]),
                        "se_boot": float(boo["std_error"].iloc[0]),
                        "cover_analytic": bool(
                            ana["conf_low"].iloc[0] <= t_val <= ana["conf_high"].iloc[0]
                        ),
                        "cover_boot": bool(
                            boo["conf_low"].iloc[0] <= t_val <= boo["conf_high"].iloc[0]
                        ),
                        "lo_analytic": float(ana["conf_low"].iloc[0]),
                        "hi_analytic": float(ana["conf_high"].iloc[0]),
                        "lo_boot": float(boo["conf_low"].iloc[0]),
                        "hi_boot": float(boo["conf_high"].iloc[0]),
                    }
                    continue
                a_rows, b_rows = ana.iloc[1:], boo.iloc[1:]
                e = a_rows["event_time"].to_numpy(dtype=float)
                te = np.array([true_dyn.get(int(v), math.nan) for v in e])
                uniform = "conf_low_uniform" in b_rows.columns
                nan = np.full(e.size, np.nan)
                lo_u = b_rows["conf_low_uniform"].to_numpy() if uniform else nan
                hi_u = b_rows["conf_high_uniform"].to_numpy() if uniform else nan
                post = e >= 0
                out["dynamic"] = {
                    "event_time": e.astype(int).tolist(),
                    "truth": te.tolist(),
                    "est": a_rows["estimate"].to_numpy().tolist(),
                    "se_analytic": a_rows["std_error"].to_numpy().tolist(),
                    "se_boot": b_rows["std_error"].to_numpy().tolist(),
                    "cover_analytic": _interval_cover(
                        a_rows["conf_low"].to_numpy(), a_rows["conf_high"].to_numpy(), te
                    ).tolist(),
                    "cover_boot": _interval_cover(
                        b_rows["conf_low"].to_numpy(), b_rows["conf_high"].to_numpy(), te
                    ).tolist(),
                    "uniform": bool(uniform),
                    "cover_uniform": bool(uniform and np.all(_interval_cover(lo_u, hi_u, te))),
                    "cover_uniform_post": bool(
                        uniform and np.all(_interval_cover(lo_u[post], hi_u[post], te[post]))
                    ),
                    "overall_est": float(ana["estimate"].iloc[0]),
                    "overall_truth": float(np.mean(te[post])),
                    "overall_se_analytic": float(ana["std_error"].iloc[0]),
                    "overall_se_boot": float(boo["std_error"].iloc[0]),
                }
            rec[cg] = out
        tw = twfe(df, OUTCOME, **COLS).tidy()
        post_row = tw[tw["term"] == "post"].iloc[0]
        rec["twfe"] = {
            "est": float(post_row["estimate"]),
            "se": float(post_row["std_error"]),
            "lo": float(post_row["conf_low"]),
            "hi": float(post_row["conf_high"]),
        }
    rec["n_warnings"] = len(caught)
    rec["warnings"] = sorted({str(w.message)[:120] for w in caught})
    return rec


def _worker(args: tuple[int, dict[str, Any], int, bool, str]) -> dict[str, Any]:
    return replicate(*args)


# ------------------------------------------------------------------------------ summary
def _ci_binomial(k: int, n: int) -> tuple[float, float]:
    """Wilson 95% interval for a proportion."""
    if n == 0:
        return (math.nan, math.nan)
    p = k / n
    den = 1 + Z95**2 / n
    mid = (p + Z95**2 / (2 * n)) / den
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n**2)) / den
    return (mid - half, mid + half)


def _bias_block(est: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    """Bias against the per-draw truth and against the population (mean) truth."""
    r = est.size
    err = est - truth
    pop = float(truth.mean())
    return {
        "mean_estimate": float(est.mean()),
        "mean_sample_truth": pop,
        "sd_sample_truth": float(truth.std(ddof=1)),
        "bias": float(err.mean()),
        "bias_pct": float(100 * err.mean() / pop) if pop else math.nan,
        # paired: error against the truth of the same draw
        "mc_se_bias_vs_sample": float(err.std(ddof=1) / math.sqrt(r)),
        # unpaired: estimate against the population truth (MC mean of the sample truths)
        "mc_se_bias_vs_population": float(math.sqrt(est.var(ddof=1) / r + truth.var(ddof=1) / r)),
        "sd_error_vs_sample": float(err.std(ddof=1)),
        "sd_estimate": float(est.std(ddof=1)),
        "rmse_vs_sample": float(np.sqrt(np.mean(err**2))),
    }


def _coverage(flags: np.ndarray) -> dict[str, float]:
    k, n = int(flags.sum()), int(flags.size)
    lo, hi = _ci_binomial(k, n)
    return {"rate": k / n if n else math.nan, "n": n, "wilson_low": lo, "wilson_high": hi}


def _schedule_points(e: int) -> float:
    """The generator's nominal effect schedule (points) for a reference school at event time e.

    Not an ATT: the sample ATT also reflects the poverty mix (treated schools are poorer,
    multiplier p*1.3 + (1-p)*0.7 > 1), coaching dose and the fade after non-renewal.
    """
    from improve.demo.schools import EFFECT_SCHEDULE_SD, SD_USED

    if e < 0:
        return 0.0
    sched = EFFECT_SCHEDULE_SD[OUTCOME]
    return float(sched[min(e, len(sched) - 1)] * SD_USED[OUTCOME])


def _cluster_summary(recs: Sequence[dict[str, Any]], n_clusters: int) -> dict[str, Any]:
    """Coverage of the simple ATT (not-yet-treated) against cluster concentration."""
    from scipy import stats

    est = np.array([x["notyettreated"]["simple"]["est"] for x in recs])
    tru = np.array([x["true_simple"] for x in recs])
    se = np.array([x["notyettreated"]["simple"]["se_analytic"] for x in recs])
    err = est - tru
    keys = ("eff_clusters", "max_var_share", "max_school_share")
    diag = {k: np.array([x["clusters"][k] for x in recs]) for k in keys}
    t_crit = float(stats.t.ppf(0.975, n_clusters - 1))
    out: dict[str, Any] = {
        "n_clusters": n_clusters,
        "median_eff_clusters": float(np.median(diag["eff_clusters"])),
        "eff_clusters_p10_p90": [float(v) for v in np.quantile(diag["eff_clusters"], [0.1, 0.9])],
        "median_max_var_share": float(np.median(diag["max_var_share"])),
        "median_max_school_share": float(np.median(diag["max_school_share"])),
        "coverage_analytic_t": _coverage(np.abs(err) <= t_crit * se),
        "t_crit": t_crit,
    }
    cuts = np.quantile(diag["max_school_share"], [1 / 3, 2 / 3])
    bins = np.digitize(diag["max_school_share"], cuts)
    out["by_largest_district_tercile"] = [
        {
            "tercile": int(b) + 1,
            "max_school_share_range": [
                float(diag["max_school_share"][bins == b].min()),
                float(diag["max_school_share"][bins == b].max()),
            ],
            "n": int(np.sum(bins == b)),
            "coverage_analytic": float(np.mean(np.abs(err[bins == b]) <= Z95 * se[bins == b])),
            "se_ratio_analytic": float(
                np.sqrt(np.mean(se[bins == b] ** 2)) / err[bins == b].std(ddof=1)
            ),
        }
        for b in range(3)
        if np.sum(bins == b) > 1
    ]
    has_jk = np.array(["se_jackknife" in x["clusters"] for x in recs])
    if has_jk.any():
        jk = np.array([x["clusters"].get("se_jackknife", np.nan) for x in recs])[has_jk]
        err_jk, se_jk = err[has_jk], se[has_jk]
        out["jackknife"] = {
            "n": int(has_jk.sum()),
            "coverage_analytic_same_draws": _coverage(np.abs(err_jk) <= Z95 * se_jk),
            "coverage_z": _coverage(np.abs(err_jk) <= Z95 * jk),
            "coverage_t": _coverage(np.abs(err_jk) <= t_crit * jk),
            "se_ratio": float(np.sqrt(np.mean(jk**2)) / err_jk.std(ddof=1)),
            "se_ratio_analytic_same_draws": float(np.sqrt(np.mean(se_jk**2)) / err_jk.std(ddof=1)),
            "mean_se": float(jk.mean()),
        }
    return out


def summarise(records: Sequence[dict[str, Any]], n_clusters: int = 60) -> dict[str, Any]:
    """Aggregate replication records into bias, coverage and SE-calibration statistics."""
    recs = sorted(records, key=lambda r: r["seed"])
    r = len(recs)
    t_simple = np.array([x["true_simple"] for x in recs])
    pop_simple = float(t_simple.mean())
    out: dict[str, Any] = {"reps": r, "population_truth_simple": pop_simple}
    for cg in CONTROL_GROUPS:
        s = [x[cg]["simple"] for x in recs]
        est = np.array([v["est"] for v in s])
        se_a = np.array([v["se_analytic"] for v in s])
        se_b = np.array([v["se_boot"] for v in s])
        lo_a = np.array([v["lo_analytic"] for v in s])
        hi_a = np.array([v["hi_analytic"] for v in s])
        lo_b = np.array([v["lo_boot"] for v in s])
        hi_b = np.array([v["hi_boot"] for v in s])
        bias = _bias_block(est, t_simple)
        sd_err = bias["sd_error_vs_sample"]
        block: dict[str, Any] = {
            "simple": {
                **bias,
                "coverage_analytic": _coverage(np.array([v["cover_analytic"] for v in s])),
                "coverage_boot": _coverage(np.array([v["cover_boot"] for v in s])),
                "coverage_analytic_population": _coverage(
                    _interval_cover(lo_a, hi_a, np.full(r, pop_simple))
                ),
                "coverage_boot_population": _coverage(
                    _interval_cover(lo_b, hi_b, np.full(r, pop_simple))
                ),
                "mean_se_analytic": float(se_a.mean()),
                "mean_se_boot": float(se_b.mean()),
                "se_ratio_analytic": float(np.sqrt(np.mean(se_a**2)) / sd_err),
                "se_ratio_boot": float(np.sqrt(np.mean(se_b**2)) / sd_err),
                "se_ratio_analytic_population": float(
                    np.sqrt(np.mean(se_a**2)) / bias["sd_estimate"]
                ),
            }
        }
        # dynamic: per event time, uniform band over the whole vector
        dyn = [x[cg]["dynamic"] for x in recs]
        e_all = sorted({e for d in dyn for e in d["event_time"]})
        per_e = []
        for e in e_all:
            rows = [(d, d["event_time"].index(e)) for d in dyn if e in d["event_time"]]
            est_e = np.array([d["est"][i] for d, i in rows])
            tru_e = np.array([d["truth"][i] for d, i in rows])
            sea = np.array([d["se_analytic"][i] for d, i in rows])
            seb = np.array([d["se_boot"][i] for d, i in rows])
            err = est_e - tru_e
            per_e.append(
                {
                    "event_time": int(e),
                    "n": len(rows),
                    "mean_estimate": float(est_e.mean()),
                    "mean_truth": float(tru_e.mean()),
                    "schedule_reference_school": _schedule_points(e),
                    "bias": float(err.mean()),
                    "mc_se_bias": float(err.std(ddof=1) / math.sqrt(len(rows))),
                    "bias_pct": float(100 * err.mean() / tru_e.mean()) if e >= 0 else math.nan,
                    "coverage_analytic": float(np.mean([d["cover_analytic"][i] for d, i in rows])),
                    "coverage_boot": float(np.mean([d["cover_boot"][i] for d, i in rows])),
                    "se_ratio_analytic": float(np.sqrt(np.mean(sea**2)) / err.std(ddof=1)),
                    "se_ratio_boot": float(np.sqrt(np.mean(seb**2)) / err.std(ddof=1)),
                }
            )
        ov_est = np.array([d["overall_est"] for d in dyn])
        ov_tru = np.array([d["overall_truth"] for d in dyn])
        ov_se = np.array([d["overall_se_analytic"] for d in dyn])
        ov_seb = np.array([d["overall_se_boot"] for d in dyn])
        ov_bias = _bias_block(ov_est, ov_tru)
        block["dynamic"] = {
            "overall": {
                **ov_bias,
                "coverage_analytic": _coverage(np.abs(ov_est - ov_tru) <= Z95 * ov_se),
                "coverage_boot": _coverage(np.abs(ov_est - ov_tru) <= Z95 * ov_seb),
            },
            "by_event_time": per_e,
            "coverage_uniform": _coverage(np.array([d["cover_uniform"] for d in dyn])),
            "coverage_uniform_post": _coverage(np.array([d["cover_uniform_post"] for d in dyn])),
            "uniform_band_reported": int(sum(d["uniform"] for d in dyn)),
            "pointwise_coverage_post_analytic": float(
                np.mean(
                    [
                        c
                        for d in dyn
                        for c, e in zip(d["cover_analytic"], d["event_time"], strict=True)
                        if e >= 0
                    ]
                )
            ),
            "pointwise_coverage_post_boot": float(
                np.mean(
                    [
                        c
                        for d in dyn
                        for c, e in zip(d["cover_boot"], d["event_time"], strict=True)
                        if e >= 0
                    ]
                )
            ),
        }
        cells = [x[cg] for x in recs]
        post = np.concatenate([np.array(c["cells_post"]) for c in cells])
        ca = np.concatenate([np.array(c["cells_cover_analytic"]) for c in cells])
        cb = np.concatenate([np.array(c["cells_cover_boot"]) for c in cells])
        block["att_gt_cells"] = {
            "pointwise_coverage_post_analytic": float(ca[post].mean()),
            "pointwise_coverage_post_boot": float(cb[post].mean()),
            "pointwise_coverage_pre_analytic": float(ca[~post].mean()),
            "pointwise_coverage_pre_boot": float(cb[~post].mean()),
        }
        out[cg] = block
    tw = np.array([x["twfe"]["est"] for x in recs])
    tw_lo = np.array([x["twfe"]["lo"] for x in recs])
    tw_hi = np.array([x["twfe"]["hi"] for x in recs])
    cs = np.array([x["notyettreated"]["simple"]["est"] for x in recs])
    diff = tw - cs
    out["twfe"] = {
        **_bias_block(tw, t_simple),
        "coverage_of_simple_truth": _coverage(_interval_cover(tw_lo, tw_hi, t_simple)),
        "mean_se": float(np.mean([x["twfe"]["se"] for x in recs])),
        "mean_twfe_minus_cs_simple": float(diff.mean()),
        "mc_se_twfe_minus_cs_simple": float(diff.std(ddof=1) / math.sqrt(r)),
    }
    out["clusters"] = _cluster_summary(recs, n_clusters)
    out["n_reps_with_warnings"] = int(sum(x["n_warnings"] > 0 for x in recs))
    out["warning_messages"] = sorted({m for x in recs for m in x["warnings"]})
    return out


# ------------------------------------------------------------------------------ reports
def _pct(c: dict[str, float]) -> str:
    return f"{100 * c['rate']:.1f}% [{100 * c['wilson_low']:.1f}, {100 * c['wilson_high']:.1f}]"


def _bias_txt(b: dict[str, float]) -> str:
    return f"{b['bias']:+.4f} ({b['bias_pct']:+.2f}%) ± {b['mc_se_bias_vs_sample']:.4f}"


def markdown(summary: dict[str, Any], meta: dict[str, Any]) -> str:
    """Short Markdown report of the study."""
    lines = [
        "# Monte Carlo: `improve.did` on the demo generator (known truth)",
        "",
        f"{summary['reps']} replications of `simulate_schools(seed=s)` "
        f"(s = {meta['seed0']} … {meta['seed0'] + summary['reps'] - 1}; {meta['config_text']}), "
        f"outcome `{OUTCOME}`, SEs clustered by district (cluster_correction="
        f"{meta.get('cluster_correction', 'none')!r}), multiplier bootstrap with "
        f"{meta['n_boot']} draws. Runtime {meta['runtime_s']:.0f} s on {meta['processes']} "
        "processes. Bias = mean(estimate − sample truth of the same draw) ± its Monte Carlo SE; "
        "% of the mean truth. Coverage of nominal 95% intervals with Wilson 95% MC intervals "
        f"(target {100 * COVERAGE_TARGET[0]:.0f}–{100 * COVERAGE_TARGET[1]:.0f}%). SE ratio = "
        "root-mean-square SE / SD of (estimate − sample truth).",
        "",
        "## Simple ATT",
        "",
        "| comparison group | mean truth | bias (points, %) ± MC SE | coverage analytic "
        "| coverage bootstrap | SE ratio analytic / bootstrap |",
        "|---|---|---|---|---|---|",
    ]
    for cg in CONTROL_GROUPS:
        s = summary[cg]["simple"]
        lines.append(
            f"| {cg} | {s['mean_sample_truth']:.4f} | {_bias_txt(s)} "
            f"| {_pct(s['coverage_analytic'])} | {_pct(s['coverage_boot'])} "
            f"| {s['se_ratio_analytic']:.3f} / {s['se_ratio_boot']:.3f} |"
        )
    tw = summary["twfe"]
    lines += [
        f"| **TWFE static** (`post`) | {tw['mean_sample_truth']:.4f} | {_bias_txt(tw)} "
        f"| {_pct(tw['coverage_of_simple_truth'])} (t, G−1 df) | — | — |",
        "",
        "Against the population truth (mean of the sample truths, "
        f"{summary['population_truth_simple']:.4f}): coverage analytic / bootstrap "
        + "; ".join(
            f"{cg} {_pct(summary[cg]['simple']['coverage_analytic_population'])} / "
            f"{_pct(summary[cg]['simple']['coverage_boot_population'])}"
            for cg in CONTROL_GROUPS
        )
        + ".",
        "",
        "## Event study (dynamic aggregation)",
        "",
        "| comparison group | uniform band covers the whole vector | … post-period part "
        "| pointwise post analytic / bootstrap | overall (mean e ≥ 0) bias |",
        "|---|---|---|---|---|",
    ]
    for cg in CONTROL_GROUPS:
        d = summary[cg]["dynamic"]
        lines.append(
            f"| {cg} | {_pct(d['coverage_uniform'])} | {_pct(d['coverage_uniform_post'])} "
            f"| {100 * d['pointwise_coverage_post_analytic']:.1f}% / "
            f"{100 * d['pointwise_coverage_post_boot']:.1f}% | {_bias_txt(d['overall'])} |"
        )
    lines += [
        "",
        "By event time (not-yet-treated comparison group):",
        "",
        "| e | schedule (reference school) | population truth | mean estimate "
        "| bias ± MC SE | coverage analytic | coverage bootstrap | SE ratio analytic |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in summary["notyettreated"]["dynamic"]["by_event_time"]:
        lines.append(
            f"| {row['event_time']} | {row['schedule_reference_school']:.3f} "
            f"| {row['mean_truth']:.3f} | {row['mean_estimate']:.3f} | {row['bias']:+.4f} ± "
            f"{row['mc_se_bias']:.4f} | {100 * row['coverage_analytic']:.1f}% "
            f"| {100 * row['coverage_boot']:.1f}% | {row['se_ratio_analytic']:.3f} |"
        )
    lines += [
        "",
        "The schedule is the generator's nominal effect for a reference school (dose 1, "
        "poverty-mix factor 1, grant renewed); it is not an ATT. The population truth is the "
        "mean over draws of the sample ATT, which also reflects the poorer mix of funded "
        "schools, coaching dose and the fade after non-renewal.",
    ]
    c = summary["clusters"]
    lines += [
        "",
        "## Few effective clusters",
        "",
        "Simple ATT, not-yet-treated comparison group, analytic CR standard errors. "
        f"{c['n_clusters']} districts, but the largest holds a median "
        f"{100 * c['median_max_school_share']:.0f}% of the schools and "
        f"{100 * c['median_max_var_share']:.0f}% of the clustered variance; the effective "
        "number of clusters (Kish, (Σ S_c²)² / Σ S_c⁴ of the district sums S_c of the "
        f"influence function) has median {c['median_eff_clusters']:.1f} "
        f"(10–90%: {c['eff_clusters_p10_p90'][0]:.1f}–{c['eff_clusters_p10_p90'][1]:.1f}).",
        "",
        "| draws by share of schools in the largest district | n | coverage analytic | SE ratio |",
        "|---|---|---|---|",
    ]
    for row in c["by_largest_district_tercile"]:
        lo, hi = row["max_school_share_range"]
        lines.append(
            f"| tercile {row['tercile']} ({100 * lo:.0f}–{100 * hi:.0f}%) | {row['n']} "
            f"| {100 * row['coverage_analytic']:.1f}% | {row['se_ratio_analytic']:.3f} |"
        )
    lines += [
        "",
        f"* analytic CR SE with t({c['n_clusters'] - 1}) critical value "
        f"{c['t_crit']:.3f}: coverage {_pct(c['coverage_analytic_t'])}",
    ]
    if "jackknife" in c:
        jk = c["jackknife"]
        lines += [
            f"* leave-one-district-out jackknife SE (CR3-type; not part of `improve.did`), first "
            f"{jk['n']} draws: coverage {_pct(jk['coverage_z'])} with z, "
            f"{_pct(jk['coverage_t'])} with t({c['n_clusters'] - 1}); SE ratio "
            f"{jk['se_ratio']:.3f} (analytic CR SE on the same draws: coverage "
            f"{_pct(jk['coverage_analytic_same_draws'])}, SE ratio "
            f"{jk['se_ratio_analytic_same_draws']:.3f})",
        ]
    notes = meta.get("notes") or []
    if notes:
        lines += ["", "## Notes", "", *[f"* {n}" for n in notes]]
    return "\n".join(lines) + "\n"


def print_summary(summary: dict[str, Any]) -> None:
    """Plain-text summary on stdout."""
    print(f"\nreplications: {summary['reps']}")
    head = f"{'estimand':34s} {'truth':>8s} {'bias':>9s} {'bias%':>7s} {'MCSE':>7s} "
    head += f"{'cov.anal':>8s} {'cov.boot':>8s} {'SEr.a':>6s} {'SEr.b':>6s}"
    print(head)
    for cg in CONTROL_GROUPS:
        s = summary[cg]["simple"]
        print(
            f"{'simple ATT, ' + cg:34s} {s['mean_sample_truth']:8.4f} {s['bias']:+9.4f} "
            f"{s['bias_pct']:+7.2f} {s['mc_se_bias_vs_sample']:7.4f} "
            f"{s['coverage_analytic']['rate']:8.3f} {s['coverage_boot']['rate']:8.3f} "
            f"{s['se_ratio_analytic']:6.3f} {s['se_ratio_boot']:6.3f}"
        )
        o = summary[cg]["dynamic"]["overall"]
        print(
            f"{'dynamic overall, ' + cg:34s} {o['mean_sample_truth']:8.4f} {o['bias']:+9.4f} "
            f"{o['bias_pct']:+7.2f} {o['mc_se_bias_vs_sample']:7.4f} "
            f"{o['coverage_analytic']['rate']:8.3f} {o['coverage_boot']['rate']:8.3f}"
        )
        d = summary[cg]["dynamic"]
        print(
            f"{'  uniform band (all e / e>=0)':34s} {d['coverage_uniform']['rate']:.3f} / "
            f"{d['coverage_uniform_post']['rate']:.3f}   pointwise e>=0 analytic "
            f"{d['pointwise_coverage_post_analytic']:.3f} boot "
            f"{d['pointwise_coverage_post_boot']:.3f}"
        )
    tw = summary["twfe"]
    print(
        f"{'TWFE static vs simple truth':34s} {tw['mean_sample_truth']:8.4f} {tw['bias']:+9.4f} "
        f"{tw['bias_pct']:+7.2f} {tw['mc_se_bias_vs_sample']:7.4f} "
        f"{tw['coverage_of_simple_truth']['rate']:8.3f}"
    )
    print(
        f"TWFE − CS simple (not-yet-treated), same draws: {tw['mean_twfe_minus_cs_simple']:+.4f} "
        f"± {tw['mc_se_twfe_minus_cs_simple']:.4f}"
    )
    print(f"population truth (mean sample truth): {summary['population_truth_simple']:.4f}")
    c = summary["clusters"]
    print(
        f"clusters: {c['n_clusters']}, median effective {c['median_eff_clusters']:.1f}, largest "
        f"district median {100 * c['median_max_school_share']:.0f}% of schools; analytic "
        f"coverage with t({c['n_clusters'] - 1}): {c['coverage_analytic_t']['rate']:.3f}"
    )
    for row in c["by_largest_district_tercile"]:
        print(
            f"  largest-district tercile {row['tercile']}: coverage "
            f"{row['coverage_analytic']:.3f}, SE ratio {row['se_ratio_analytic']:.3f}"
        )
    if "jackknife" in c:
        jk = c["jackknife"]
        print(
            f"  jackknife SE ({jk['n']} draws): coverage z {jk['coverage_z']['rate']:.3f}, t "
            f"{jk['coverage_t']['rate']:.3f}, SE ratio {jk['se_ratio']:.3f}; analytic on the "
            f"same draws {jk['coverage_analytic_same_draws']['rate']:.3f}"
        )
    if summary["n_reps_with_warnings"]:
        print(f"replications with warnings: {summary['n_reps_with_warnings']}")
        for m in summary["warning_messages"]:
            print(f"  - {m}")


# --------------------------------------------------------------------------------- main
def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--reps", type=int, default=1000, help="replications (default 1000)")
    p.add_argument("--n-boot", type=int, default=999, help="bootstrap draws (default 999)")
    p.add_argument("--processes", type=int, default=2, help="worker processes (default 2)")
    p.add_argument("--seed0", type=int, default=1, help="seed of the first replication")
    p.add_argument("--n-districts", type=int, default=60)
    p.add_argument("--n-schools", type=int, default=700)
    p.add_argument(
        "--jackknife-reps",
        type=int,
        default=300,
        help="leave-one-district-out jackknife SE (one att_gt fit per district) in the first "
        "N replications (default 300; 0 = none)",
    )
    p.add_argument(
        "--cluster-correction",
        choices=("CR2", "none"),
        default="CR2",
        help="att_gt's cluster_correction (default CR2; none = plain sums, normal critical "
        "values, as R did)",
    )
    p.add_argument("--out", type=Path, default=OUT_DIR, help="output directory")
    p.add_argument("--tag", default="did_demo_montecarlo", help="output file stem")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    config = {"n_districts": args.n_districts, "n_schools": args.n_schools}
    seeds = list(range(args.seed0, args.seed0 + args.reps))
    jobs = [
        (s, config, args.n_boot, i < args.jackknife_reps, args.cluster_correction)
        for i, s in enumerate(seeds)
    ]
    t0 = time.perf_counter()
    records: list[dict[str, Any]] = []
    if args.processes > 1:
        # fresh interpreters (spawn) with single-threaded BLAS: one replication per core
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = "1"
        ctx = mp.get_context("spawn")
        with ctx.Pool(args.processes) as pool:
            for i, rec in enumerate(pool.imap_unordered(_worker, jobs, chunksize=4), 1):
                records.append(rec)
                if i % 50 == 0 or i == len(jobs):
                    el = time.perf_counter() - t0
                    print(f"  {i}/{len(jobs)} replications, {el:.0f} s", flush=True)
    else:
        for i, job in enumerate(jobs, 1):
            records.append(_worker(job))
            if i % 50 == 0:
                print(f"  {i}/{len(jobs)} replications", flush=True)
    runtime = time.perf_counter() - t0
    summary = summarise(records, n_clusters=args.n_districts)
    print_summary(summary)
    print(f"runtime: {runtime:.1f} s ({runtime / len(jobs):.2f} s per replication wall)")

    import improve

    config_text = f"{args.n_districts} districts, {args.n_schools} schools, 2014–2024 without 2020"
    meta = {
        "seed0": args.seed0,
        "n_boot": args.n_boot,
        "processes": args.processes,
        "jackknife_reps": min(args.jackknife_reps, args.reps),
        "runtime_s": runtime,
        "config": config,
        "config_text": config_text,
        "cluster_correction": args.cluster_correction,
        "python": platform.python_version(),
        "improve_version": getattr(improve, "__version__", "unknown"),
        "command": " ".join(["python", "benchmarks/did_montecarlo.py", *sys.argv[1:]]),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    per_rep = [
        {
            "seed": x["seed"],
            "true_simple": x["true_simple"],
            **{
                f"{cg}_{k}": x[cg]["simple"][k]
                for cg in CONTROL_GROUPS
                for k in ("est", "se_analytic", "se_boot")
            },
            "twfe_est": x["twfe"]["est"],
            "twfe_se": x["twfe"]["se"],
            "uniform_cover_nyt": x["notyettreated"]["dynamic"]["cover_uniform"],
        }
        for x in sorted(records, key=lambda r: r["seed"])
    ]
    payload = {"meta": meta, "summary": summary, "replications": per_rep}
    json_path = args.out / f"{args.tag}.json"
    json_path.write_text(json.dumps(payload, indent=1, allow_nan=True) + "\n", encoding="utf-8")
    md_path = args.out / f"{args.tag}.md"
    md_path.write_text(markdown(summary, meta), encoding="utf-8")
    print(f"wrote {json_path} and {md_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
