"""Size of the synthetic-control permutation test under no effect (simulated state panels).

Each replication draws a 50-state panel (``improve.demo.states.simulate_state_panel``) with
no effect, in which four states adopt together in 2018, and runs
``improve.synth.permutation_test`` for SDID, SC and DID. Reported: the share of replications
rejecting at 5% and 10%, with its Monte Carlo standard error. Under exchangeability a valid
test rejects at most 5% (10%).

Usage::

    .venv/bin/python benchmarks/synth_permutation_size.py --reps 100

Writes ``benchmarks/montecarlo_results/synth_permutation_size.{json,md}``; per-replication
p-values are appended to a ``.jsonl`` file as they finish.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np

from improve.demo.states import STATES, simulate_state_panel
from improve.synth import did_estimate, permutation_test, sc_estimate, synthdid_estimate

OUT = Path(__file__).resolve().parent / "montecarlo_results"
ESTIMATORS = {"sdid": synthdid_estimate, "sc": sc_estimate, "did": did_estimate}


def replicate(seed: int) -> dict[str, float]:
    """Permutation p-values of the three estimators on one null panel."""
    panel = simulate_state_panel(adoption={s: 2018 for s in STATES[:4]}, effect=0.0, seed=seed)
    out = {}
    for name, estimator in ESTIMATORS.items():
        res = estimator(panel.data, "math_g4", unit="state", time="year", cohort="mandate_year")
        out[name] = permutation_test(res).p_value
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=100)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    start = time.time()
    rows = []
    with (OUT / "synth_permutation_size.jsonl").open("w") as fh:
        for seed in range(args.reps):
            rows.append(replicate(seed))
            fh.write(json.dumps({"seed": seed, **rows[-1]}) + "\n")
            fh.flush()
    summary = {}
    for name in ESTIMATORS:
        p = np.array([r[name] for r in rows])
        summary[name] = {
            level: {
                "rejects": float(np.mean(p <= level)),
                "mcse": float(np.sqrt(np.mean(p <= level) * (1 - np.mean(p <= level)) / p.size)),
            }
            for level in (0.05, 0.10)
        }
    meta = {"reps": args.reps, "seconds": time.time() - start, "machine": platform.machine()}
    (OUT / "synth_permutation_size.json").write_text(
        json.dumps({"meta": meta, "summary": summary}, indent=2, sort_keys=True) + "\n"
    )
    lines = [
        "# Permutation test size, four states adopting together (no effect)",
        "",
        f"{args.reps} replications; {meta['seconds']:.0f} s on {meta['machine']}. Regenerate "
        "with `python benchmarks/synth_permutation_size.py`.",
        "",
        "| method | rejects at 5% (MCSE) | rejects at 10% (MCSE) |",
        "|---|---|---|",
    ]
    for name, s in summary.items():
        lines.append(
            f"| {name} | {100 * s[0.05]['rejects']:.1f}% ({100 * s[0.05]['mcse']:.1f}) | "
            f"{100 * s[0.1]['rejects']:.1f}% ({100 * s[0.1]['mcse']:.1f}) |"
        )
    (OUT / "synth_permutation_size.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
