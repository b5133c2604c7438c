"""The draws behind ``tests/did/test_pretest_calibration.py``: pre-trend tests on the demo.

Three sets of draws of the demo generator (``simulate_schools``: 60 districts of very
unequal size), each draw storing its seed and p-values:

* ``null`` (seeds 9000+, 120 draws, no violation): ``pretrend_wald`` on the CR2 covariance of
  ``att_gt`` (not-yet-treated), event times -5 to -1: the HTZ F p-value, the large-sample
  chi-squared p-value on the same covariance and the method used;
* ``power`` (seeds 9500+, 20 draws, the generator's built-in violation): the same test;
* ``regressions`` (seeds 9200+, 60 draws, no violation): the restricted wild cluster
  bootstrap pre-test (``pretrend_wild``) of the Sun-Abraham and dynamic TWFE event studies.

The test checks the size and power criteria on the stored draws and recomputes a few of them
live (they must equal the stored numbers), so the stored file cannot drift from the code.

Usage::

    .venv/bin/python benchmarks/pretest_montecarlo.py --processes 2

Writes ``benchmarks/montecarlo_results/pretest_montecarlo.json``.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from improve.demo.schools import simulate_schools
from improve.did import att_gt, sunab, twfe
from improve.did.pretest import pretrend_wald, pretrend_wild

OUT = Path(__file__).resolve().parent / "montecarlo_results"
RESULTS = OUT / "pretest_montecarlo.json"
COLS = {
    "unit": "school_id",
    "time": "school_year",
    "cohort": "first_grant_year",
    "cluster": "district_id",
}
VIOLATION = 0.15  # SD of the outcome per year, early cohorts (see simulate_schools)
MIN_E = -5  # the event_study_diagnostics workbook's default window
# (first seed, draws, violation) of each set
DESIGNS = {
    "null": (9000, 120, 0.0),
    "power": (9500, 20, VIOLATION),
    "regressions": (9200, 60, 0.0),
}


def pretest(seed: int, violation: float) -> dict[str, object]:
    """``pretrend_wald`` after ``att_gt`` on one draw: HTZ F and chi-squared p-values."""
    df = simulate_schools(seed=seed, pretrend_violation=violation)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = att_gt(df, "math_ss", **COLS, control_group="notyettreated")
        test = pretrend_wald(res, min_e=MIN_E)
    return {
        "seed": seed,
        "p_value": float(test.p_value),
        "chi2_p_value": float(test.chi2_p_value),
        "method": test.method,
    }


def pretest_regressions(seed: int, violation: float) -> dict[str, object]:
    """Wild-bootstrap pre-test p-values of the Sun-Abraham and dynamic TWFE event studies."""
    df = simulate_schools(seed=seed, pretrend_violation=violation)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sa = sunab(df, "math_ss", **COLS, min_e=MIN_E, max_e=5)
        tw = twfe(df, "math_ss", **COLS, dynamic=True, min_e=MIN_E, max_e=5)
    return {
        "seed": seed,
        "p_sunab": float(pretrend_wild(sa).p_value),
        "p_twfe": float(pretrend_wild(tw).p_value),
    }


def draw(design: str, seed: int) -> dict[str, object]:
    """One draw of a design (``null``, ``power`` or ``regressions``)."""
    violation = DESIGNS[design][2]
    if design == "regressions":
        return pretest_regressions(seed, violation)
    return pretest(seed, violation)


def _draw(args: tuple[str, int]) -> dict[str, object]:
    return draw(*args)


def run(processes: int = 1) -> dict[str, object]:
    """Every draw of every design, with the settings that produced them."""
    jobs = [(d, s0 + i) for d, (s0, n, _) in DESIGNS.items() for i in range(n)]
    t0 = time.perf_counter()
    if processes > 1:
        with ProcessPoolExecutor(processes) as pool:
            rows = list(pool.map(_draw, jobs))
    else:
        rows = [_draw(j) for j in jobs]
    draws = {d: [r for (name, _), r in zip(jobs, rows, strict=True) if name == d] for d in DESIGNS}
    meta = {
        "designs": {
            d: {"seed0": s0, "reps": n, "violation": v} for d, (s0, n, v) in DESIGNS.items()
        },
        "min_e": MIN_E,
        "runtime_s": round(time.perf_counter() - t0, 1),
        "command": "python benchmarks/pretest_montecarlo.py",
    }
    return {"meta": meta, "draws": draws}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    result = run(args.processes)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"pre-test draws in {result['meta']['runtime_s']} s -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
