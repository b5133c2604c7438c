"""Speed and memory of ``improve.fe.panel_regression`` against linearmodels and pyfixest.

Design: a student panel with ``--rows`` rows (default 2,000,000): students followed for 5
years in 1,000 schools (students do not move), a continuous dose that varies by school and
year and across classrooms (so it is not absorbed), a student-level covariate, student
effects and school-by-year effects absorbed, standard errors clustered by school (CR1). The model::

    y ~ dose + x | student + school×year,  cluster = school

Implementations (each in a fresh child process; same simulated data, same seed):

* ``improve``       ``panel_regression(df, "y", "dose", covariates=["x"], unit="student",
                    time="year", time_effects=False, absorb=[("school", "year")],
                    cluster="school")`` (engine: PanelOLS with entity + other effects);
* ``linearmodels``  the PanelOLS call improve makes, run directly from the same DataFrame
                    (``set_index`` + ``PanelOLS(..., entity_effects=True, other_effects=...)
                    .fit(cov_type="clustered", ...)``);
* ``improve_cr2``   the same model with ``se="cr2"`` (our own CR2 on top of linearmodels);
* ``pyfixest``      ``feols("y ~ dose + x | student + school_year", vcov={"CRV1": "school"})``
                    (run with ``--peer-python``, the reference interpreter, since pyfixest is
                    not a project dependency).

Time is the best wall time of ``--reps`` runs; memory is the peak resident set size of the
child after the runs minus its size after the data were simulated (``ru_maxrss``), i.e.
the extra memory the estimation needs. The wrapper overhead is improve's time divided by
linearmodels' time (the engine it calls). Coefficients are checked against improve's.

Usage::

    .venv/bin/python benchmarks/fe_speed.py --peer-python /tmp/fevenv/bin/python
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


def run_impl(impl: str, df: pd.DataFrame) -> tuple[float, float]:
    """Fit once; return (coefficient on dose, its standard error)."""
    if impl in ("improve", "improve_cr2"):
        from improve.fe import panel_regression

        res = panel_regression(
            df,
            "y",
            "dose",
            covariates=["x"],
            unit="student",
            time="year",
            time_effects=False,
            absorb=[("school", "year")],
            cluster="school",
            se="cr2" if impl == "improve_cr2" else "cr1",
        )
        return float(res.estimate[0]), float(res.std_error[0])
    if impl == "linearmodels":
        from linearmodels import PanelOLS

        idx = df.set_index(["student", "year"])
        model = PanelOLS(
            idx["y"],
            idx[["dose", "x"]],
            entity_effects=True,
            other_effects=idx[["school_year"]],
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
        n, k = len(df), 2
        return float(fit.params["dose"]), float(fit.std_errors["dose"] * np.sqrt(n / (n - k)))
    if impl == "pyfixest":
        import pyfixest as pf

        fit = pf.feols(
            "y ~ dose + x | student + school_year",
            data=df,
            vcov={"CRV1": "school"},
            ssc=pf.ssc(k_adj=True, k_fixef="none", G_adj=True),
            fixef_rm="none",
        )
        return float(fit.coef()["dose"]), float(fit.se()["dose"])
    raise ValueError(impl)


def child(impl: str, rows: int, reps: int) -> None:
    import warnings

    warnings.simplefilter("ignore")
    df = simulate(rows)
    if impl == "pyfixest":
        import pyfixest  # noqa: F401  (import outside the timing)
    else:
        import linearmodels  # noqa: F401

        import improve.fe  # noqa: F401
    gc.collect()
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    best = np.inf
    for _ in range(reps):
        t0 = time.perf_counter()
        coef, se = run_impl(impl, df)
        best = min(best, time.perf_counter() - t0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"impl": impl, "time": best, "mem_mb": peak - base, "coef": coef, "se": se}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--peer-python", default=None, help="interpreter with pyfixest")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.rows, args.reps)
        return
    out = {}
    for impl in IMPLS:
        python = sys.executable
        if impl == "pyfixest":
            if not args.peer_python:
                continue
            python = args.peer_python
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
        if impl == "pyfixest":
            env.pop("PYTHONPATH")
        cmd = [
            python,
            __file__,
            "--child",
            impl,
            "--rows",
            str(args.rows),
            "--reps",
            str(args.reps),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        if proc.returncode != 0:
            print(f"{impl}: failed\n{proc.stderr[-2000:]}")
            continue
        out[impl] = json.loads(proc.stdout.strip().splitlines()[-1])
    ref = out.get("improve")
    engine = out.get("linearmodels")
    print(
        f"\n{args.rows:,} rows, y ~ dose + x | student + school×year, CR1 by school "
        f"(best of {args.reps})\n"
    )
    print(
        "| implementation | time (s) | peak extra memory (MB) | time / linearmodels | "
        "dose coef diff vs improve | SE diff |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for impl, r in out.items():
        ratio = r["time"] / engine["time"] if engine else float("nan")
        dc = abs(r["coef"] - ref["coef"]) if ref else float("nan")
        ds = abs(r["se"] - ref["se"]) if ref else float("nan")
        print(
            f"| {impl} | {r['time']:.2f} | {r['mem_mb']:.0f} | {ratio:.3f} | {dc:.1e} | {ds:.1e} |"
        )
    if ref and engine:
        overhead = ref["time"] / engine["time"] - 1
        print(
            f"\nimprove wrapper overhead over linearmodels: {100 * overhead:+.1f}% "
            f"({'within' if overhead < 0.10 else 'ABOVE'} the 10% budget)"
        )


if __name__ == "__main__":
    main()
