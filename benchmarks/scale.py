"""Out-of-core ATT(g,t): a simulated balanced student panel in Parquet, estimated in engines.

The panel is written to Parquet in chunks with a pyarrow writer (never whole in pandas),
then estimated (no covariates, not-yet-treated comparison, analytic SEs) by

* ``memory``: pandas ``read_parquet`` + :func:`improve.did.att_gt` (skipped above
  ``--memory-max`` rows),
* ``duckdb``: :func:`improve.engines.att_gt_engine` on ``duckdb.read_parquet`` with a
  DuckDB memory limit,
* ``spark``: the same on ``spark.read.parquet`` in local mode (needs the ``scale`` extra).

Each (engine, size) runs in its own process; the script prints rows per second, time to
first result (the whole estimate: the engine returns all cells at once) and the peak
resident memory of that process and its reaped children (for Spark this is the Python
driver only: the JVM is not reaped before the measurement, so its memory is not counted).

    python benchmarks/scale.py --rows 2e6 20e6 --engines memory duckdb spark
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

YEARS = np.arange(2013, 2025)  # 12 school years
COHORTS = np.array([0, 2016, 2018, 2020, 2022])


def write_panel(path: Path, n_rows: int, chunk_units: int = 200_000, seed: int = 21) -> int:
    """Write a balanced student panel of about ``n_rows`` rows to ``path`` in chunks."""
    rng = np.random.default_rng(seed)
    n_units = max(1, n_rows // YEARS.size)
    schema = pa.schema(
        [("sid", pa.int64()), ("year", pa.int64()), ("g", pa.int64()), ("district", pa.int64())]
        + [("score", pa.float64())]
    )
    with pq.ParquetWriter(path, schema) as writer:
        for start in range(0, n_units, chunk_units):
            m = min(chunk_units, n_units - start)
            sid = np.arange(start, start + m)
            g = rng.choice(COHORTS, m)
            district = rng.integers(0, 200, m)
            ability = rng.normal(size=m)
            year = np.tile(YEARS, m)
            gg = np.repeat(g, YEARS.size)
            score = (
                np.repeat(ability, YEARS.size)
                + 0.05 * (year - YEARS[0])
                + 0.2 * ((gg > 0) & (year >= gg))
                + rng.normal(size=m * YEARS.size)
            )
            table = pa.table(
                {
                    "sid": np.repeat(sid, YEARS.size),
                    "year": year,
                    "g": gg,
                    "district": np.repeat(district, YEARS.size),
                    "score": score,
                },
                schema=schema,
            )
            writer.write_table(table)
    return n_units * YEARS.size


def _estimate(engine: str, path: str, memory_limit: str) -> dict[str, float]:
    """Run one estimate in this process; return its timings."""
    cols = {"unit": "sid", "time": "year", "cohort": "g", "control_group": "notyettreated"}
    t0 = time.perf_counter()
    if engine == "memory":
        import pandas as pd

        from improve.did import att_gt

        res = att_gt(pd.read_parquet(path), "score", est_method="reg", **cols)
    elif engine == "duckdb":
        import duckdb

        from improve.engines import att_gt_engine

        con = duckdb.connect()
        con.execute(f"SET memory_limit = '{memory_limit}'")
        con.execute("SET threads = 2")
        res = att_gt_engine(con.read_parquet(path), "score", **cols)
    else:
        from pyspark.sql import SparkSession

        from improve.engines import att_gt_engine

        spark = (
            SparkSession.builder.master("local[2]")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "8")
            .config("spark.driver.memory", memory_limit.replace("GB", "g"))
            .getOrCreate()
        )
        res = att_gt_engine(spark.read.parquet(path), "score", **cols)
        spark.stop()
    seconds = time.perf_counter() - t0
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "seconds": seconds,
        "peak_gb": max(own, kids) / 1024**2,
        "first_att": float(res.estimate[np.isfinite(res.estimate)][0]),
    }


def main() -> None:
    """Write each panel size once, run each engine on it in a fresh process, print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=float, nargs="+", default=[2e6, 20e6])
    parser.add_argument("--engines", nargs="+", default=["memory", "duckdb", "spark"])
    parser.add_argument("--memory-max", type=float, default=20e6, help="largest in-memory run")
    parser.add_argument("--memory-limit", default="4GB", help="DuckDB / Spark driver limit")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_estimate(args.child[0], args.child[1], args.memory_limit)))
        return
    header = ("rows", "engine", "seconds", "rows/s", "peak GB", "ATT(1st)")
    print("{:>12} {:>7} {:>9} {:>12} {:>8} {:>9}".format(*header))
    with tempfile.TemporaryDirectory() as tmp:
        for rows in args.rows:
            path = Path(tmp) / f"panel_{int(rows)}.parquet"
            n = write_panel(path, int(rows))
            for engine in args.engines:
                if engine == "memory" and n > args.memory_max:
                    continue
                cmd = [sys.executable, __file__, "--child", engine, str(path)]
                cmd += ["--memory-limit", args.memory_limit]
                out = subprocess.run(cmd, capture_output=True, text=True, check=False)
                if out.returncode != 0:
                    print(f"{n:>12,} {engine:>7} failed: {out.stderr.strip().splitlines()[-1]}")
                    continue
                r = json.loads(out.stdout.strip().splitlines()[-1])
                print(
                    f"{n:>12,} {engine:>7} {r['seconds']:>9.1f} {n / r['seconds']:>12,.0f} "
                    f"{r['peak_gb']:>8.2f} {r['first_att']:>9.4f}",
                    flush=True,
                )
            path.unlink()


if __name__ == "__main__":
    main()
