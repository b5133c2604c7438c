"""Open a workbook's data in memory or in an engine (``improve run --engine``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from improve.data.lazy import LazyPanel
from improve.data.load import Panel, load_panel
from improve.engines.fetch import require
from improve.errors import DataError, SpecError

#: Where a workbook can estimate: pandas, or an engine the panel stays in.
ENGINES = ("memory", "duckdb", "spark")


def open_panel(
    source: str | Path, columns: Any = None, engine: str = "memory"
) -> Panel | LazyPanel:
    """Load ``source`` in memory (``"memory"``) or lazily in DuckDB or Spark.

    Parameters
    ----------
    source : path or database URL
        The data. For ``"spark"``: a Parquet file or folder (read by Spark).
    columns : column map, optional
        As :func:`improve.data.load_panel`.
    engine : {"memory", "duckdb", "spark"}
        ``"spark"`` uses the active SparkSession (a cluster's, e.g. Databricks) or starts
        a local one.

    Returns
    -------
    Panel or LazyPanel
    """
    if engine not in ENGINES:
        raise SpecError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    if engine == "memory":
        return load_panel(source, columns=columns, lazy=False)
    if engine == "duckdb":
        return load_panel(source, columns=columns, lazy=True)
    pyspark_sql = require("pyspark.sql", "engine 'spark'")
    path = Path(str(source))
    if not (path.is_dir() or path.suffix.lower() in {".parquet", ".pq"}):
        raise DataError(
            f"engine 'spark' reads Parquet files or folders; '{path.name}' is neither: "
            "convert it to Parquet, or use engine 'duckdb' or 'memory'"
        )
    spark = pyspark_sql.SparkSession.getActiveSession() or (
        pyspark_sql.SparkSession.builder.master("local[*]")
        .appName("improve")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    return load_panel(spark.read.parquet(str(path.resolve())), columns=columns, lazy=True)
