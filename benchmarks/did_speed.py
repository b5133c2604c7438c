"""Speed and memory of ``improve.did.att_gt`` + ``aggregate`` against peer packages.

Each run estimates all ATT(g,t) of a staggered design with analytic standard errors and
then the simple (overall) and dynamic (event-study) aggregations, on a simulated balanced
panel (``--periods`` periods, 5 treated cohorts first treated in periods 4..8 plus never
treated units, equal shares), in two settings:

* ``nocov``: no covariates, outcome regression (``est_method="reg"``);
* ``cov``: two time-invariant covariates (one normal, one binary), doubly robust;
* ``students``: a student panel from the project's generator
  (:func:`improve.demo.schools.simulate_students`: grades 3-5, 2014-2024 without 2020, so
  students appear in one to three years, with gap years and school changes; cohort = the
  grant year of the school of the student's first observed year, district likewise),
  unbalanced
  (``allow_unbalanced_panel=True``), not-yet-treated comparison, outcome regression, no
  covariates; ``--sizes`` are then rows, not units x periods;
* ``students_cl``: the same, standard errors clustered by district (improve: CR2, the
  default; diff-diff: ``cluster=``; moderndid: ``clustervars=``).

``--memory ROWS`` instead runs improve alone on a ``students_cl`` panel of ``ROWS`` rows
(default 20,000,000) and reports its total peak resident memory (``VmHWM`` including the
data, after the counter was reset once the data were simulated) against ``--limit-gb``.

Implementations: improve, moderndid, diff-diff (``CallawaySantAnna``), csdid and
differences (``ATTgt``), each called with its own equivalent options (never-treated
comparison group, varying base period, no bootstrap). The student settings run improve,
diff-diff and moderndid (moderndid 0.2.0 crashes with ``panel=True`` on an unbalanced
panel; ``panel=False, allow_unbalanced_panel=True`` is its R-equivalent unbalanced path).

Measurement. Every (implementation, size, setting) runs in a fresh child process. The
child imports the package, simulates the data (same seed everywhere), runs
``gc.collect()``, records its current resident set size (``VmRSS``) as the baseline, resets
the kernel's peak-RSS counter (``echo 5 > /proc/self/clear_refs``) and then runs the
estimation ``--reps`` times. Time is the best wall time over the repetitions (CPU: the
process CPU time of that repetition, all threads; steadier on a shared machine); peak memory
is the kernel's high-water mark ``VmHWM`` after the runs minus the baseline, i.e. the
extra memory the estimation needed on top of the input data. (Where the peak counter
cannot be reset, ``ru_maxrss`` minus the baseline is used instead and the row is marked
``*``.) A child that fails or exceeds ``--timeout`` seconds is reported as such.

Each peer's overall ATT (simple aggregation) is compared with improve's: ``ok`` when they
agree to 1e-6 (relative), else the difference is shown. (diff-diff trims propensity
scores at 0.01 and differs from R ``did`` in the doubly robust setting by design.)

Usage::

    .venv/bin/python benchmarks/did_speed.py                   # improve only, 20k + 200k rows
    .venv/bin/python benchmarks/did_speed.py --peers           # + peers (make bench)
    .venv/bin/python benchmarks/did_speed.py --peers --sizes 20000,200000,2000000
    .venv/bin/python benchmarks/did_speed.py --peers --settings students,students_cl --sizes 2e6
    .venv/bin/python benchmarks/did_speed.py --memory 20000000          # 20M rows, 8 GB

``--sizes`` are numbers of rows (units x periods).
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
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

PEERS = ("moderndid", "diff_diff", "csdid", "differences")
SETTINGS = ("nocov", "cov", "students", "students_cl")
STUDENT_SETTINGS = ("students", "students_cl")
#: peers that take an unbalanced student panel
STUDENT_PEERS = ("moderndid", "diff_diff")
N_COHORTS = 5
FIRST_COHORT = 4


# ----------------------------------------------------------------------------- data


def simulate(n_units: int, n_periods: int = 10, seed: int = 0) -> pd.DataFrame:
    """Balanced staggered panel: columns id, t, g (0 = never treated), x1, x2, y."""
    rng = np.random.default_rng(seed)
    cohorts = np.r_[0, np.arange(FIRST_COHORT, FIRST_COHORT + N_COHORTS)]
    cohorts = cohorts[cohorts <= n_periods]
    g = rng.choice(cohorts, size=n_units)
    x1 = rng.normal(size=n_units)
    x2 = (rng.random(n_units) < 0.4).astype(float)
    # treatment timing depends (mildly) on the covariates, so they matter
    unit = np.repeat(np.arange(n_units, dtype=np.int64), n_periods)
    t = np.tile(np.arange(1, n_periods + 1, dtype=np.int64), n_units)
    gg = np.repeat(g, n_periods)
    e = t - gg
    tau = np.where((gg > 0) & (e >= 0), 1.0 + 0.2 * e, 0.0)
    fe = np.repeat(rng.normal(size=n_units) + 0.5 * x1 + 0.3 * (g > 0), n_periods)
    trend = (0.1 + 0.05 * np.repeat(x1, n_periods) - 0.05 * np.repeat(x2, n_periods)) * t
    y = fe + trend + tau + rng.normal(size=unit.size)
    return pd.DataFrame(
        {
            "id": unit,
            "t": t,
            "g": gg,
            "x1": np.repeat(x1, n_periods),
            "x2": np.repeat(x2, n_periods),
            "y": y,
        }
    )


def simulate_student_panel(n_rows: int, seed: int = 0) -> pd.DataFrame:
    """Unbalanced student panel of ``n_rows`` rows: columns id (int64), t, g, y, district.

    From :func:`improve.demo.schools.simulate_students`; ``g`` is the grant year of the
    school of the student's first observed year (0 never treated), ``y`` the math score,
    ``district`` the district of that school.
    """
    from improve.demo.schools import simulate_schools, simulate_students

    stu = simulate_students(simulate_schools(), n_rows=n_rows, seed=seed + 1)
    ids, _ = pd.factorize(stu["student_id"])
    by_student = stu.groupby(ids, sort=False)
    first = by_student["first_grant_year"].transform("first")
    # the district of the first observed year (diff-diff needs clusters constant in unit)
    district = by_student["district_id"].transform("first")
    out = pd.DataFrame(
        {
            "id": ids.astype(np.int64),
            "t": stu["school_year"].to_numpy(dtype=np.int64),
            "g": first.to_numpy(dtype=np.int64),
            "y": stu["math_ss"].to_numpy(dtype=float),
            "district": district.to_numpy(),
        }
    )
    del stu, by_student
    return out


def make_data(setting: str, size: int, n_periods: int, seed: int = 0) -> pd.DataFrame:
    """The data of one setting: ``size`` units (balanced) or rows (student settings)."""
    if setting in STUDENT_SETTINGS:
        return simulate_student_panel(size, seed)
    return simulate(size, n_periods, seed)


# ----------------------------------------------------------------------------- runners
# Each runner estimates ATT(g,t) with analytic SEs, then the simple and dynamic
# aggregations, and returns the overall ATT of the simple aggregation and the
# ``time.perf_counter()`` reading between the two steps.


def run_improve(df: pd.DataFrame, setting: str) -> tuple[float, float]:
    from improve.did import aggregate, att_gt

    if setting in STUDENT_SETTINGS:
        res = att_gt(
            df,
            "y",
            unit="id",
            time="t",
            cohort="g",
            control_group="notyettreated",
            est_method="reg",
            allow_unbalanced_panel=True,
            cluster="district" if setting == "students_cl" else None,
        )
        t_fit = time.perf_counter()
        simple = aggregate(res, "simple")
        aggregate(res, "dynamic")
        return float(simple.estimate), t_fit
    cov = setting == "cov"
    res = att_gt(
        df,
        "y",
        unit="id",
        time="t",
        cohort="g",
        covariates=["x1", "x2"] if cov else None,
        est_method="dr" if cov else "reg",
    )
    t_fit = time.perf_counter()
    simple = aggregate(res, "simple")
    aggregate(res, "dynamic")
    return float(simple.estimate), t_fit


def run_moderndid(df: pd.DataFrame, setting: str) -> tuple[float, float]:
    import moderndid as md

    if setting in STUDENT_SETTINGS:
        options = dict(
            est_method="reg",
            control_group="notyettreated",
            panel=False,
            allow_unbalanced_panel=True,
            clustervars=["district"] if setting == "students_cl" else None,
        )
    else:
        cov = setting == "cov"
        options = dict(xformla="~x1+x2" if cov else None, est_method="dr" if cov else "reg")
    res = md.att_gt(
        df, yname="y", tname="t", idname="id", gname="g", boot=False, cband=False, **options
    )
    t_fit = time.perf_counter()
    simple = md.aggte(res, type="simple", boot=False, cband=False)
    md.aggte(res, type="dynamic", boot=False, cband=False)
    return float(simple.overall_att), t_fit


def run_diff_diff(df: pd.DataFrame, setting: str) -> tuple[float, float]:
    from diff_diff import CallawaySantAnna

    if setting in STUDENT_SETTINGS:
        est = CallawaySantAnna(
            control_group="not_yet_treated",
            estimation_method="reg",
            allow_unbalanced_panel=True,
            cluster="district" if setting == "students_cl" else None,
        )
        res = est.fit(df, outcome="y", unit="id", time="t", first_treat="g")
        t_fit = time.perf_counter()
        simple = res.aggregate("simple")
        res.aggregate("event_study")
        return float(np.asarray(simple.att).ravel()[0]), t_fit
    cov = setting == "cov"
    est = CallawaySantAnna(control_group="never_treated", estimation_method="dr" if cov else "reg")
    res = est.fit(
        df,
        outcome="y",
        unit="id",
        time="t",
        first_treat="g",
        covariates=["x1", "x2"] if cov else None,
    )
    t_fit = time.perf_counter()
    simple = res.aggregate("simple")
    res.aggregate("event_study")
    return float(np.asarray(simple.att).ravel()[0]), t_fit


def run_csdid(df: pd.DataFrame, setting: str) -> tuple[float, float]:
    from csdid.att_gt import ATTgt

    cov = setting == "cov"
    att = ATTgt(
        yname="y",
        tname="t",
        idname="id",
        gname="g",
        data=df,
        control_group="nevertreated",
        xformla="y ~ x1 + x2" if cov else None,
    ).fit(est_method="dr" if cov else "reg", base_period="varying", bstrap=False)
    t_fit = time.perf_counter()
    att.aggte(typec="simple", bstrap=False)
    simple = float(np.asarray(att.atte["overall_att"]).ravel()[0])
    att.aggte(typec="dynamic", bstrap=False)
    return simple, t_fit


def run_differences(df: pd.DataFrame, setting: str) -> tuple[float, float]:
    from differences import ATTgt

    cov = setting == "cov"
    panel = df.assign(g=df["g"].astype(float).where(df["g"] > 0)).set_index(["id", "t"])
    att = ATTgt(data=panel, cohort_column="g", base_period="varying")
    att.fit(
        formula="y ~ x1 + x2" if cov else "y",
        est_method="dr" if cov else "reg",
        control_group="never_treated",
        progress_bar=False,
    )
    t_fit = time.perf_counter()
    simple = att.aggregate("simple")
    att.aggregate("event")
    return float(np.asarray(simple.iloc[0, 0])), t_fit


RUNNERS: dict[str, Callable[[pd.DataFrame, str], tuple[float, float]]] = {
    "improve": run_improve,
    "moderndid": run_moderndid,
    "diff_diff": run_diff_diff,
    "csdid": run_csdid,
    "differences": run_differences,
}
IMPORTS = {
    "improve": "improve.did",
    "moderndid": "moderndid",
    "diff_diff": "diff_diff",
    "csdid": "csdid.att_gt",
    "differences": "differences",
}


# ----------------------------------------------------------------------------- child


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        return False
    return True


def child(impl: str, size: int, n_periods: int, setting: str, reps: int) -> dict[str, Any]:
    """Run one implementation in this (fresh) process and return the measurements."""
    __import__(IMPORTS[impl])
    small = 20_000 if setting in STUDENT_SETTINGS else 300
    with warnings.catch_warnings():  # warm-up: lazy imports, JIT compilation, caches
        warnings.simplefilter("ignore")
        RUNNERS[impl](make_data(setting, small, n_periods, seed=1), setting)
    df = make_data(setting, size, n_periods)
    gc.collect()
    base_kb = _status_kb("VmRSS")
    exact = _reset_peak()
    times: list[tuple[float, float]] = []
    att = float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(reps):
            t0 = time.perf_counter()
            c0 = time.process_time()
            att, t_fit = RUNNERS[impl](df, setting)
            t1 = time.perf_counter()
            times.append((t1 - t0, t_fit - t0, time.process_time() - c0))
            gc.collect()
    best = min(times)
    if exact:
        peak_kb = _status_kb("VmHWM")
    else:
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "time": best[0],
        "time_attgt": best[1],
        "cpu": best[2],
        "peak_mb": max(peak_kb - base_kb, 0) / 1024.0,
        "total_peak_mb": peak_kb / 1024.0,
        "exact_mem": exact,
        "att": att,
    }


# ----------------------------------------------------------------------------- parent


def run_one(
    impl: str, size: int, n_periods: int, setting: str, reps: int, timeout: float
) -> dict[str, Any]:
    cmd = [
        sys.executable,
        os.path.abspath(__file__),
        "--child",
        impl,
        "--units",
        str(size),
        "--periods",
        str(n_periods),
        "--reps",
        str(reps),
        "--child-setting",
        setting,
    ]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"status": f"timeout >{timeout:.0f}s"}
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["?"])[-1]
        if "ModuleNotFoundError" in last or "ImportError" in last:
            return {"status": "not installed"}
        return {"status": f"failed: {last[:70]}"}
    res = json.loads(out.stdout.strip().splitlines()[-1])
    res["status"] = "ok"
    return res


def _fmt_row(name: str, r: dict[str, Any], ref: dict[str, Any] | None) -> str:
    if r["status"] != "ok":
        return f"| {name} | {r['status']} | | | | | | |"
    star = "" if r["exact_mem"] else "*"
    if ref is None or ref.get("status") != "ok" or name == "improve":
        ratio_t = ratio_m = "1" if name == "improve" else ""
        agree = ""
    else:
        ratio_t = f"{r['time'] / ref['time']:.1f}"
        ratio_m = f"{r['peak_mb'] / max(ref['peak_mb'], 1e-9):.1f}"
        diff = abs(r["att"] - ref["att"])
        agree = "ok" if diff <= 1e-6 * max(1.0, abs(ref["att"])) else f"diff {diff:.1e}"
    return (
        f"| {name} | {r['time']:.3g} | {r['time_attgt']:.3g} | {r['cpu']:.3g} | "
        f"{r['peak_mb']:.0f}{star} | "
        f"{ratio_t} | {ratio_m} | {agree} |"
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="20000,200000", help="rows (units x periods), comma list")
    ap.add_argument("--periods", type=int, default=10)
    ap.add_argument("--reps", type=int, default=1, help="repetitions per child (best time)")
    ap.add_argument(
        "--settings", default="nocov,cov", help="comma list of nocov, cov, students, students_cl"
    )
    ap.add_argument("--peers", action="store_true", help="also run the peer packages")
    ap.add_argument("--only", default="", help="comma list of implementations (overrides --peers)")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per child run")
    ap.add_argument("--json", default="", help="also write all results to this file")
    ap.add_argument("--child", default="", help=argparse.SUPPRESS)
    ap.add_argument(
        "--memory",
        type=float,
        default=0,
        nargs="?",
        const=20_000_000,
        help="only the memory check: improve on a clustered student panel of this many rows",
    )
    ap.add_argument("--limit-gb", type=float, default=8.0, help="limit of the memory check")
    ap.add_argument("--child-setting", default="nocov", help=argparse.SUPPRESS)
    ap.add_argument("--units", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.child:
        res = child(args.child, args.units, args.periods, args.child_setting, args.reps)
        print(json.dumps(res))
        return
    if args.memory:
        memory_check(int(args.memory), args.limit_gb, args.timeout)
        return

    impls = ["improve", *PEERS] if args.peers else ["improve"]
    if args.only:
        impls = [s.strip() for s in args.only.split(",") if s.strip()]
    sizes = [int(float(s)) for s in args.sizes.split(",") if s.strip()]
    settings = [s.strip() for s in args.settings.split(",") if s.strip()]
    print(
        f"# att_gt + simple/dynamic aggregation; balanced settings: {args.periods} periods, "
        f"{N_COHORTS} cohorts + never treated; best of {args.reps}; timeout "
        f"{args.timeout:.0f}s; {os.cpu_count()} CPUs"
    )
    print("# time in s; peak = extra resident memory in MB over data + imports")
    all_res: list[dict[str, Any]] = []
    for setting in settings:
        students = setting in STUDENT_SETTINGS
        for rows in sizes:
            size = rows if students else max(rows // args.periods, 20)
            n_rows = size if students else size * args.periods
            if students:
                head = f"{n_rows:,} student rows, unbalanced, not yet treated, reg" + (
                    ", clustered by district" if setting == "students_cl" else ""
                )
            else:
                label = "two covariates, DR" if setting == "cov" else "no covariates, reg"
                head = f"{n_rows:,} rows ({size:,} units), {label}"
            print(f"\n## {head}\n")
            print(
                "| implementation | time (s) | of which ATT(g,t) | CPU (s) | peak (MB) "
                "| time / improve | peak / improve | overall ATT |"
            )
            print("|---|---:|---:|---:|---:|---:|---:|---|")
            ref = None
            for impl in impls:
                if students and impl not in ("improve", *STUDENT_PEERS):
                    continue
                r = run_one(impl, size, args.periods, setting, args.reps, args.timeout)
                if impl == "improve":
                    ref = r
                print(_fmt_row(impl, r, ref), flush=True)
                all_res.append({"impl": impl, "rows": n_rows, "setting": setting, **r})
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(all_res, fh, indent=1)


def memory_check(n_rows: int, limit_gb: float, timeout: float) -> None:
    """improve alone on a clustered student panel of ``n_rows`` rows: total peak memory."""
    r = run_one("improve", n_rows, 10, "students_cl", 1, max(timeout, 1800.0))
    print(f"# memory check: improve att_gt + simple/dynamic aggregation, {n_rows:,} student")
    print("# rows, unbalanced, not yet treated, reg, CR2 clustered by district")
    if r["status"] != "ok":
        print(f"FAIL: {r['status']}")
        sys.exit(1)
    total_gb = r["total_peak_mb"] / 1024.0
    print(
        f"time {r['time']:.1f} s (ATT(g,t) {r['time_attgt']:.1f} s); peak {total_gb:.2f} GB "
        f"in total (data included), {r['peak_mb'] / 1024.0:.2f} GB over the data"
    )
    if total_gb > limit_gb:
        print(f"FAIL: peak above {limit_gb:g} GB")
        sys.exit(1)
    print(f"OK: peak below {limit_gb:g} GB")


if __name__ == "__main__":
    main()
