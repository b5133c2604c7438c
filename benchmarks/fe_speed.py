"""Speed and memory of ``improve.fe.panel_regression`` against linearmodels and pyfixest.

Design: a student panel with ``--rows`` rows (default 2,000,000): students followed for 5
years in 1,000 schools (students do not move), a continuous dose that varies by school and
year and across classrooms (so it is not absorbed), a student-level covariate, standard
errors clustered by school. Two settings, the issue-#22 targets:

* ``unit_year``:        ``y ~ dose | student + year`` (one regressor, unit and year effects);
* ``unit_schoolyear``:  ``y ~ dose + x | student + school×year`` (school-by-year absorbed).

Implementations (each in a fresh child process; same simulated data, same seed):

* ``improve``       ``panel_regression(..., se="cr1")`` (own within transformation);
* ``improve_cr2``   the same model with ``se="cr2"``;
* ``linearmodels``  the PanelOLS model improve follows, run directly from the same DataFrame
                    (``set_index`` + ``PanelOLS(...).fit(cov_type="clustered", ...)``);
* ``pyfixest``      ``feols(..., vcov={"CRV1": "school"})`` with the same small-sample
                    convention (``--peer-python`` to run it in another interpreter).

Time is the best wall time of ``--reps`` runs; memory is the peak resident set size of the
child after the runs minus its size after the data were simulated (``ru_maxrss``), i.e. the
extra memory the estimation needs. Coefficients and standard errors are compared with
improve's. The targets: improve (CR1) at most pyfixest's time; CR2 at most 1.5 × CR1.

Usage::

    .venv/bin/python benchmarks/fe_speed.py
    .venv/bin/python benchmarks/fe_speed.py --rows 200000   # quick
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np
import pandas as pd

IMPLS = ("linearmodels", "improve", "improve_cr2", "pyfixest")
SETTINGS = ("unit_year", "unit_schoolyear")


def simulate(rows: int, seed: int = 0) -> pd.DataFrame:
    """Student panel: student, school, year, school_year, dose, x, y."""
    rng = np.random.default_rng(seed)
    years = 5
    n_students = rows // years
    n_schools = 1000
    school_of = rng.integers(0, n_schools, size=n_students)
    student = np.repeat(np.arange(n_students), years)
    school = np.repeat(school_of, years)
    year = np.tile(np.arange(2019, 2019 + years), n_students)
    sy = school * years + (year - 2019)
    dose_sy = rng.gamma(2.0, 0.5, size=n_schools * years)
    x = rng.normal(size=student.size)
    dose = dose_sy[sy] * rng.uniform(0.5, 1.5, size=student.size)  # classroom-level dose
    y = (
        0.3 * dose
        + 0.5 * x
        + rng.normal(size=n_students)[student]
        + rng.normal(size=n_schools * years)[sy]
        + rng.normal(size=student.size)
    )
    return pd.DataFrame(
        {
            "student": student,
            "school": school,
            "year": year,
            "school_year": sy,
            "dose": dose,
            "x": x,
            "y": y,
        }
    )


def run_impl(impl: str, df: pd.DataFrame, setting: str) -> tuple[float, float]:
    """Fit once; return (coefficient on dose, its standard error)."""
    year_only = setting == "unit_year"
    covariates = [] if year_only else ["x"]
    if impl in ("improve", "improve_cr2"):
        from improve.fe import panel_regression

        res = panel_regression(
            df,
            "y",
            "dose",
            covariates=covariates,
            unit="student",
            time="year",
            time_effects=year_only,
            absorb=None if year_only else [("school", "year")],
            cluster="school",
            se="cr2" if impl == "improve_cr2" else "cr1",
        )
        return float(res.estimate[0]), float(res.std_error[0])
    if impl == "linearmodels":
        from linearmodels import PanelOLS

        idx = df.set_index(["student", "year"])
        model = PanelOLS(
            idx["y"],
            idx[["dose", *covariates]],
            entity_effects=True,
            time_effects=year_only,
            other_effects=None if year_only else idx[["school_year"]],
            drop_absorbed=True,
            check_rank=False,
        )
        fit = model.fit(
            cov_type="clustered",
            clusters=idx[["school"]],
            debiased=False,
            auto_df=False,
            count_effects=False,
            group_debias=True,
        )
        n, k = len(df), 1 + len(covariates)
        return float(fit.params["dose"]), float(fit.std_errors["dose"] * np.sqrt(n / (n - k)))
    if impl == "pyfixest":
        import pyfixest as pf

        formula = (
            "y ~ dose | student + year" if year_only else "y ~ dose + x | student + school_year"
        )
        fit = pf.feols(
            formula,
            data=df,
            vcov={"CRV1": "school"},
            ssc=pf.ssc(k_adj=True, k_fixef="none", G_adj=True),
            fixef_rm="none",
        )
        return float(fit.coef()["dose"]), float(fit.se()["dose"])
    raise ValueError(impl)


def child(impl: str, rows: int, reps: int, setting: str) -> None:
    import warnings

    warnings.simplefilter("ignore")
    df = simulate(rows)
    if impl == "pyfixest":
        import pyfixest  # noqa: F401  (import outside the timing)

        run_impl(impl, simulate(20_000), setting)  # JIT compilation outside the timing
    else:
        import linearmodels  # noqa: F401

        import improve.fe  # noqa: F401
    gc.collect()
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    best = np.inf
    for _ in range(reps):
        t0 = time.perf_counter()
        coef, se = run_impl(impl, df, setting)
        best = min(best, time.perf_counter() - t0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"impl": impl, "time": best, "mem_mb": peak - base, "coef": coef, "se": se}))


def run_setting(args: argparse.Namespace, setting: str) -> None:
    """Time every implementation on one setting and print the table and the targets."""
    out = {}
    for impl in IMPLS:
        python = args.peer_python if impl == "pyfixest" and args.peer_python else sys.executable
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
        cmd = [python, __file__, "--child", impl, "--setting", setting]
        cmd += ["--rows", str(args.rows), "--reps", str(args.reps)]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        if proc.returncode != 0:
            print(f"{impl}: failed\n{proc.stderr[-2000:]}")
            continue
        out[impl] = json.loads(proc.stdout.strip().splitlines()[-1])
    ref = out.get("improve")
    model = (
        "y ~ dose | student + year"
        if setting == "unit_year"
        else "y ~ dose + x | student + school×year"
    )
    print(f"\n{setting}: {args.rows:,} rows, {model}, clustered by school (best of {args.reps})\n")
    print(
        "| implementation | time (s) | peak extra memory (MB) | time / pyfixest | "
        "dose coef diff vs improve | SE diff |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    peer = out.get("pyfixest")
    for impl, r in out.items():
        ratio = r["time"] / peer["time"] if peer else float("nan")
        dc = abs(r["coef"] - ref["coef"]) if ref else float("nan")
        ds = abs(r["se"] - ref["se"]) if ref else float("nan")
        print(
            f"| {impl} | {r['time']:.2f} | {r['mem_mb']:.0f} | {ratio:.2f} | {dc:.1e} | {ds:.1e} |"
        )
    if ref and peer:
        ratio = ref["time"] / peer["time"]
        verdict = "holds" if ratio <= 1.0 else "does NOT hold"
        print(f"\nimprove CR1 / pyfixest: {ratio:.2f} (target <= 1: {verdict})")
    if ref and "improve_cr2" in out:
        ratio = out["improve_cr2"]["time"] / ref["time"]
        verdict = "holds" if ratio <= 1.5 else "does NOT hold"
        print(f"improve CR2 / improve CR1: {ratio:.2f} (target <= 1.5: {verdict})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--setting", choices=SETTINGS, default=None, help="default: both")
    parser.add_argument("--peers", action="store_true", help="accepted from run_all.py")
    parser.add_argument("--peer-python", default=None, help="interpreter with pyfixest")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.rows, args.reps, args.setting)
        return
    for setting in [args.setting] if args.setting else SETTINGS:
        run_setting(args, setting)


if __name__ == "__main__":
    main()
