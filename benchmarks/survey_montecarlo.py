"""Monte Carlo study of raked survey estimates on the simulated post-event survey.

Each replication draws a new population of 600 TA participants
(``improve.demo.survey.simulate_post_event`` with its own seed): answers for everyone, and a
response that depends on role (teachers 30%, principals 50%, district staff 75%) while
satisfaction also depends on role, so respondents over-represent the less satisfied.
For two shares, "the content was useful" (top two of five answers) and "needs support with
data use", it compares the unweighted share of respondents and the share raked to the
population's role and region counts with its Taylor-linearised standard error and logit
interval (``improve.survey``) against the true share over all 600 participants.

Reported: bias (and its Monte Carlo SE), coverage of 95% intervals, mean SE over the Monte
Carlo SD of the estimates. Treating respondents as drawn with replacement (no
finite-population correction) makes intervals conservative for the finite-population truth
when about 45% of the population responds; the "finite population" rows use the correction
``1 - n/N`` with N = the 600 invited.

Usage::

    .venv/bin/python benchmarks/survey_montecarlo.py               # 1000 replications
    .venv/bin/python benchmarks/survey_montecarlo.py --reps 20     # timing check

Writes ``benchmarks/montecarlo_results/survey_montecarlo.json`` and ``survey_montecarlo.md``.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd

from improve.demo.survey import simulate_post_event
from improve.survey.design import SurveyDesign
from improve.survey.items import share_with_interval
from improve.survey.weights import rake

OUT = Path(__file__).resolve().parent / "montecarlo_results"
SHARES = {"content useful (top two)": ("Q1_2", 4), "needs data use": ("Q3_1", 1)}
MARGINS = ("role", "region")


def replicate(seed: int, level: float = 0.95) -> list[dict]:
    """One population, its respondents, unweighted and raked estimates of each share."""
    pop = simulate_post_event(seed=seed)
    everyone = pop.answers
    resp = everyone[pop.responded].reset_index(drop=True)
    margins = {m: everyone[m].value_counts().to_dict() for m in MARGINS}
    raked = rake(resp, margins)
    designs = {
        "unweighted": SurveyDesign.simple(len(resp)),
        "raked": SurveyDesign(
            raked.weights.to_numpy(),
            raked_margins={k: v.to_numpy() for k, v in raked.margins.items()},
        ),
        "raked, finite population": SurveyDesign(
            raked.weights.to_numpy(),
            raked_margins={k: v.to_numpy() for k, v in raked.margins.items()},
            fpc=np.full(len(resp), float(len(everyone))),
        ),
    }
    rows = []
    for share, (column, cut) in SHARES.items():
        truth = float(np.mean(everyone[column].astype(float) >= cut))
        y = (resp[column].astype(float) >= cut).to_numpy(float)
        for name, design in designs.items():
            est, se, low, high = share_with_interval(y, design, level)
            rows.append(
                {
                    "seed": seed,
                    "share": share,
                    "weights": name,
                    "truth": truth,
                    "estimate": est,
                    "std_error": se,
                    "covered": low <= truth <= high,
                }
            )
    return rows


def summarise(rows: list[dict]) -> pd.DataFrame:
    """Bias, its Monte Carlo SE, coverage and SE/SD per share and weighting."""
    frame = pd.DataFrame(rows)
    frame["error"] = frame["estimate"] - frame["truth"]
    out = frame.groupby(["share", "weights"], sort=False).agg(
        bias=("error", "mean"),
        error_sd=("error", "std"),
        coverage=("covered", "mean"),
        mean_se=("std_error", "mean"),
        sd_estimate=("estimate", "std"),
        reps=("seed", "size"),
    )
    out["bias_mc_se"] = out["error_sd"] / np.sqrt(out["reps"])
    out["se_over_sd"] = out["mean_se"] / out["error_sd"]
    return out.reset_index()[
        [
            "share",
            "weights",
            "reps",
            "bias",
            "bias_mc_se",
            "coverage",
            "mean_se",
            "error_sd",
            "se_over_sd",
        ]
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=1000)
    parser.add_argument("--first-seed", type=int, default=1)
    args = parser.parse_args()
    start = time.perf_counter()
    rows = [r for s in range(args.first_seed, args.first_seed + args.reps) for r in replicate(s)]
    table = summarise(rows)
    seconds = time.perf_counter() - start
    OUT.mkdir(exist_ok=True)
    payload = {
        "reps": args.reps,
        "first_seed": args.first_seed,
        "seconds": round(seconds, 1),
        "python": platform.python_version(),
        "results": table.to_dict(orient="records"),
    }
    (OUT / "survey_montecarlo.json").write_text(json.dumps(payload, indent=2) + "\n")
    lines = [
        "# Raked survey shares: Monte Carlo",
        "",
        f"{args.reps} populations of 600 participants (seeds {args.first_seed}–"
        f"{args.first_seed + args.reps - 1}); truth = share over all 600; 95% logit intervals.",
        "",
        table.to_markdown(index=False, floatfmt=".4f"),
        "",
        f"Run time {seconds:.0f} s.",
    ]
    (OUT / "survey_montecarlo.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
