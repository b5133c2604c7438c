"""Wall time of ``make test-fast`` and ``make test`` (issue 22: under 1 and 10 minutes).

Runs the two pytest commands of the Makefile (``-n 2 --dist loadgroup``, the fast one with
``-m "not slow"``) with this interpreter, one after the other, and prints each wall time
against its target with the one-minute load average before and after (the machine's other
work inflates the times).

Usage::

    .venv/bin/python benchmarks/suite_time.py            # both
    .venv/bin/python benchmarks/suite_time.py --fast     # make test-fast only
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUITES = {
    "make test-fast": (["-m", "not slow"], 60.0),
    "make test": ([], 600.0),
}


def time_suite(extra: list[str]) -> tuple[float, int, float, float]:
    """Wall seconds, exit code and the 1-minute load average before and after one run."""
    before = os.getloadavg()[0]
    t0 = time.perf_counter()
    command = [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-q", *extra]
    done = subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, check=False)
    return time.perf_counter() - t0, done.returncode, before, os.getloadavg()[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="time make test-fast only")
    args = parser.parse_args(argv)
    failed = 0
    print("| suite | wall time | target | exit code | load average before / after |")
    print("|---|---|---|---|---|")
    for name, (extra, target) in SUITES.items():
        if args.fast and name != "make test-fast":
            continue
        seconds, code, before, after = time_suite(extra)
        failed |= code
        verdict = "holds" if seconds < target and code == 0 else "does not hold"
        print(
            f"| `{name}` | {seconds:.0f} s | < {target:.0f} s ({verdict}) | {code} "
            f"| {before:.1f} / {after:.1f} |",
            flush=True,
        )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
