"""Recognise a table that lives in an engine, without importing the engine's library."""

from __future__ import annotations

from typing import Any


def engine_of(data: Any) -> str | None:
    """``"duckdb"`` for a DuckDB relation, ``"spark"`` for a Spark DataFrame, ``"postgres"``
    for a :class:`improve.engines.postgres.PostgresTable`, else None.

    Decided from the type's module name only, so that ``import improve`` never loads
    duckdb or pyspark.
    """
    module = type(data).__module__ or ""
    if module.startswith("duckdb") and hasattr(data, "query"):
        return "duckdb"
    if module.startswith("pyspark") and hasattr(data, "createOrReplaceTempView"):
        return "spark"
    if module == "improve.engines.postgres" and hasattr(data, "fetch"):
        return "postgres"
    return None
