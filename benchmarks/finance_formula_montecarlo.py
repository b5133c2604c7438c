"""Monte Carlo study of the formula change as a continuous treatment (improve.finance).

Each replication simulates a new state with ``improve.demo.finance.simulate_finance_state``
(40 districts, 2016-2023, formula change in 2020, hold-harmless districts as the dose-0
group, true effect +2.0 points of math proficiency per $1,000 of formula aid per pupil) with
its own seed, builds the district panel and estimates:

* ``ACRT^o`` of the dose-response DiD (``improve.formula_change``, CGBS 2024, linear in
  the dose): the average effect of one more $1,000 per pupil of formula funding;
* the fixed-effects slope (district and year effects), clustered by district with CR1 and
  with CR2 (Bell-McCaffrey small-sample correction, Satterthwaite df), for comparison.

Reported: bias (and its Monte Carlo SE), coverage of the 95% interval, mean SE against the
standard deviation of the estimates, and the number of dose-0 districts.

Usage::

    .venv/bin/python benchmarks/finance_formula_montecarlo.py            # 300 replications
    .venv/bin/python benchmarks/finance_formula_montecarlo.py --reps 10  # timing check

Writes ``benchmarks/montecarlo_results/finance_formula_montecarlo.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np

from improve.demo.finance import FINANCE_MAP, simulate_finance_state
from improve.fe import panel_regression
from improve.finance import FinanceMap, NeedWeights, school_table
from improve.finance.design import MIN_UNCHANGED_DISTRICTS
from improve.finance.formula import formula_panel
from improve.formula_change import formula_dose_response

OUT = Path(__file__).resolve().parent / "montecarlo_results"
EFFECT = 2.0
#: Replications stored whole, so a test can recompute them live (the study's other numbers
#: are summaries of all replications).
STORED_DRAWS = 3
OUTCOME = "math_proficient_pct"


def replicate(seed: int, fmap: FinanceMap) -> dict[str, float]:
    """One simulated state: the continuous-DiD ACRT^o and the FE slope with their SEs."""
    demo = simulate_finance_state(seed=seed, effect=EFFECT)
    schools = school_table(demo.data, fmap, NeedWeights.from_parameter(None))
    panel = formula_panel(schools, [OUTCOME])
    did = formula_dose_response(panel, OUTCOME, 2020, biters=0)
    acrt = did.overall().set_index("parameter").loc["ACRT^o"]
    fe, fe_cr2 = (
        panel_regression(
            panel, OUTCOME, "formula_per_pupil_k", unit="district", time="year", se=se
        )
        .tidy()
        .iloc[0]
        for se in ("cr1", "cr2")
    )
    return {
        "acrt": float(acrt["estimate"]), "acrt_se": float(acrt["std_error"]),
        "acrt_low": float(acrt["conf_low"]), "acrt_high": float(acrt["conf_high"]),
        "fe": float(fe["estimate"]), "fe_se": float(fe["std_error"]),
        "fe_low": float(fe["conf_low"]), "fe_high": float(fe["conf_high"]),
        "fe_cr2": float(fe_cr2["estimate"]), "fe_cr2_se": float(fe_cr2["std_error"]),
        "fe_cr2_low": float(fe_cr2["conf_low"]), "fe_cr2_high": float(fe_cr2["conf_high"]),
        "unchanged": float(did.n_unchanged),
    }  # fmt: skip


def finance_map() -> FinanceMap:
    """The demo's column map, read as a partner's map file is."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "columns.yaml"
        path.write_text(FINANCE_MAP, encoding="utf-8")
        return FinanceMap.from_yaml(path)


def study(reps: int, seed: int = 5000) -> dict:
    """Run ``reps`` replications; returns bias, coverage and SE calibration per estimator."""
    fmap = finance_map()
    rows = [replicate(seed + r, fmap) for r in range(reps)]
    cols = {k: np.array([row[k] for row in rows]) for k in rows[0]}
    summary: dict = {"first_draws": {"seed": seed, "rows": rows[:STORED_DRAWS]}}
    for name, label in (
        ("acrt", "dose-response DiD ACRT^o (HC2, Bell-McCaffrey df)"),
        ("fe", "fixed effects slope, CR1 by district"),
        ("fe_cr2", "fixed effects slope, CR2 by district (Satterthwaite df)"),
    ):
        est = cols[name]
        summary[name] = {
            "label": label,
            "truth": EFFECT,
            "mean": float(est.mean()),
            "bias": float(est.mean() - EFFECT),
            "bias_mc_se": float(est.std(ddof=1) / np.sqrt(reps)),
            "sd": float(est.std(ddof=1)),
            "mean_se": float(cols[f"{name}_se"].mean()),
            "coverage": float(
                ((cols[f"{name}_low"] <= EFFECT) & (EFFECT <= cols[f"{name}_high"])).mean()
            ),
        }
    enough = cols["unchanged"] >= MIN_UNCHANGED_DISTRICTS
    covered = (cols["acrt_low"] <= EFFECT) & (EFFECT <= cols["acrt_high"])
    summary["acrt_by_unchanged"] = {
        f"{label} {MIN_UNCHANGED_DISTRICTS} unchanged districts": {
            "reps": int(mask.sum()),
            "coverage": float(covered[mask].mean()) if mask.any() else float("nan"),
            "sd": float(cols["acrt"][mask].std(ddof=1)) if mask.sum() > 1 else float("nan"),
            "mean_se": float(cols["acrt_se"][mask].mean()) if mask.any() else float("nan"),
        }
        for label, mask in (("at least", enough), ("fewer than", ~enough))
    }
    summary["unchanged_districts"] = {
        "min": float(cols["unchanged"].min()),
        "mean": float(cols["unchanged"].mean()),
        "max": float(cols["unchanged"].max()),
    }
    return summary


def markdown(summary: dict, meta: dict) -> str:
    u = summary["unchanged_districts"]
    lines = [
        "# The formula change as a continuous treatment (improve.finance)", "",
        f"{meta['reps']} simulated states (40 districts, 2016-2023, change in 2020, true "
        f"effect {EFFECT} points per $1,000 of formula aid per pupil); dose-0 (held-harmless) "
        f"districts per state: {u['min']:.0f} to {u['max']:.0f} (mean {u['mean']:.1f}). "
        "95% intervals; coverage has a Monte Carlo SE of about "
        f"{np.sqrt(0.95 * 0.05 / meta['reps']):.3f}.", "",
        "| estimator | mean | bias | bias MC SE | SD | mean SE | coverage |",
        "|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    for key in ("acrt", "fe", "fe_cr2"):
        r = summary[key]
        lines.append(
            f"| {r['label']} | {r['mean']:.3f} | {r['bias']:.3f} | {r['bias_mc_se']:.3f} | "
            f"{r['sd']:.3f} | {r['mean_se']:.3f} | {r['coverage']:.3f} |"
        )
    lines += ["", "ACRT^o by the number of dose-0 districts (the design check warns below "
              f"{MIN_UNCHANGED_DISTRICTS}):", "",
              "| states | replications | coverage | SD | mean SE |",
              "|---|---|---|---|---|"]  # fmt: skip
    for label, r in summary["acrt_by_unchanged"].items():
        lines.append(
            f"| {label} | {r['reps']} | {r['coverage']:.3f} | {r['sd']:.3f} | {r['mean_se']:.3f} |"
        )
    lines += ["", f"Run {meta['date']} in {meta['seconds']:.0f} s on Python {meta['python']}.", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=300)
    args = parser.parse_args()
    start = time.time()
    summary = study(args.reps)
    meta = {"reps": args.reps, "seconds": time.time() - start,
            "python": platform.python_version(), "date": time.strftime("%Y-%m-%d")}  # fmt: skip
    OUT.mkdir(exist_ok=True)
    (OUT / "finance_formula_montecarlo.json").write_text(
        json.dumps({"meta": meta, "summary": summary}, indent=2) + "\n"
    )
    (OUT / "finance_formula_montecarlo.md").write_text(markdown(summary, meta))
    print(markdown(summary, meta))


if __name__ == "__main__":
    main()
