"""Run one small query where the data lives and bring back its result, never the table.

Every query the engine layer sends reads a table called ``panel`` (``FROM panel``); this
module points that name at the data: a DuckDB relation, a Spark DataFrame (through a temp
view; identifiers quoted with backticks) or a :class:`~improve.engines.postgres.PostgresTable`.
A result with more than ``max_rows`` rows is refused: estimators only need aggregates (a few
rows per cohort × period), so a large result means a query would pull the panel into Python.
"""

from __future__ import annotations

import importlib
import re
from types import ModuleType
from typing import Any

import pandas as pd

from improve.engines import detect
from improve.errors import DataError, EstimationError, ImproveError, SpecError

#: Most rows an engine query may bring back to Python (aggregates are far smaller).
MAX_RESULT_ROWS = 100_000
#: How to install the engines (pyspark, psycopg): one extra.
ENGINE_EXTRA = "pip install 'improve[scale]'"

PANEL_NAME = re.compile(r"\b(FROM|JOIN)\s+panel\b", re.IGNORECASE)


class EngineError(EstimationError):
    """The engine failed while running a query (the message is its first line)."""


class ResultTooLargeError(DataError):
    """An engine query would bring more rows into Python than the estimator needs."""


def require(module: str, what: str) -> ModuleType:
    """Import ``module`` or stop with one line saying which extra installs it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise SpecError(
            f"{what} needs the '{module.split('.')[0]}' package, which is not installed: "
            f"{ENGINE_EXTRA}"
        ) from None


def engine_of(data: Any) -> str:
    """``"duckdb"``, ``"spark"`` or ``"postgres"`` for a relation the engines can query."""
    engine = detect.engine_of(data)
    if engine is None:
        raise SpecError(
            "an engine source must be a DuckDB relation, a Spark DataFrame or a PostgreSQL "
            f"table (a database URL), got {type(data).__name__}"
        )
    return engine


def run_query(data: Any, sql: str, *, max_rows: int = MAX_RESULT_ROWS) -> pd.DataFrame:
    """Run ``sql`` (which reads ``panel``) where ``data`` lives; return at most ``max_rows``.

    Parameters
    ----------
    data : duckdb.DuckDBPyRelation, pyspark.sql.DataFrame or PostgresTable
        The panel in its engine.
    sql : str
        Standard SQL reading the table ``panel``, identifiers quoted with ``"``.
    max_rows : int
        Largest result accepted; one more row is fetched to detect a larger result.

    Raises
    ------
    ResultTooLargeError
        The query returns more than ``max_rows`` rows.
    """
    engine = engine_of(data)
    try:
        if engine == "duckdb":
            frame = data.query("panel", sql).limit(max_rows + 1).df()
        elif engine == "spark":
            view = "improve_panel_view"
            data.createOrReplaceTempView(view)
            spark_sql = PANEL_NAME.sub(rf"\1 {view}", sql.replace('"', "`"))
            frame = data.sparkSession.sql(spark_sql).limit(max_rows + 1).toPandas()
        else:
            frame = data.fetch(sql, max_rows + 1)
    except (ImproveError, KeyboardInterrupt):
        raise
    except Exception as exc:  # the engine failed (a dead Spark application, a lost connection)
        text = str(exc).strip()
        first = text.splitlines()[0] if text else type(exc).__name__
        raise EngineError(f"the {engine} query failed: {first[:300]}") from exc
    if len(frame) > max_rows:
        raise ResultTooLargeError(
            f"an engine query returned more than {max_rows:,} rows: the panel stays in "
            f"{engine}; only aggregates (counts and means by cohort × period) come back to "
            "Python. Aggregate in the query, or load a sample in memory"
        )
    return frame


def column_names(data: Any) -> list[str]:
    """Column names of an engine relation (no rows read)."""
    if engine_of(data) == "postgres":
        return data.columns()
    return [str(c) for c in data.columns]
