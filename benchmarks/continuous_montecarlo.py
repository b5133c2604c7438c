"""Monte Carlo study of ``improve.did.continuous`` on a panel with a known dose-response.

Each replication draws a balanced panel of ``n`` units over 6 periods: 30% never treated,
the rest in cohorts 3, 4, 5 with a dose ``D ~ Uniform(0.5, 2)``; unit and period effects,
unit-specific linear trends unrelated to the dose, i.i.d. N(0, 1) noise, and the effect
``(1 + 0.2 e) h(D)`` in event time ``e >= 0`` with ``h(d) = 1 + 2 d - 0.5 d^2`` (so the
cubic the estimator fits contains the truth). The true ATT(d) is ``c h(d)`` and ACRT(d)
``c h'(d)`` with ``c`` the estimator's weighted average of ``1 + 0.2 e`` over post cells;
the true ATT^o and ACRT^o are the same averages of each treated unit's own effect and slope.

Reported: bias and its Monte Carlo SE, coverage of 95% pointwise intervals of ATT(d) and
ACRT(d) at five doses, coverage of the 95% uniform bands (all five doses at once), coverage
of ATT^o and ACRT^o, and mean SE over the Monte Carlo SD.

Usage::

    .venv/bin/python benchmarks/continuous_montecarlo.py              # 500 replications
    .venv/bin/python benchmarks/continuous_montecarlo.py --reps 20    # timing check

Writes ``benchmarks/montecarlo_results/continuous_montecarlo.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from improve.did.continuous import cont_did

OUT = Path(__file__).resolve().parent / "montecarlo_results"
DOSES = np.array([0.75, 1.0, 1.25, 1.5, 1.75])
COHORTS = (3, 4, 5)
PERIODS = 6


def h(d: np.ndarray) -> np.ndarray:
    """True dose-response shape."""
    return 1.0 + 2.0 * d - 0.5 * d**2


def h_slope(d: np.ndarray) -> np.ndarray:
    return 2.0 - d


def simulate(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """One panel (columns id, t, g, dose, y)."""
    g = np.where(rng.random(n) < 0.3, 0, rng.choice(COHORTS, n))
    dose = np.where(g > 0, rng.uniform(0.5, 2.0, n), 0.0)
    alpha, trend = rng.normal(0, 1, n), rng.normal(0, 0.2, n)
    t = np.arange(1, PERIODS + 1)
    e = t[None, :] - g[:, None]
    effect = np.where((g[:, None] > 0) & (e >= 0), (1 + 0.2 * e) * h(dose)[:, None], 0.0)
    y = alpha[:, None] + 0.5 * t[None, :] + trend[:, None] * t[None, :] + effect
    y = y + rng.normal(0, 1, (n, PERIODS))
    return pd.DataFrame(
        {
            "id": np.repeat(np.arange(n), PERIODS),
            "t": np.tile(t, n),
            "g": np.repeat(g, PERIODS),
            "dose": np.repeat(dose, PERIODS),
            "y": y.ravel(),
        }
    )


def truth(df: pd.DataFrame) -> dict[str, Any]:
    """True ATT(d), ACRT(d) at :data:`DOSES`, ATT^o and ACRT^o for this sample."""
    unit = df.groupby("id")[["g", "dose"]].first()
    treated = unit[unit["g"] > 0]
    sizes = treated["g"].value_counts()
    w_g = sizes / sizes.sum()
    c_g = {g: np.mean(1 + 0.2 * np.arange(PERIODS - g + 1)) for g in sizes.index}
    c = float(sum(w_g[g] * c_g[g] for g in sizes.index))
    cell_att = {g: h(treated.loc[treated["g"] == g, "dose"].to_numpy()).mean() for g in sizes.index}
    cell_slope = {
        g: h_slope(treated.loc[treated["g"] == g, "dose"].to_numpy()).mean() for g in sizes.index
    }
    return {
        "att_d": c * h(DOSES),
        "acrt_d": c * h_slope(DOSES),
        "att_o": float(sum(w_g[g] * c_g[g] * cell_att[g] for g in sizes.index)),
        "acrt_o": float(sum(w_g[g] * c_g[g] * cell_slope[g] for g in sizes.index)),
    }


def one_replication(seed: int, n: int, biters: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    df = simulate(n, rng)
    res = cont_did(
        df, "y", dose="dose", unit="id", time="t", cohort="g", dvals=DOSES, biters=biters, seed=seed
    )
    tr = truth(df)
    tidy = res.tidy()
    out: dict[str, Any] = {}
    for key, param, true in (
        ("att_d", "ATT(d)", tr["att_d"]),
        ("acrt_d", "ACRT(d)", tr["acrt_d"]),
        ("att_o", "ATT^o", [tr["att_o"]]),
        ("acrt_o", "ACRT^o", [tr["acrt_o"]]),
    ):
        rows = tidy[tidy["parameter"] == param]
        true = np.asarray(true)
        out[key] = {
            "error": (rows["estimate"].to_numpy() - true).tolist(),
            "se": rows["std_error"].tolist(),
            "cover": ((rows["conf_low"] <= true) & (true <= rows["conf_high"])).tolist(),
        }
        if "conf_low_uniform" in rows and param.endswith("(d)"):
            inside = (rows["conf_low_uniform"] <= true) & (true <= rows["conf_high_uniform"])
            out[key]["cover_uniform"] = bool(inside.all())
    return out


def summarize(reps: list[dict[str, Any]]) -> dict[str, Any]:
    """Bias, its MC SE, coverage and SE ratio per quantity and dose."""
    summary: dict[str, Any] = {}
    for key in ("att_d", "acrt_d", "att_o", "acrt_o"):
        err = np.array([r[key]["error"] for r in reps])
        se = np.array([r[key]["se"] for r in reps])
        cover = np.array([r[key]["cover"] for r in reps], dtype=float)
        summary[key] = {
            "bias": err.mean(axis=0).tolist(),
            "bias_mc_se": (err.std(axis=0, ddof=1) / np.sqrt(len(reps))).tolist(),
            "coverage": cover.mean(axis=0).tolist(),
            "se_over_sd": (se.mean(axis=0) / err.std(axis=0, ddof=1)).tolist(),
        }
        if "cover_uniform" in reps[0][key]:
            summary[key]["coverage_uniform"] = float(
                np.mean([r[key]["cover_uniform"] for r in reps])
            )
    return summary


def run(reps: int, n: int, biters: int, seed: int = 20261204) -> dict[str, Any]:
    seeds = np.random.SeedSequence(seed).generate_state(reps)
    out = [one_replication(int(s), n, biters) for s in seeds]
    return {
        "reps": reps,
        "n": n,
        "biters": biters,
        "seed": seed,
        "doses": DOSES.tolist(),
        "summary": summarize(out),
    }


def _markdown(res: dict[str, Any], seconds: float) -> str:
    lines = [
        "# Monte Carlo: continuous-treatment DiD (improve.did.continuous)",
        "",
        f"{res['reps']} replications, {res['n']} units, 6 periods, cohorts 3/4/5 and 30% never "
        f"treated, dose U(0.5, 2), effect (1 + 0.2 e)(1 + 2d - 0.5d^2); cubic, not-yet-treated "
        f"comparison, {res['biters']} bootstrap draws for uniform bands; {seconds:.0f} s.",
        "",
        "| quantity | dose | bias | MC SE of bias | 95% coverage | uniform-band coverage | "
        "mean SE / SD |",
        "|---|---|---|---|---|---|---|",
    ]
    for key, label in (
        ("att_d", "ATT(d)"),
        ("acrt_d", "ACRT(d)"),
        ("att_o", "ATT^o"),
        ("acrt_o", "ACRT^o"),
    ):
        s = res["summary"][key]
        doses = res["doses"] if key.endswith("_d") else ["—"]
        for i, d in enumerate(doses):
            band = f"{s['coverage_uniform']:.3f}" if "coverage_uniform" in s and i == 0 else ""
            lines.append(
                f"| {label} | {d} | {s['bias'][i]:.4f} | {s['bias_mc_se'][i]:.4f} | "
                f"{s['coverage'][i]:.3f} | {band} | {s['se_over_sd'][i]:.3f} |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=500)
    parser.add_argument("--n", type=int, default=600)
    parser.add_argument("--biters", type=int, default=499)
    args = parser.parse_args()
    start = time.time()
    res = run(args.reps, args.n, args.biters)
    seconds = time.time() - start
    OUT.mkdir(exist_ok=True)
    (OUT / "continuous_montecarlo.json").write_text(json.dumps(res, indent=1) + "\n")
    (OUT / "continuous_montecarlo.md").write_text(_markdown(res, seconds))
    print(_markdown(res, seconds))


if __name__ == "__main__":
    main()
