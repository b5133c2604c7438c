"""``att_gt`` on a DuckDB relation vs in memory, on the unbalanced student panel.

The panel is :func:`did_speed.simulate_student_panel` (the project's student generator:
students in one to three tested years, gap years, school changes). Both runs use the
``did_speed`` student options (not-yet-treated comparison, ``reg``, unbalanced panel kept)
with and without clustering by district (CR2) and follow with ``aggregate(simple)`` and
``aggregate(dynamic)``. The DuckDB run starts from a relation over an in-process DuckDB
table (the data are already in the engine; loading is not timed). Prints seconds, the
ratio DuckDB / memory and the largest absolute difference of the estimates, standard
errors and aggregated standard errors.

    python benchmarks/engine_attgt.py --rows 2e6
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _fit(data, cluster: str | None):
    from improve.did import aggregate, att_gt

    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = att_gt(
            data,
            "y",
            unit="id",
            time="t",
            cohort="g",
            control_group="notyettreated",
            est_method="reg",
            allow_unbalanced_panel=True,
            cluster=cluster,
        )
        dyn = aggregate(res, "dynamic")
        aggregate(res, "simple")
    return res, dyn, time.perf_counter() - t0


def _diff(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.atleast_1d(a), np.atleast_1d(b)
    both = np.isfinite(a) & np.isfinite(b)
    return float(np.max(np.abs(a[both] - b[both]), initial=0.0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=float, default=2e6)
    args = parser.parse_args()

    import duckdb
    from did_speed import simulate_student_panel

    df = simulate_student_panel(int(args.rows))
    con = duckdb.connect()
    con.register("frame", df)
    con.execute("CREATE TABLE students AS SELECT * FROM frame")
    con.unregister("frame")
    rel = con.table("students")
    print(f"{len(df):,} rows, {df['id'].nunique():,} students")
    head = f"{'setting':<14}{'memory s':>10}{'duckdb s':>10}{'ratio':>8}"
    print(f"{head}  max abs diff (ATT(g,t) / SE / event-study SE)")
    for label, cluster in (("unclustered", None), ("CR2 district", "district")):
        mem, mem_dyn, t_mem = _fit(df, cluster)
        eng, eng_dyn, t_eng = _fit(rel, cluster)
        diffs = (
            _diff(mem.estimate, eng.estimate),
            _diff(mem.std_error, eng.std_error),
            _diff(mem_dyn.std_error, eng_dyn.std_error),
        )
        shown = " / ".join(f"{d:.1e}" for d in diffs)
        print(f"{label:<14}{t_mem:>10.2f}{t_eng:>10.2f}{t_eng / t_mem:>8.2f}  {shown}")


if __name__ == "__main__":
    main()
