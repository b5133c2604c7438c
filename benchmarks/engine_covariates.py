"""ATT(g,t) with covariates: in memory against DuckDB (iterated aggregation), same data.

The panel is ``did_speed.simulate`` (balanced, 10 periods, 5 treated cohorts plus never
treated, two time-invariant covariates: one normal, one binary). For each estimator
(``reg``, ``dr``) it times :func:`improve.did.att_gt` on the pandas frame and
:func:`improve.engines.att_gt_engine` on a DuckDB table holding the same rows (loaded
before timing; DuckDB limited to ``--threads``), prints the best wall time of ``--reps``
runs, the ratio DuckDB / in memory, the number of engine queries, and the largest
absolute differences of estimates and standard errors between the two.

    python benchmarks/engine_covariates.py --rows 2e6
"""

from __future__ import annotations

import argparse
import time
import warnings

import duckdb
import numpy as np
from did_speed import simulate

from improve.did import att_gt
from improve.engines import _sql_terms, att_gt_engine, attgt_sql, covariates_sql

COLUMNS = {"unit": "id", "time": "t", "cohort": "g", "covariates": ["x1", "x2"]}


def _best(fn, reps: int) -> tuple[float, object]:
    best, out = np.inf, None
    for _ in range(reps):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


class _CountedRun:
    """The engine's query runner, counting its calls (round trips to the engine)."""

    def __init__(self, run) -> None:
        self.run, self.calls = run, 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self.run(*args, **kwargs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=float, default=2e6)
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--control-group", default="notyettreated")
    args = parser.parse_args()
    df = simulate(int(args.rows) // 10, 10, seed=0)
    con = duckdb.connect()
    con.execute(f"SET threads = {args.threads}")
    con.register("frame", df)
    con.execute("CREATE TABLE panel_table AS SELECT * FROM frame")
    con.unregister("frame")
    rel = con.table("panel_table")
    kw = {**COLUMNS, "control_group": args.control_group}
    print(f"{len(df):,} rows, {df['id'].nunique():,} units, control group {args.control_group}")
    header = ("method", "memory s", "duckdb s", "ratio", "queries", "max|d est|", "max|d se|")
    print("{:>6} {:>9} {:>9} {:>6} {:>8} {:>11} {:>11}".format(*header))
    run_sql = attgt_sql._run
    for method in ("reg", "dr"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_mem, mem = _best(lambda m=method: att_gt(df, "y", est_method=m, **kw), args.reps)
        counted = _CountedRun(run_sql)
        attgt_sql._run = covariates_sql._run = _sql_terms._run = counted
        try:
            t_eng, eng = _best(
                lambda m=method: att_gt_engine(rel, "y", est_method=m, **kw), args.reps
            )
        finally:
            attgt_sql._run = covariates_sql._run = _sql_terms._run = run_sql
        d_est = np.nanmax(np.abs(eng.estimate - mem.estimate))
        d_se = np.nanmax(np.abs(eng.std_error - mem.std_error))
        print(
            f"{method:>6} {t_mem:>9.2f} {t_eng:>9.2f} {t_eng / t_mem:>6.1f} "
            f"{counted.calls // args.reps:>8} {d_est:>11.1e} {d_se:>11.1e}",
            flush=True,
        )


if __name__ == "__main__":
    main()
