"""Benchmark ``improve.did.att_gt`` (+ ``aggregate``) against peer implementations.

Simulates a staggered balanced panel and times the ATT(g,t) estimation (analytic SEs)
followed by the dynamic aggregation. Peers (``moderndid``, ``diff_diff``) are timed when
importable, i.e. when run from the reference virtualenv with the project on the path::

    .venv/bin/python benchmarks/bench_att_gt.py --units 20000 --periods 8
    PYTHONPATH=src /tmp/refvenv/bin/python benchmarks/bench_att_gt.py --peers

Results print as one line per implementation: best wall time over ``--reps`` runs and the
largest absolute ATT(g,t) difference from the first implementation that ran.
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd


def simulate(n_units: int, n_periods: int, seed: int = 0) -> pd.DataFrame:
    """Balanced panel with cohorts treated from period 3 on, plus never-treated units."""
    rng = np.random.default_rng(seed)
    periods = np.arange(1, n_periods + 1)
    cohorts = np.concatenate([[0], np.arange(3, n_periods + 1)])
    g = rng.choice(cohorts, size=n_units)
    x = rng.normal(size=n_units)
    unit = np.repeat(np.arange(n_units), n_periods)
    t = np.tile(periods, n_units)
    gg = np.repeat(g, n_periods)
    xx = np.repeat(x, n_periods)
    e = t - gg
    tau = np.where((gg > 0) & (e >= 0), 1.0 + 0.3 * e, 0.0)
    alpha = np.repeat(rng.normal(size=n_units) + 0.5 * x, n_periods)
    y = alpha + 0.2 * t + 0.3 * xx * t / n_periods + tau + rng.normal(size=unit.size)
    return pd.DataFrame({"id": unit, "t": t, "g": gg, "x": xx, "y": y})


def _time(fn: Callable[[], np.ndarray], reps: int) -> tuple[float, np.ndarray]:
    best = np.inf
    out = np.array([])
    for _ in range(reps):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def run_improve(df: pd.DataFrame, covariates: bool) -> np.ndarray:
    from improve.did import aggregate, att_gt

    res = att_gt(df, "y", unit="id", time="t", cohort="g", covariates=["x"] if covariates else None)
    aggregate(res, "dynamic")
    return res.att


def run_moderndid(df: pd.DataFrame, covariates: bool) -> np.ndarray:
    import moderndid as md

    res = md.att_gt(
        df,
        yname="y",
        tname="t",
        idname="id",
        gname="g",
        xformla="~x" if covariates else None,
        boot=False,
        cband=False,
    )
    md.aggte(res, type="dynamic", boot=False, cband=False)
    return np.asarray(res.att_gt)


def run_diff_diff(df: pd.DataFrame, covariates: bool) -> np.ndarray:
    from diff_diff import CallawaySantAnna

    est = CallawaySantAnna(control_group="never_treated", estimation_method="dr")
    res = est.fit(
        df,
        outcome="y",
        unit="id",
        time="t",
        first_treat="g",
        covariates=["x"] if covariates else None,
        aggregate="event_study",
    )
    eff = res.group_time_effects
    keys = sorted(eff)
    return np.array([eff[k]["effect"] for k in keys])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=20_000)
    ap.add_argument("--periods", type=int, default=8)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--covariates", action="store_true")
    ap.add_argument("--peers", action="store_true", help="also time moderndid and diff_diff")
    args = ap.parse_args()

    df = simulate(args.units, args.periods)
    print(
        f"panel: {args.units} units x {args.periods} periods, "
        f"covariates={'x' if args.covariates else 'none'}"
    )
    impls: dict[str, Callable[[pd.DataFrame, bool], np.ndarray]] = {"improve": run_improve}
    if args.peers:
        impls.update({"moderndid": run_moderndid, "diff_diff": run_diff_diff})
    ref = None
    first = ""
    base_secs = None
    for name, fn in impls.items():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                secs, att = _time(lambda fn=fn: fn(df, args.covariates), args.reps)
        except ImportError as exc:
            print(f"{name:10s} not available ({exc})")
            continue
        if ref is None:
            ref, first, base_secs = att, name, secs
        diff = float(np.nanmax(np.abs(att - ref))) if att.shape == ref.shape else float("nan")
        ratio = secs / base_secs if base_secs else float("nan")
        print(
            f"{name:10s} {secs:8.3f} s  ({ratio:5.2f} x {first})   max |ATT - {first}| = {diff:.2e}"
        )


if __name__ == "__main__":
    main()
