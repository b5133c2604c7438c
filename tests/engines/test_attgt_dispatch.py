"""``att_gt`` on a DuckDB relation / Spark DataFrame returns the in-memory result.

Every option the engine path supports is compared with ``improve.did.att_gt`` on the same
rows (estimates, standard errors, influence functions, Satterthwaite df, bootstrap with the
same seed) and through ``aggregate`` (which takes the engine's ATTGTResult unchanged).
The largest absolute difference is printed in each assertion message.
"""

from __future__ import annotations

import warnings

import duckdb
import numpy as np
import pandas as pd
import pytest

from improve.did import ATTGTResult, aggregate, att_gt
from improve.engines import attgt_result
from improve.errors import SpecError

COLUMNS = {"unit": "sid", "time": "year", "cohort": "g"}
TOL = 1e-10


@pytest.fixture(scope="module")
def unbalanced_panel(student_panel: pd.DataFrame) -> pd.DataFrame:
    """The student panel with a fifth of the student-years missing, rows shuffled, and a
    sampling weight constant within student."""
    df = student_panel.sample(frac=0.8, random_state=1).reset_index(drop=True)
    return df.assign(wt=1.0 + (df["sid"] % 7) / 3.0)


@pytest.fixture(scope="module")
def weighted_panel(student_panel: pd.DataFrame) -> pd.DataFrame:
    """The balanced student panel with a sampling weight constant within student."""
    return student_panel.assign(wt=0.5 + (student_panel["sid"] % 5) / 2.0)


def _fit(data, **kw) -> ATTGTResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # first-period cohort / incomplete units: same rules
        return att_gt(data, "score", **COLUMNS, **kw)


def _max_diff(a, b) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    assert np.array_equal(np.isnan(a), np.isnan(b)), "NaN pattern differs"
    differ = ~np.isnan(a) & (a != b)  # equal infinities (normal df) differ by 0
    return float(np.max(np.abs(a[differ] - b[differ]), initial=0.0))


def _assert_same(mem: ATTGTResult, eng: ATTGTResult, label: str, same_unit_order=True) -> None:
    np.testing.assert_array_equal(eng.groups, mem.groups)
    np.testing.assert_array_equal(eng.times, mem.times)
    np.testing.assert_array_equal(eng.n_treated, mem.n_treated)
    np.testing.assert_array_equal(eng.n_control, mem.n_control)
    assert (eng.n_units, eng.n_clusters, eng.vcov_type) == (
        mem.n_units,
        mem.n_clusters,
        mem.vcov_type,
    )
    assert eng.failed_cells == mem.failed_cells
    diffs = {
        "estimate": _max_diff(eng.estimate, mem.estimate),
        "std_error": _max_diff(eng.std_error, mem.std_error),
        "vcov": _max_diff(eng.vcov, mem.vcov),
        "crit_val": abs(eng.crit_val - mem.crit_val),
        "df": _max_diff(eng.df, mem.df),
    }
    if same_unit_order:
        diffs["inf_func"] = _max_diff(eng.inf_func, mem.inf_func)
    for kind in ("simple", "dynamic", "group"):
        a_mem, a_eng = aggregate(mem, kind), aggregate(eng, kind)
        diffs[f"{kind} estimate"] = _max_diff(a_eng.estimate, a_mem.estimate)
        diffs[f"{kind} std_error"] = _max_diff(a_eng.std_error, a_mem.std_error)
    worst = max(diffs, key=lambda k: diffs[k])
    assert diffs[worst] <= TOL, f"{label}: max abs diff {diffs[worst]:.2e} in {worst}: {diffs}"


OPTIONS = {
    "balanced": ("student_panel", {}),
    "not-yet-treated, anticipation 1": (
        "student_panel",
        {"control_group": "notyettreated", "anticipation": 1},
    ),
    "universal base, reg": ("student_panel", {"base_period": "universal", "est_method": "reg"}),
    "unbalanced kept": ("unbalanced_panel", {"allow_unbalanced_panel": True}),
    "unbalanced, incomplete units dropped": ("unbalanced_panel", {}),
    "CR2 (default)": ("student_panel", {"cluster": "district"}),
    "CR1-type (none)": ("student_panel", {"cluster": "district", "cluster_correction": "none"}),
    "unbalanced CR2, not-yet": (
        "unbalanced_panel",
        {"cluster": "district", "allow_unbalanced_panel": True, "control_group": "notyettreated"},
    ),
    "bootstrap": ("student_panel", {"bootstrap": True, "n_boot": 199, "seed": 5}),
    "weights": ("weighted_panel", {"weights": "wt"}),
    "weights unbalanced CR2": (
        "unbalanced_panel",
        {"weights": "wt", "allow_unbalanced_panel": True, "cluster": "district"},
    ),
    "bootstrap CR2 unbalanced": (
        "unbalanced_panel",
        {
            "cluster": "district",
            "allow_unbalanced_panel": True,
            "bootstrap": True,
            "n_boot": 199,
            "seed": 5,
        },
    ),
}


@pytest.mark.parametrize("label", list(OPTIONS))
def test_duckdb_result_equals_in_memory(label, request):
    fixture, kw = OPTIONS[label]
    df = request.getfixturevalue(fixture)
    rel = duckdb.connect().from_df(df)
    eng = _fit(rel, **kw)
    assert isinstance(eng, ATTGTResult)
    _assert_same(_fit(df, **kw), eng, label)


@pytest.mark.parametrize(
    "kw", [{}, {"cluster": "district"}, {"weights": "wt"}], ids=["plain", "CR2", "weights"]
)
def test_duckdb_repeated_cross_sections(unbalanced_panel, kw):
    """Rows are units; SQL rows have no order, so the influence rows are compared as
    covariances (vcov, SEs, df), which do not depend on the order."""
    kw = {"panel": False, **kw}
    rel = duckdb.connect().from_df(unbalanced_panel)
    _assert_same(_fit(unbalanced_panel, **kw), _fit(rel, **kw), f"RC {kw}", False)


def test_options_reach_the_engine(student_panel):
    """Guards against options silently ignored: each changes the engine's answer."""
    rel = duckdb.connect().from_df(student_panel)
    base = _fit(rel)
    assert _max_diff(_fit(rel, control_group="notyettreated").estimate, base.estimate) > 1e-3
    assert _max_diff(_fit(rel, cluster="district").std_error, base.std_error) > 1e-4
    assert _fit(rel, cluster="district").vcov_type == "CR2"
    boot = _fit(rel, bootstrap=True, n_boot=99, seed=1)
    assert boot.uniform and boot.vcov_type == "bootstrap"


def test_weights_reach_the_engine(weighted_panel):
    rel = duckdb.connect().from_df(weighted_panel)
    gap = _max_diff(_fit(rel, weights="wt").estimate, _fit(rel).estimate)
    assert gap > 1e-3


def test_engine_result_does_not_carry_the_panel(student_panel):
    eng = _fit(duckdb.connect().from_df(student_panel))
    held = [v for v in vars(eng).values() if type(v).__module__.startswith("duckdb")]
    assert held == []


@pytest.mark.parametrize(
    ("kw", "words"),
    [
        ({"covariates": ["district"]}, "covariates are not supported on engines"),
        ({"weights": "year"}, "weights that vary within a unit"),
        ({"panel": False, "bootstrap": True}, "cross-sections is not supported"),
        ({"cluster": "nope"}, "not found in the engine table: nope"),
    ],
)
def test_unsupported_options_refused_in_one_line(student_panel, kw, words):
    rel = duckdb.connect().from_df(student_panel)
    with pytest.raises(SpecError, match=words) as err:
        _fit(rel, **kw)
    assert "\n" not in str(err.value)


def test_influence_size_limit_refuses(student_panel, monkeypatch):
    monkeypatch.setattr(attgt_result, "MAX_INFLUENCE_VALUES", 1000)
    with pytest.raises(SpecError, match="limit 1,000"):
        _fit(duckdb.connect().from_df(student_panel))


def test_spark_unbalanced_cr2_equals_in_memory(spark, unbalanced_panel):
    kw = {"cluster": "district", "allow_unbalanced_panel": True}
    eng = _fit(spark.createDataFrame(unbalanced_panel), **kw)
    _assert_same(_fit(unbalanced_panel, **kw), eng, "spark unbalanced CR2")


def test_spark_repeated_cross_sections_equal_in_memory(spark, unbalanced_panel):
    kw = {"panel": False}
    eng = _fit(spark.createDataFrame(unbalanced_panel), **kw)
    _assert_same(_fit(unbalanced_panel, **kw), eng, "spark RC", False)


def test_string_ids_and_students_changing_district(unbalanced_panel):
    """Text unit ids (sorted as pandas sorts them) and students who change district (the
    first observed period's district counts): same bootstrap draws, same CR2 df."""
    df = unbalanced_panel.assign(sid="s" + unbalanced_panel["sid"].astype(str))
    moves = (df["sid"].str.len() == 3) & (df["year"] > 2004)  # students s10..s99 move
    df.loc[moves, "district"] = (df.loc[moves, "district"] + 1) % 12
    kw = {"cluster": "district", "allow_unbalanced_panel": True, "bootstrap": True, "seed": 9}
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        eng = att_gt(duckdb.connect().from_df(df), "score", **COLUMNS, **kw)
    moved = [w for w in seen if "change cluster" in str(w.message)]
    assert len(moved) == 1 and moved[0].filename == __file__  # points at the caller
    _assert_same(_fit(df, **kw), eng, "string ids, moving students")
