"""Time ``improve demo``: every workbook on the demo data, as ``make demo`` runs them.

Runs :func:`improve.runner.build` on :func:`improve.runner.demo_runs` into a temporary
folder (the same runs, parameters and PDF choice as ``improve demo``; ``--no-pdf`` skips the
PDFs) and prints each run's wall time (``RunResult.seconds``: inputs checked, kernel
started, notebook executed, report rendered and printed, folder published), the total and the
mean per workbook against the issue's target of 8 s per workbook. Close other work first:
on a shared machine the times measure the load as much as the demo.

    .venv/bin/python benchmarks/demo_time.py
    .venv/bin/python benchmarks/demo_time.py --no-pdf
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

TARGET_PER_WORKBOOK = 8.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-pdf", action="store_true", help="skip report.pdf")
    args = parser.parse_args()

    from improve.runner import build, demo_runs

    runs = demo_runs()
    with tempfile.TemporaryDirectory(prefix="improve-demo-") as out:
        start = time.perf_counter()
        outcomes = build(runs, out=out, pdf=False if args.no_pdf else None)
        total = time.perf_counter() - start
    print(f"{len(runs)} workbooks, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print()
    print("| workbook | status | seconds |")
    print("|---|---|---:|")
    failed = 0
    for run, outcome in zip(runs, outcomes, strict=True):
        if isinstance(outcome, Exception):
            failed += 1
            print(f"| {run['workbook']} | failed: {str(outcome)[:60]} | |")
        else:
            print(f"| {run['workbook']} | {outcome.status} | {outcome.seconds:.1f} |")
    mean = total / len(runs)
    print(f"| **total** | | **{total:.1f}** |")
    print(
        f"\nmean {mean:.1f} s per workbook (target {TARGET_PER_WORKBOOK:g} s): "
        f"{mean / TARGET_PER_WORKBOOK:.2f} x the target"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
