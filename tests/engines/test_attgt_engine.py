"""ATT(g,t) computed in DuckDB / Spark equals the in-memory estimator on the same data."""

from __future__ import annotations

import warnings

import duckdb
import numpy as np
import pandas as pd
import pytest

from improve.did import att_gt
from improve.engines import att_gt_engine

COLUMNS = {"unit": "sid", "time": "year", "cohort": "g"}


def _in_memory(df: pd.DataFrame, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # first-period cohort dropped: same rule in both
        return att_gt(df, "score", est_method="dr", **COLUMNS, **kw)


def _assert_same(mem, eng) -> None:
    np.testing.assert_array_equal(eng.groups, mem.groups)
    np.testing.assert_array_equal(eng.times, mem.times)
    np.testing.assert_array_equal(eng.n_treated, mem.n_treated)
    np.testing.assert_array_equal(eng.n_control, mem.n_control)
    np.testing.assert_allclose(eng.estimate, mem.estimate, rtol=0, atol=1e-10)
    np.testing.assert_allclose(eng.std_error, mem.std_error, rtol=0, atol=1e-10)
    assert eng.n_units == mem.n_units


@pytest.mark.parametrize("control_group", ["nevertreated", "notyettreated"])
@pytest.mark.parametrize("anticipation", [0, 1])
def test_duckdb_equals_in_memory(student_panel, control_group, anticipation):
    rel = duckdb.connect().from_df(student_panel)
    kw = {"control_group": control_group, "anticipation": anticipation}
    _assert_same(_in_memory(student_panel, **kw), att_gt_engine(rel, "score", **COLUMNS, **kw))


@pytest.mark.parametrize("control_group", ["nevertreated", "notyettreated"])
def test_duckdb_cluster_robust_equals_in_memory(student_panel, control_group):
    rel = duckdb.connect().from_df(student_panel)
    kw = {"control_group": control_group, "cluster": "district", "cluster_correction": "none"}
    mem = _in_memory(student_panel, **kw)
    eng = att_gt_engine(rel, "score", **COLUMNS, **kw)
    _assert_same(mem, eng)
    unclustered = att_gt_engine(rel, "score", **COLUMNS, control_group=control_group)
    assert np.nanmax(np.abs(eng.std_error - unclustered.std_error)) > 1e-4


def test_comparison_groups_differ(student_panel):
    """Guard that the control-group option reaches the engine query (results differ)."""
    rel = duckdb.connect().from_df(student_panel)
    never = att_gt_engine(rel, "score", **COLUMNS, control_group="nevertreated")
    notyet = att_gt_engine(rel, "score", **COLUMNS, control_group="notyettreated")
    assert np.nanmax(np.abs(never.estimate - notyet.estimate)) > 1e-3


def test_unbalanced_panel_refused(student_panel):
    rel = duckdb.connect().from_df(student_panel.iloc[1:])
    with pytest.raises(ValueError, match="balanced panel"):
        att_gt_engine(rel, "score", **COLUMNS)


def test_unsupported_options_refused(student_panel):
    rel = duckdb.connect().from_df(student_panel)
    with pytest.raises(ValueError, match="CR2' not supported on engines yet"):
        att_gt_engine(rel, "score", **COLUMNS, cluster="district")
    with pytest.raises(ValueError, match="bootstrap not supported on engines yet"):
        att_gt_engine(rel, "score", **COLUMNS, bootstrap=True)


def test_pandas_input_refused_with_extra_named(student_panel):
    with pytest.raises(TypeError, match=r"improve\[scale\]"):
        att_gt_engine(student_panel, "score", **COLUMNS)


def test_spark_equals_in_memory(student_panel, spark):
    sdf = spark.createDataFrame(student_panel)
    kw = {"control_group": "notyettreated", "anticipation": 0}
    eng = att_gt_engine(sdf, "score", **COLUMNS, **kw)
    assert eng.engine == "spark"
    _assert_same(_in_memory(student_panel, **kw), eng)
