"""Fixtures for engine tests: a small balanced student panel and one local SparkSession."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="session")
def student_panel() -> pd.DataFrame:
    """Balanced panel: 300 students, 6 years, cohorts incl. first-period and never-reached."""
    rng = np.random.default_rng(21)
    years = np.arange(2001, 2007)
    n = 300
    cohort = rng.choice([0, 2001, 2003, 2004, 2005, 2009], n)
    df = pd.DataFrame(
        {
            "sid": np.repeat(np.arange(n), years.size),
            "year": np.tile(years, n),
            "g": np.repeat(cohort, years.size),
            "district": np.repeat(rng.integers(0, 12, n), years.size),
        }
    )
    effect = 0.5 * ((df["year"] >= df["g"]) & (df["g"] > 0))
    df["score"] = rng.normal(size=len(df)) + effect + 0.1 * (df["year"] - 2000) * (df["g"] % 3)
    return df


@pytest.fixture(scope="session")
def spark():
    """One local Spark session for the whole run (slow to start: keep Spark tests few)."""
    pyspark_sql = pytest.importorskip("pyspark.sql", reason="pyspark not installed (extra 'scale')")
    session = (
        pyspark_sql.SparkSession.builder.master("local[1]")
        .appName("improve-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    yield session
    session.stop()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests on Spark local mode start a JVM (about 10 s, then 5-20 s a test): they run in
    ``make test`` (slow), while the same estimators on DuckDB stay in ``make test-fast``."""
    for item in items:
        if "spark" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)
