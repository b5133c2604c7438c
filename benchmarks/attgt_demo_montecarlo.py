"""The draws behind ``tests/did/test_attgt_montecarlo_demo.py``: bias and coverage on the demo.

A small version of ``benchmarks/did_montecarlo.py`` (1,000 replications): ``--reps`` draws
(default 100, seeds 7001, 7002, ...) of the demo design itself (``simulate_schools``: 60
districts of very uneven size, 700 schools). Each draw stores the simple ATT (analytic and
multiplier-bootstrap standard errors, 199 bootstrap draws, whether each 95% interval covers
the draw's sample truth) for both comparison groups, the not-yet-treated event-study effects
with their truths and whether the uniform band covers them all, and the static two-way fixed
effects coefficient.

The test checks the criteria on the stored draws and recomputes a few of them live (they must
equal the stored numbers), so the stored file cannot drift from the code.

Usage::

    .venv/bin/python benchmarks/attgt_demo_montecarlo.py --processes 2

Writes ``benchmarks/montecarlo_results/attgt_demo_montecarlo.json``.
"""

from __future__ import annotations

import argparse
import json
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from improve.demo.schools import simulate_schools, true_effects
from improve.did import aggregate, att_gt
from improve.did.twfe import twfe

OUT = Path(__file__).resolve().parent / "montecarlo_results"
RESULTS = OUT / "attgt_demo_montecarlo.json"
REPS = 100
SEED0 = 7001
N_DISTRICTS = 60
N_SCHOOLS = 700
N_BOOT = 199
COLS = {
    "unit": "school_id",
    "time": "school_year",
    "cohort": "first_grant_year",
    "cluster": "district_id",
}
CONTROL_GROUPS = ("notyettreated", "nevertreated")


def one(seed: int) -> dict[str, object]:
    """One draw of the demo design and its estimates (JSON-ready).

    Parameters
    ----------
    seed : int
        Seed of ``simulate_schools`` and of the multiplier bootstrap.

    Returns
    -------
    dict
        ``seed``, ``truth`` (the sample simple ATT); per comparison group a list
        ``[estimate, analytic SE, bootstrap SE, analytic covers, bootstrap covers]``;
        ``uniform_cover``; ``dyn``: ``{event time: [estimate, truth]}`` for event times 0+;
        ``twfe``: the static TWFE coefficient.
    """
    cfg = {"n_districts": N_DISTRICTS, "n_schools": N_SCHOOLS}
    df = simulate_schools(seed=seed, **cfg)
    truth = true_effects(seed=seed, **cfg)["outcomes"]["math_ss"]
    true_dyn = {d["event_time"]: d["att"] for d in truth["dynamic"]}
    truth_s = float(truth["simple"])
    out: dict[str, object] = {"seed": seed, "truth": truth_s}
    for cg in CONTROL_GROUPS:
        res = att_gt(
            df, "math_ss", **COLS, control_group=cg, bootstrap=True, n_boot=N_BOOT, seed=seed
        )
        ana = aggregate(res, "simple", bootstrap=False).tidy().iloc[0]
        boo = aggregate(res, "simple").tidy().iloc[0]
        out[cg] = [
            float(ana["estimate"]),
            float(ana["std_error"]),
            float(boo["std_error"]),
            bool(ana["conf_low"] <= truth_s <= ana["conf_high"]),
            bool(boo["conf_low"] <= truth_s <= boo["conf_high"]),
        ]
        if cg == "notyettreated":
            dyn = aggregate(res, "dynamic").tidy().iloc[1:]
            e = dyn["event_time"].astype(int).to_numpy()
            te = np.array([true_dyn[k] for k in e])
            inside = (dyn["conf_low_uniform"] <= te) & (te <= dyn["conf_high_uniform"])
            out["uniform_cover"] = bool(inside.all())
            pairs = zip(e, dyn["estimate"], te, strict=True)
            out["dyn"] = {str(int(k)): [float(v), float(t)] for k, v, t in pairs}
    tw = twfe(df, "math_ss", **COLS).tidy()
    out["twfe"] = float(tw.loc[tw["term"] == "post", "estimate"].iloc[0])
    return out


def run(reps: int = REPS, seed0: int = SEED0, processes: int = 1) -> dict[str, object]:
    """``reps`` draws from ``seed0`` on, with the settings that produced them."""
    seeds = range(seed0, seed0 + reps)
    t0 = time.perf_counter()
    if processes > 1:
        with ProcessPoolExecutor(processes) as pool:
            draws = list(pool.map(one, seeds))
    else:
        draws = [one(s) for s in seeds]
    meta = {
        "reps": reps,
        "seed0": seed0,
        "n_districts": N_DISTRICTS,
        "n_schools": N_SCHOOLS,
        "n_boot": N_BOOT,
        "runtime_s": round(time.perf_counter() - t0, 1),
        "command": f"python benchmarks/attgt_demo_montecarlo.py --reps {reps} --seed0 {seed0}",
    }
    return {"meta": meta, "draws": draws}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=REPS)
    parser.add_argument("--seed0", type=int, default=SEED0)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    result = run(args.reps, args.seed0, args.processes)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"{args.reps} draws in {result['meta']['runtime_s']} s -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
