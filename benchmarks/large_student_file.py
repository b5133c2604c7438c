"""Large input: a 5-million-row student file loads and runs ``att_gt`` within 6 GB.

Writes a simulated student-level panel (``improve.demo.schools.simulate_students``,
grades 3-5, 700 schools in 60 districts, 2014-2024 without 2020, about 4% of students
change school each year) as CSV and as Parquet to a temporary folder. Then, for each file,
a fresh Python process loads it with :func:`improve.data.load_panel` (column map with
``mover_timing: first``, progress shown) and runs :func:`improve.att_gt` on the math scale
score (not-yet-treated comparisons, standard errors clustered by district, all students
kept: ``allow_unbalanced_panel=True``). Each child reports its wall times and its peak
resident memory (``resource.getrusage(...).ru_maxrss``); the script prints a table and exits
with 1 if any child went over the limit.

Usage::

    python benchmarks/large_student_file.py                 # 5,000,000 rows, limit 6 GB
    python benchmarks/large_student_file.py --rows 200000   # quick check
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

COLUMNS = {
    "unit": "student_id",
    "time": "school_year",
    "cohort": "first_grant_year",
    "outcomes": ["math_ss"],
    "cluster": "district_id",
    "mover_timing": "first",
}


def _peak_gb() -> float:
    """Peak resident memory of this process in GB (``ru_maxrss`` is in KB on Linux)."""
    scale = 1e9 if sys.platform == "darwin" else 1e6
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale


def child(path: str) -> dict[str, object]:
    """Load ``path`` and run ``att_gt``; return times, sizes and peak memory."""
    from improve import att_gt
    from improve.data import load_panel

    t0 = time.perf_counter()
    panel = load_panel(path, columns=COLUMNS, progress=True)
    t1 = time.perf_counter()
    load_peak = _peak_gb()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = att_gt(panel, control_group="notyettreated", allow_unbalanced_panel=True)
    t2 = time.perf_counter()
    tidy = result.tidy()
    return {
        "file": Path(path).name,
        "size_mb": Path(path).stat().st_size / 1e6,
        "rows": panel.report.n_rows,
        "students": panel.report.n_units,
        "timing_varied": panel.report.timing_varied,
        "cells": len(tidy),
        "load_s": t1 - t0,
        "att_gt_s": t2 - t1,
        "load_peak_gb": load_peak,
        "peak_gb": _peak_gb(),
        "warnings": [str(w.message)[:120] for w in caught],
    }


def write_files(rows: int, folder: Path, seed: int) -> dict[str, Path]:
    """Simulate ``rows`` student rows and write them as CSV and Parquet in ``folder``."""
    from improve.demo.schools import simulate_schools, simulate_students

    t0 = time.perf_counter()
    students = simulate_students(simulate_schools(), n_rows=rows, seed=seed)
    t1 = time.perf_counter()
    paths = {"csv": folder / "students.csv", "parquet": folder / "students.parquet"}
    students.to_csv(paths["csv"], index=False)
    students.to_parquet(paths["parquet"], index=False)
    t2 = time.perf_counter()
    print(f"simulated {rows:,} rows in {t1 - t0:.1f} s, wrote CSV and Parquet in {t2 - t1:.1f} s")
    return paths


def main(argv: list[str] | None = None) -> int:
    """Write the files, measure each in a fresh process, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--limit-gb", type=float, default=6.0)
    parser.add_argument("--seed", type=int, default=20240607)
    parser.add_argument("--formats", nargs="+", default=["csv", "parquet"])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args, _unknown = parser.parse_known_args(argv)  # run_all.py may pass --peers
    if args.child:
        print(json.dumps(child(args.child)), flush=True)
        return 0

    rows_out = []
    with tempfile.TemporaryDirectory(prefix="improve-large-") as tmp:
        paths = write_files(args.rows, Path(tmp), args.seed)
        for fmt in args.formats:
            proc = subprocess.run(
                [sys.executable, __file__, "--child", str(paths[fmt])],
                stdout=subprocess.PIPE,
                text=True,
                check=False,
            )
            if proc.returncode != 0:
                print(f"{fmt}: the child process failed (exit {proc.returncode})")
                return 1
            rows_out.append(json.loads(proc.stdout.strip().splitlines()[-1]))

    print()
    header = (
        "| file | size (MB) | rows | students | timing varied | ATT(g,t) cells | load (s) "
        "| att_gt (s) | peak after load (GB) | peak (GB) |"
    )
    print(header)
    print("|---|" + "---:|" * 9)
    for r in rows_out:
        print(
            f"| {r['file']} | {r['size_mb']:,.0f} | {r['rows']:,} | {r['students']:,} "
            f"| {r['timing_varied']:,} | {r['cells']} | {r['load_s']:.1f} | {r['att_gt_s']:.1f} "
            f"| {r['load_peak_gb']:.2f} | {r['peak_gb']:.2f} |"
        )
    over = [r["file"] for r in rows_out if float(r["peak_gb"]) > args.limit_gb]
    for r in rows_out:
        for w in r["warnings"]:
            print(f"  {r['file']} att_gt warning: {w}")
    if over:
        print(f"FAIL: peak memory above {args.limit_gb:g} GB for {', '.join(over)}")
        return 1
    print(f"OK: every peak below {args.limit_gb:g} GB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
