"""Time ``import improve`` (and the public API) in fresh processes against ``import pandas``.

Each statement runs ``--reps`` times, each in a new interpreter that times it with
``time.perf_counter`` around the statement (interpreter start-up excluded; the wall time of
the whole process is shown beside it); the best (smallest) of the runs is reported, so a busy
machine shows as spread, not as a slower import. ``python -X importtime -c "import improve"``
shows where the time goes.
``import pandas`` is the floor: improve's public API needs pandas.

    .venv/bin/python benchmarks/import_time.py            # best of 15
    .venv/bin/python benchmarks/import_time.py --reps 30
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

STATEMENTS = {
    "import pandas (floor)": "import pandas",
    "import improve": "import improve",
    "from improve import load_panel, check_design, att_gt, aggregate": (
        "from improve import load_panel, check_design, att_gt, aggregate"
    ),
    "import improve.did, improve.fe, improve.report.figures": (
        "import improve.did, improve.fe, improve.report.figures"
    ),
}
_TIMED = "import time\nstart = time.perf_counter()\n{}\nprint(time.perf_counter() - start)"


def import_seconds(statement: str) -> tuple[float, float]:
    """``(import time, wall time)`` in seconds of ``statement`` in a fresh interpreter."""
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", _TIMED.format(statement)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    wall = time.perf_counter() - start
    return float(out.split()[-1]), wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=15)
    args, _unknown = parser.parse_known_args()  # run_all.py passes --peers
    rows = {}
    for label, statement in STATEMENTS.items():
        runs = [import_seconds(statement) for _ in range(args.reps)]
        rows[label] = (min(r[0] for r in runs), min(r[1] for r in runs))
    floor = rows["import pandas (floor)"][0]
    print(f"best of {args.reps} fresh processes ({sys.executable})\n")
    print("| statement | import time (s) | wall time incl. interpreter (s) | / import pandas |")
    print("|---|---:|---:|---:|")
    for label, (imp, wall) in rows.items():
        print(f"| `{label}` | {imp:.3f} | {wall:.3f} | {imp / floor:.2f} |")


if __name__ == "__main__":
    main()
