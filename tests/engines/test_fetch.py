"""The engine fetch guard: small results only, one-line message for a missing engine."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from improve.engines.fetch import ResultTooLargeError, require, run_query
from improve.errors import SpecError


def test_missing_engine_names_the_extra_in_one_line() -> None:
    with pytest.raises(SpecError) as info:
        require("improve_no_such_engine.sql", "running on that engine")
    message = str(info.value)
    assert "\n" not in message
    assert "'improve_no_such_engine' package" in message
    assert "pip install 'improve[scale]'" in message


def test_duckdb_result_over_the_limit_is_refused(student_panel: pd.DataFrame) -> None:
    relation = duckdb.connect().from_df(student_panel)
    per_cohort = run_query(relation, "SELECT g, COUNT(*) AS n FROM panel GROUP BY g", max_rows=6)
    assert per_cohort["n"].sum() == len(student_panel)
    with pytest.raises(ResultTooLargeError, match="more than 6 rows"):
        run_query(relation, "SELECT g, sid FROM panel GROUP BY g, sid", max_rows=6)


def test_spark_result_over_the_limit_is_refused(spark, student_panel: pd.DataFrame) -> None:
    frame = spark.createDataFrame(student_panel)
    means = run_query(frame, 'SELECT "g", AVG("score") AS m FROM panel GROUP BY "g" ORDER BY "g"')
    expected = student_panel.groupby("g")["score"].mean().to_numpy()
    assert means["m"].to_numpy() == pytest.approx(expected, rel=1e-12)
    with pytest.raises(ResultTooLargeError):
        run_query(frame, "SELECT * FROM panel", max_rows=100)


def test_an_engine_that_fails_mid_run_gives_one_line(student_panel: pd.DataFrame) -> None:
    from improve.engines.fetch import EngineError

    con = duckdb.connect()
    relation = con.from_df(student_panel)
    con.close()  # the engine goes away between queries
    with pytest.raises(EngineError) as info:
        run_query(relation, "SELECT COUNT(*) AS n FROM panel")
    assert str(info.value).startswith("the duckdb query failed: ")
    assert "\n" not in str(info.value)
