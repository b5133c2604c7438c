"""ATT(g,t) with covariates computed in DuckDB / Spark equals the in-memory estimator."""

from __future__ import annotations

import warnings

import duckdb
import numpy as np
import pandas as pd
import pytest

from improve.did import att_gt
from improve.engines import att_gt_engine

COLUMNS = {"unit": "sid", "time": "year", "cohort": "g"}
COVARIATES = ["prior", "frl"]


@pytest.fixture(scope="module")
def panel(student_panel) -> pd.DataFrame:
    """The engine test panel with a prior score (related to the cohort) and a 0/1 covariate;
    the outcome trend depends on both, so covariates change the estimates."""
    rng = np.random.default_rng(7)
    df = student_panel.copy()
    n_years = df["year"].nunique()
    units = df["sid"].to_numpy()[::n_years]
    cohort = df["g"].to_numpy()[::n_years]
    prior = 200 + 10 * (rng.normal(size=units.size) + 0.4 * (cohort > 0))
    frl = rng.integers(0, 2, units.size)
    df["prior"] = np.repeat(prior, n_years)
    df["frl"] = np.repeat(frl, n_years)
    trend = df["year"] - 2000
    df["score"] = df["score"] + 0.02 * df["prior"] * trend + 0.3 * df["frl"] * trend
    return df


def _in_memory(df: pd.DataFrame, est_method: str, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # first-period cohort dropped: same rule in both
        return att_gt(df, "score", est_method=est_method, **COLUMNS, **kw)


def _assert_same(mem, eng) -> None:
    np.testing.assert_array_equal(eng.groups, mem.groups)
    np.testing.assert_array_equal(eng.times, mem.times)
    np.testing.assert_array_equal(eng.n_treated, mem.n_treated)
    np.testing.assert_array_equal(eng.n_control, mem.n_control)
    np.testing.assert_array_equal(np.isnan(eng.estimate), np.isnan(mem.estimate))
    np.testing.assert_allclose(eng.estimate, mem.estimate, rtol=0, atol=1e-10)
    np.testing.assert_allclose(eng.std_error, mem.std_error, rtol=0, atol=1e-10)
    assert eng.n_units == mem.n_units


@pytest.mark.parametrize("est_method", ["reg", "dr", "ipw"])
@pytest.mark.parametrize("control_group", ["nevertreated", "notyettreated"])
def test_duckdb_covariates_equal_in_memory(panel, est_method, control_group):
    rel = duckdb.connect().from_df(panel)
    kw = {"covariates": COVARIATES, "control_group": control_group}
    mem = _in_memory(panel, est_method, **kw)
    eng = att_gt_engine(rel, "score", est_method=est_method, **COLUMNS, **kw)
    _assert_same(mem, eng)
    assert np.isfinite(eng.estimate).sum() >= 10


@pytest.mark.parametrize("est_method", ["reg", "dr"])
def test_duckdb_covariates_clustered_equal_in_memory(panel, est_method):
    rel = duckdb.connect().from_df(panel)
    kw = {
        "covariates": COVARIATES,
        "control_group": "notyettreated",
        "cluster": "district",
        "cluster_correction": "none",
    }
    mem = _in_memory(panel, est_method, **kw)
    eng = att_gt_engine(rel, "score", est_method=est_method, **COLUMNS, **kw)
    _assert_same(mem, eng)
    unclustered = att_gt_engine(
        rel, "score", est_method=est_method, covariates=COVARIATES, **COLUMNS
    )
    assert np.nanmax(np.abs(eng.std_error - unclustered.std_error)) > 1e-4


def test_duckdb_time_varying_covariate_and_anticipation(panel):
    """A covariate that changes over time is read in each cell's base period."""
    df = panel.copy()
    rng = np.random.default_rng(3)
    df["attendance"] = rng.normal(size=len(df)) + 0.1 * (df["year"] - 2000)
    rel = duckdb.connect().from_df(df)
    kw = {"covariates": ["prior", "attendance"], "anticipation": 1}
    _assert_same(_in_memory(df, "dr", **kw), att_gt_engine(rel, "score", **COLUMNS, **kw))


def test_covariates_change_the_estimates(panel):
    """Guard that the covariates reach the engine queries."""
    rel = duckdb.connect().from_df(panel)
    plain = att_gt_engine(rel, "score", **COLUMNS)
    for method in ("reg", "dr", "ipw"):
        adjusted = att_gt_engine(rel, "score", est_method=method, covariates=COVARIATES, **COLUMNS)
        assert np.nanmax(np.abs(adjusted.estimate - plain.estimate)) > 1e-2


def test_collinear_covariate_gives_missing_cells_like_in_memory(panel):
    df = panel.assign(prior2=2 * panel["prior"] + 1)
    rel = duckdb.connect().from_df(df)
    kw = {"covariates": ["prior", "prior2"]}
    eng = att_gt_engine(rel, "score", est_method="reg", **COLUMNS, **kw)
    assert np.isnan(eng.estimate).all()
    _assert_same(_in_memory(df, "reg", **kw), eng)


def test_text_or_missing_covariates_refused(panel):
    rel = duckdb.connect().from_df(panel.assign(school_type=np.where(panel["frl"] == 1, "a", "b")))
    with pytest.raises(ValueError, match="covariate 'school_type' is not numeric"):
        att_gt_engine(rel, "score", covariates=["school_type"], **COLUMNS)
    with pytest.raises(ValueError, match="'nope' is not in the data"):
        att_gt_engine(rel, "score", covariates=["nope"], **COLUMNS)
    missing = panel.assign(prior=panel["prior"].where(panel["sid"] != 5))
    rel = duckdb.connect().from_df(missing)
    with pytest.raises(ValueError, match="has missing values"):
        att_gt_engine(rel, "score", covariates=["prior"], **COLUMNS)
    with pytest.raises(ValueError, match="est_method must be"):
        att_gt_engine(rel, "score", covariates=["frl"], est_method="ols", **COLUMNS)


def test_spark_covariates_equal_in_memory(panel, spark):
    sdf = spark.createDataFrame(panel)
    kw = {
        "covariates": COVARIATES,
        "control_group": "notyettreated",
        "cluster": "district",
        "cluster_correction": "none",
    }
    eng = att_gt_engine(sdf, "score", est_method="dr", **COLUMNS, **kw)
    assert eng.engine == "spark"
    _assert_same(_in_memory(panel, "dr", **kw), eng)


def _overlap_panel(n_control_x1: int, seed: int = 7) -> pd.DataFrame:
    """Three periods, one treated cohort; a 0/1 covariate that almost (or fully, with
    ``n_control_x1=0``) determines treatment, so propensity scores reach DRDID's limits."""
    rng = np.random.default_rng(seed)
    g = np.r_[np.full(360, 2003), np.zeros(n_control_x1 + 150)]
    x = np.r_[np.ones(300), np.zeros(60), np.ones(n_control_x1), np.zeros(150)]
    n, years = g.size, np.arange(2001, 2004)
    df = pd.DataFrame(
        {
            "sid": np.repeat(np.arange(n), years.size),
            "year": np.tile(years, n),
            "g": np.repeat(g, years.size),
            "x": np.repeat(x, years.size),
            "z": np.repeat(rng.normal(size=n), years.size),
        }
    )
    treated = (df["year"] >= df["g"]) & (df["g"] > 0)
    df["score"] = rng.normal(size=len(df)) + 0.5 * df["x"] * (df["year"] - 2000) + 0.4 * treated
    return df


@pytest.mark.parametrize("est_method", ["dr", "ipw"])
def test_trimmed_comparison_units_like_in_memory(est_method):
    """Comparison units with propensity score >= 0.995 are dropped as in DRDID."""
    from improve.did._estimators import _TRIM_LEVEL, logit_fit

    df = _overlap_panel(n_control_x1=2)
    units = df[df["year"] == 2001]
    d = (units["g"] > 0).to_numpy(float)
    ps, _ = logit_fit(np.c_[np.ones(d.size), units[["x", "z"]].to_numpy()], d, np.ones(d.size))
    assert ps.max() < 0.999 and np.any((ps >= _TRIM_LEVEL) & (d == 0))  # trimming happens
    rel = duckdb.connect().from_df(df)
    kw = {"covariates": ["x", "z"]}
    eng = att_gt_engine(rel, "score", est_method=est_method, **COLUMNS, **kw)
    assert np.isfinite(eng.estimate).all()
    _assert_same(_in_memory(df, est_method, **kw), eng)


@pytest.mark.slow
def test_no_overlap_gives_missing_cells_like_in_memory():
    df = _overlap_panel(n_control_x1=0)
    rel = duckdb.connect().from_df(df)
    kw = {"covariates": ["x", "z"]}
    eng = att_gt_engine(rel, "score", est_method="dr", **COLUMNS, **kw)
    assert np.isnan(eng.estimate).all()
    _assert_same(_in_memory(df, "dr", **kw), eng)
