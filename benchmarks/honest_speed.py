"""Speed of the HonestDiD sensitivity and of the ``event_study_diagnostics`` workbook on the demo.

Two measurements in one run:

1. ``honest_did(method="relative_magnitudes")`` on the demo's Sun-Abraham event study (the
   workbook's call: Mbar 0, 0.5, 1, 1.5, 2; 200 grid points), against the previous
   implementation, which solved one linear program per simulated draw of the
   least-favourable critical value and per conditional test. The previous implementation is
   the same code with the dual-vertex enumeration switched off (``MAX_BASES = 0``: every
   program is then solved by HiGHS), so both give the same bounds (checked).
2. The workbook, cell by cell, executed in this process (figures rendered with the Agg
   backend, outputs written to a temporary folder as ``improve run`` does); the target is at
   most 10 s in all. Import time counts in the first cell.

Time is the best of ``--reps`` runs (the previous implementation runs once: it takes about a
minute).

Usage::

    .venv/bin/python benchmarks/honest_speed.py
    .venv/bin/python benchmarks/honest_speed.py --skip-previous
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "event_study_diagnostics.ipynb"
MBAR = [0.0, 0.5, 1.0, 1.5, 2.0]


def sensitivity(reps: int, previous: bool) -> None:
    """Time honest_did on the demo's Sun-Abraham estimates, now and as before."""
    warnings.simplefilter("ignore")
    from improve.data import load_panel
    from improve.did import honest_did, sunab
    from improve.did import sensitivity as module
    from improve.report.defaults import map_outcomes

    panel = load_panel(ROOT / "data/demo/schools.csv", columns=ROOT / "data/demo/columns.yaml")
    outcome = map_outcomes(panel)[0]
    base = sunab(panel, outcome, min_e=-5, max_e=5, alpha=0.05)

    def run() -> tuple[float, list[float]]:
        t0 = time.perf_counter()
        res = honest_did(
            base, method="relative_magnitudes", mbar_grid=MBAR, alpha=0.05, grid_points=200
        )
        return time.perf_counter() - t0, [*map(float, res.lower), *map(float, res.upper)]

    now = [run() for _ in range(reps)]
    best = min(t for t, _ in now)
    print(f"honest_did relative magnitudes (demo Sun-Abraham, {len(MBAR)} Mbar values)")
    print(f"  now:      {best:.2f} s (best of {reps})")
    if previous:
        saved = module.MAX_BASES
        module.MAX_BASES = 0
        try:
            before, bounds = run()
        finally:
            module.MAX_BASES = saved
        same = max(abs(a - b) for a, b in zip(bounds, now[0][1], strict=True))
        print(f"  previous: {before:.2f} s (one run); speed-up {before / best:.1f}x")
        print(f"  largest difference in the bounds: {same:.1e}")


def workbook_child(output_dir: str) -> None:
    """Execute the workbook's code cells here and print each cell's time (JSON)."""
    import matplotlib

    matplotlib.use("Agg")
    warnings.simplefilter("ignore")
    import IPython.display

    cells = json.loads(NOTEBOOK.read_text())["cells"]
    namespace: dict = {"display": lambda *a, **k: None}
    IPython.display.display = namespace["display"]
    os.chdir(NOTEBOOK.parent)
    times = []
    for i, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            source += f"\noutput_dir = {output_dir!r}\n"
        t0 = time.perf_counter()
        exec(compile(source, f"cell{i}", "exec"), namespace)
        times.append((i, source.splitlines()[0][:60], time.perf_counter() - t0))
    print(json.dumps(times))


def workbook(reps: int) -> None:
    """Run the workbook ``reps`` times in fresh processes; print the best run by cell."""
    runs = []
    for _ in range(reps):
        with tempfile.TemporaryDirectory() as tmp:
            env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), MPLBACKEND="Agg")
            cmd = [sys.executable, __file__, "--workbook-child", tmp]
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        if proc.returncode != 0:
            print(f"workbook failed\n{proc.stderr[-2000:]}")
            return
        runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    best = min(runs, key=lambda r: sum(t for *_, t in r))
    total = sum(t for *_, t in best)
    print(f"\nevent_study_diagnostics workbook on the demo (best of {reps} runs)")
    for i, first, t in best:
        print(f"  cell {i:2d}: {t:6.2f} s  {first}")
    verdict = "holds" if total <= 10 else "does NOT hold"
    print(f"  total:   {total:6.2f} s (target <= 10 s: {verdict})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--peers", action="store_true", help="accepted from run_all.py")
    parser.add_argument("--skip-previous", action="store_true")
    parser.add_argument("--workbook-child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.workbook_child:
        workbook_child(args.workbook_child)
        return
    sensitivity(args.reps, not args.skip_previous)
    workbook(args.reps)


if __name__ == "__main__":
    main()
