"""Inputs that R ``did`` rejects or repairs, and cells that cannot be estimated."""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from improve.did import ATTGTResult, aggregate, att_gt
from improve.errors import DataError, EstimationError, SpecError

KEYS = dict(unit="countyreal", time="year", cohort="first_treat")


@pytest.fixture(scope="module")
def base(mpdta: pd.DataFrame) -> ATTGTResult:
    return att_gt(mpdta, "lemp", **KEYS)


def test_first_period_cohort_dropped_with_warning(mpdta: pd.DataFrame, base) -> None:
    extra = mpdta[mpdta["first_treat"] == 2004].copy()
    extra["countyreal"] += 100_000
    extra["first_treat"] = 2003
    df = pd.concat([mpdta, extra], ignore_index=True)
    n_extra = extra["countyreal"].nunique()
    with pytest.warns(UserWarning, match=f"dropped {n_extra} units already treated in the first"):
        res = att_gt(df, "lemp", **KEYS)
    np.testing.assert_allclose(res.estimate, base.estimate)
    np.testing.assert_allclose(res.std_error, base.std_error)
    assert 2003 not in res.groups


def test_no_never_treated_raises_with_hint(mpdta: pd.DataFrame) -> None:
    df = mpdta[mpdta["first_treat"] > 0]
    with pytest.raises(EstimationError, match="notyettreated"):
        att_gt(df, "lemp", **KEYS)
    # R: with not-yet-treated controls the last cohort only serves as comparison and
    # periods from its treatment on are dropped
    res = att_gt(df, "lemp", control_group="notyettreated", **KEYS)
    assert set(res.groups) == {2004.0, 2006.0}
    assert res.times.max() == 2006


def test_too_small_never_treated_group_raises(mpdta: pd.DataFrame) -> None:
    never = mpdta.loc[mpdta["first_treat"] == 0, "countyreal"].unique()
    df = mpdta[(mpdta["first_treat"] > 0) | mpdta["countyreal"].isin(never[:3])]
    with pytest.raises(EstimationError, match="notyettreated"):
        att_gt(df, "lemp", **KEYS)


def test_cells_without_enough_controls_are_nan(mpdta: pd.DataFrame) -> None:
    never = mpdta.loc[mpdta["first_treat"] == 0, "countyreal"].unique()
    df = mpdta[(mpdta["first_treat"] > 0) | mpdta["countyreal"].isin(never[:2])].copy()
    df["x2"] = (df["countyreal"] % 3).astype(float)
    with pytest.warns(UserWarning) as rec:
        res = att_gt(
            df,
            "lemp",
            covariates=["lpop", "x2"],
            control_group="notyettreated",
            est_method="reg",
            **KEYS,
        )
    messages = " ".join(str(w.message) for w in rec)
    assert "could not be estimated" in messages
    assert "fewer than 7 treated or comparison units" in messages
    only_never = res.n_control == 2  # only the 2 never-treated units remain as controls
    assert only_never.sum() == 4  # (2004|2006|2007, 2007) and (2007, 2006)
    assert np.all(np.isnan(res.estimate[only_never])) and np.all(
        np.isnan(res.std_error[only_never])
    )
    assert np.all(np.isfinite(res.estimate[~only_never]))
    assert np.all(res.inf_func[:, only_never] == 0)
    assert any(c[1] == 2007 and c[3] == 2 for c in res.small_cells)
    with pytest.raises(EstimationError, match="na_rm=True"):
        aggregate(res, "simple")
    simple = aggregate(res, "simple", na_rm=True)
    assert np.isfinite(simple.estimate) and np.isfinite(simple.std_error)


@pytest.mark.parametrize("method", ["dr", "ipw", "reg"])
def test_collinear_covariates_give_nan_and_warning(mpdta: pd.DataFrame, method: str) -> None:
    df = mpdta.assign(lpop2=2 * mpdta["lpop"])
    with pytest.warns(UserWarning, match="could not be estimated"):
        res = att_gt(df, "lemp", covariates=["lpop", "lpop2"], est_method=method, **KEYS)
    assert np.all(np.isnan(res.estimate))
    assert res.pretrend_stat is None
    with pytest.raises(EstimationError):
        aggregate(res, "dynamic", na_rm=True)


@pytest.mark.parametrize("method", ["dr", "ipw"])
def test_perfect_separation_is_overlap_violation(mpdta: pd.DataFrame, method: str) -> None:
    df = mpdta.assign(sep=(mpdta["first_treat"] == 2004).astype(float) * 10 + mpdta["lpop"])
    with pytest.warns(UserWarning, match="overlap"):
        res = att_gt(df, "lemp", covariates=["sep"], est_method=method, **KEYS)
    assert np.all(np.isnan(res.estimate[res.groups == 2004]))
    assert np.all(np.isfinite(res.estimate[res.groups != 2004]))


def test_string_ids_and_missing_cohort(mpdta: pd.DataFrame, base) -> None:
    df = mpdta.assign(
        countyreal="c" + mpdta["countyreal"].astype(str),
        first_treat=mpdta["first_treat"].where(mpdta["first_treat"] > 0),
    )
    res = att_gt(df, "lemp", **KEYS)
    np.testing.assert_allclose(res.estimate, base.estimate)
    np.testing.assert_allclose(res.std_error, base.std_error)


def test_cohort_after_last_period_counts_as_never_treated(mpdta: pd.DataFrame, base) -> None:
    df = mpdta.assign(first_treat=mpdta["first_treat"].replace(0, 2030))
    res = att_gt(df, "lemp", **KEYS)
    np.testing.assert_allclose(res.estimate, base.estimate)


def test_panel_object_supplies_names(mpdta: pd.DataFrame) -> None:
    spec = SimpleNamespace(
        unit="countyreal",
        time="year",
        cohort="first_treat",
        outcomes=("lemp", "lpop"),
        covariates=("lpop",),
        cluster=None,
        weights=None,
    )
    panel = SimpleNamespace(data=mpdta, spec=spec)
    res = att_gt(panel)
    direct = att_gt(mpdta, "lemp", covariates=["lpop"], **KEYS)
    np.testing.assert_allclose(res.estimate, direct.estimate)
    assert res.outcome == "lemp" and res.covariates == ("lpop",)
    no_cov = att_gt(panel, covariates=[])
    assert no_cov.covariates == ()


def test_unbalanced_panel_dropped_unless_allowed(variants: dict) -> None:
    df = variants["unbalanced"]
    n_full = df.groupby("countyreal")["year"].count().eq(5).sum()
    with pytest.warns(UserWarning, match="not observed in all 5 periods"):
        res = att_gt(df, "lemp", **KEYS)
    assert res.n_units == n_full and res.panel
    ub = att_gt(df, "lemp", allow_unbalanced_panel=True, **KEYS)
    assert ub.unbalanced and ub.n_units == 500


def test_allow_unbalanced_on_balanced_data_is_panel(mpdta: pd.DataFrame, base) -> None:
    res = att_gt(mpdta, "lemp", allow_unbalanced_panel=True, **KEYS)
    assert res.panel and not res.unbalanced
    np.testing.assert_allclose(res.estimate, base.estimate)


def test_missing_rows_dropped_with_warning(mpdta: pd.DataFrame) -> None:
    df = mpdta.copy()
    df.loc[[0, 1], "lemp"] = np.nan
    with pytest.warns(UserWarning) as rec:
        res = att_gt(df, "lemp", **KEYS)
    messages = [str(w.message) for w in rec]
    assert any("dropped 2 of 2500 rows" in m for m in messages)
    assert any("dropped 1 units not observed in all 5 periods" in m for m in messages)
    assert res.n_units == 499


def test_bad_inputs(mpdta: pd.DataFrame) -> None:
    with pytest.raises(SpecError, match="control_group"):
        att_gt(mpdta, "lemp", control_group="never", **KEYS)
    with pytest.raises(SpecError, match="not found"):
        att_gt(mpdta, "nope", **KEYS)
    with pytest.raises(SpecError, match="column name"):
        att_gt(mpdta, "lemp", unit="countyreal", time="year")
    dup = pd.concat([mpdta, mpdta.iloc[:1]], ignore_index=True)
    with pytest.raises(DataError, match="more than once"):
        att_gt(dup, "lemp", **KEYS)
    varying = mpdta.copy()
    varying.loc[0, "first_treat"] = 2006
    with pytest.raises(DataError, match="changes within"):
        att_gt(varying, "lemp", **KEYS)
    with pytest.raises(DataError, match="numeric"):
        att_gt(mpdta.assign(year=mpdta["year"].astype(str) + "-x"), "lemp", **KEYS)


def test_tidy_summary_html(base) -> None:
    tidy = base.tidy()
    expected = ["term", "group", "time", "event_time", "estimate", "std_error", "statistic"]
    assert list(tidy.columns[:7]) == expected
    assert {"p_value", "conf_low", "conf_high"} <= set(tidy.columns)
    assert "conf_low_uniform" not in tidy.columns
    assert tidy["term"].iloc[0] == "ATT(2004,2004)"
    assert len(tidy) == 12
    text = base.summary()
    assert "Pre-trend Wald test" in text and "2004" in text
    assert base._repr_html_().startswith("<div>")
    for kind in ("simple", "group", "dynamic", "calendar"):
        agg = aggregate(base, kind)
        t = agg.tidy()
        assert list(t.columns[:1]) == ["term"]
        assert {"estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high"} <= set(
            t.columns
        )
        assert t["term"].iloc[0] == f"ATT ({kind})"
        assert isinstance(agg.summary(), str) and "<table>" in agg._repr_html_()
    dyn = aggregate(base, "dynamic").tidy()
    assert "event_time" in dyn.columns and len(dyn) == 8


def test_dynamic_window_and_balance(base) -> None:
    win = aggregate(base, "dynamic", min_e=-1, max_e=2)
    assert list(win.egt) == [-1, 0, 1, 2]
    bal = aggregate(base, "dynamic", balance_e=1)
    # only cohorts observed at least one period after treatment (2004, 2006)
    assert list(bal.egt) == [-2, -1, 0, 1]
    full = aggregate(base, "dynamic")
    assert bal.att_egt[bal.egt.tolist().index(1)] == pytest.approx(
        full.att_egt[full.egt.tolist().index(1)]
    )


def test_no_warnings_on_clean_data(mpdta: pd.DataFrame) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        att_gt(mpdta, "lemp", covariates=["lpop"], **KEYS)
