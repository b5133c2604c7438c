"""Imputation (Borusyak-Jaravel-Spiess) and two-stage (Gardner) DiD against stored peers.

References: ``tests/reference/imputation_references.json``, made by
``tests/reference/make_imputation_references.py`` with diff-diff 3.13 (``ImputationDiD``,
``TwoStageDiD``) and pyfixest 0.60 (``did2s``; ``feols`` for the BJS pre-trend regression).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from improve.did.imputation import EventStudyResult, imputation
from improve.did.two_stage import two_stage
from improve.errors import EstimationError, SpecError

REF_DIR = Path(__file__).resolve().parents[1] / "reference"
REFS = json.loads((REF_DIR / "imputation_references.json").read_text())
CASES = REFS["cases"]

MP = {"outcome": "lemp", "unit": "countyreal", "time": "year", "cohort": "first_treat"}
SIM = {"outcome": "y", "unit": "id", "time": "period", "cohort": "cohort"}
TIDY = [
    "term",
    "event_time",
    "estimate",
    "std_error",
    "statistic",
    "p_value",
    "conf_low",
    "conf_high",
]

ATOL_EST = 1e-8
RTOL_SE = 1e-8


@pytest.fixture(scope="module")
def mpdta() -> pd.DataFrame:
    df = pd.read_csv(REF_DIR / "mpdta.csv")
    df["state"] = df["countyreal"] // 1000  # same rule as the reference script
    df["w"] = 0.5 + (df["countyreal"] % 7) / 6.0
    return df


@pytest.fixture(scope="module")
def sim() -> pd.DataFrame:
    return pd.DataFrame(REFS["sim_data"])


def _data(name: str, mpdta: pd.DataFrame, sim: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    return (mpdta, MP) if name.startswith("mpdta") else (sim, SIM)


CLUSTER = {
    "mpdta": None,
    "mpdta_state": "state",
    "mpdta_weighted": None,
    "sim": None,
    "sim_cl": "cl",
}
WEIGHTS = {"mpdta_weighted": "w"}


def _rows(res: EventStudyResult, event_times: list[int]) -> pd.DataFrame:
    tidy = res.tidy().set_index("term")
    return tidy.loc[[f"e={e}" for e in event_times]]


# ----------------------------------------------------------------------------- diff-diff


@pytest.mark.parametrize("case", ["mpdta", "mpdta_state", "sim", "sim_cl"])
def test_imputation_matches_diff_diff(case, mpdta, sim):
    df, cols = _data(case, mpdta, sim)
    ref = CASES[case]["diff_diff"]["imputation"]
    res = imputation(df, **cols, cluster=CLUSTER[case])
    rows = _rows(res, ref["event_time"])
    np.testing.assert_allclose(rows["estimate"], ref["att"], rtol=0, atol=ATOL_EST)
    np.testing.assert_allclose(rows["std_error"], ref["se"], rtol=RTOL_SE)
    att, se = res.overall
    assert att == pytest.approx(ref["overall"][0], abs=ATOL_EST)
    assert se == pytest.approx(ref["overall"][1], rel=RTOL_SE)


def test_weighted_imputation_matches_diff_diff_survey(mpdta):
    """Sampling weights: diff-diff's pweight path reports a survey (TSL) variance of the same
    per-unit scores, ``n/(n-1) sum_c (s_c - mean s)^2``; convert ours to that convention."""
    ref = CASES["mpdta_weighted"]["diff_diff_survey"]
    res = imputation(mpdta, **MP, weights="w")
    rows = _rows(res, ref["event_time"])
    np.testing.assert_allclose(rows["estimate"], ref["att"], rtol=0, atol=ATOL_EST)
    assert res.overall[0] == pytest.approx(ref["overall"][0], abs=ATOL_EST)
    s = res.scores
    n = s.shape[0]
    tsl = np.sqrt(n / (n - 1) * ((s - s.mean(axis=0)) ** 2).sum(axis=0))
    np.testing.assert_allclose(tsl, [*ref["se"], ref["overall"][1]], rtol=RTOL_SE)
    np.testing.assert_allclose(np.sqrt(np.diag(s.T @ s)), res.std_error, rtol=1e-12)


@pytest.mark.parametrize("case", ["mpdta", "mpdta_state", "sim", "sim_cl"])
def test_two_stage_matches_diff_diff(case, mpdta, sim):
    df, cols = _data(case, mpdta, sim)
    ref = CASES[case]["diff_diff"]["two_stage"]
    res = two_stage(df, **cols, cluster=CLUSTER[case])
    rows = _rows(res, ref["event_time"])
    np.testing.assert_allclose(rows["estimate"], ref["att"], rtol=0, atol=ATOL_EST)
    np.testing.assert_allclose(rows["std_error"], ref["se"], rtol=RTOL_SE)
    static = two_stage(df, **cols, cluster=CLUSTER[case], event_study=False)
    assert static.overall[0] == pytest.approx(ref["overall"][0], abs=ATOL_EST)
    assert static.overall[1] == pytest.approx(ref["overall"][1], rel=RTOL_SE)


# ----------------------------------------------------------------------------- pyfixest


@pytest.mark.parametrize("case", ["mpdta", "mpdta_state", "mpdta_weighted", "sim", "sim_cl"])
def test_two_stage_matches_pyfixest_did2s(case, mpdta, sim):
    df, cols = _data(case, mpdta, sim)
    ref = CASES[case]["pyfixest"]
    kw = {"cluster": CLUSTER[case], "weights": WEIGHTS.get(case)}
    res = two_stage(df, **cols, **kw)
    # every event time except the reference -1, pre-treatment placebo cells included
    assert [int(e) for e in res.event_time] == ref["event_time"]
    np.testing.assert_allclose(res.estimate, ref["att"], rtol=0, atol=ATOL_EST)
    np.testing.assert_allclose(res.std_error, ref["se"], rtol=RTOL_SE)
    static = two_stage(df, **cols, **kw, event_study=False)
    assert static.terms == ("ATT",)
    assert static.estimate[0] == pytest.approx(ref["static"][0], abs=ATOL_EST)
    assert static.std_error[0] == pytest.approx(ref["static"][1], rel=RTOL_SE)


@pytest.mark.parametrize("case", ["mpdta", "sim"])
def test_pretrends_match_fixest_lead_regression(case, mpdta, sim):
    df, cols = _data(case, mpdta, sim)
    ref = CASES[case]["pretrends3"]
    res = imputation(df, **cols, min_e=-3)
    tidy = res.tidy()
    pre = tidy[np.asarray(res.kind) == "pretrend"]
    assert pre["event_time"].tolist() == ref["event_time"]
    np.testing.assert_allclose(pre["estimate"], ref["att"], rtol=0, atol=ATOL_EST)
    np.testing.assert_allclose(pre["std_error"], ref["se"], rtol=RTOL_SE)
    # the lead regression is separate: horizons and overall ATT are unchanged
    plain = imputation(df, **cols)
    post = tidy[np.asarray(res.kind) != "pretrend"]
    np.testing.assert_array_equal(post["estimate"], plain.estimate)
    b, v = pre["estimate"].to_numpy(), res.pretrend_vcov
    assert res.pretrend_stat == pytest.approx(float(b @ np.linalg.solve(v, b)))
    assert res.pretrend_df == 3 and 0 < res.pretrend_p_value < 1


# ----------------------------------------------------------------------------- equivalences


@pytest.mark.parametrize("case", ["mpdta", "mpdta_weighted", "sim", "sim_cl"])
def test_imputation_equals_two_stage_point_estimates(case, mpdta, sim):
    df, cols = _data(case, mpdta, sim)
    kw = {"cluster": CLUSTER[case], "weights": WEIGHTS.get(case)}
    imp = imputation(df, **cols, **kw)
    ts = two_stage(df, **cols, **kw)
    horizons = [int(e) for e in imp.event_time if np.isfinite(e)]
    np.testing.assert_allclose(
        _rows(ts, horizons)["estimate"], _rows(imp, horizons)["estimate"], rtol=0, atol=1e-12
    )
    static = two_stage(df, **cols, **kw, event_study=False)
    assert static.overall[0] == pytest.approx(imp.overall[0], abs=1e-12)


def test_se_conventions_differ_only_through_auxiliary_residual(mpdta):
    """did2s subtracts the estimate itself from treated effects, BJS the cohort x horizon mean.

    At a horizon reached by a single cohort the two coincide, so the SEs are equal; where
    cohorts with different effects share a horizon the BJS residuals are smaller.
    """
    imp = imputation(mpdta, **MP).tidy().set_index("term")
    ts = two_stage(mpdta, **MP).tidy().set_index("term")
    cohorts_at = mpdta.assign(e=mpdta.year - mpdta.first_treat)[mpdta.first_treat > 0]
    n_cohorts = cohorts_at[cohorts_at.e >= 0].groupby("e")["first_treat"].nunique()
    for e, k in n_cohorts.items():
        a, b = imp.loc[f"e={e}", "std_error"], ts.loc[f"e={e}", "std_error"]
        if k == 1:
            assert a == pytest.approx(b, rel=1e-12)
        else:
            assert a < b * (1 - 1e-4)


# ----------------------------------------------------------------------------- API


def test_tidy_summary_html_and_panel_input(mpdta):
    res = imputation(mpdta, **MP, max_e=2, min_e=-2)
    tidy = res.tidy()
    assert list(tidy.columns) == TIDY
    assert tidy["term"].tolist() == ["e=-2", "e=-1", "e=0", "e=1", "e=2", "ATT"]
    assert np.isnan(tidy["event_time"].iloc[-1])
    assert "Borusyak" in res.summary() and "Pre-trend test" in res.summary()
    assert "<table>" in res._repr_html_()
    full = imputation(mpdta, **MP)
    np.testing.assert_allclose(res.overall, full.overall, rtol=1e-13)  # rows only
    assert imputation(mpdta, **MP, horizons=[0, 3]).terms == ("e=0", "e=3", "ATT")

    spec = SimpleNamespace(
        unit="countyreal",
        time="year",
        cohort="first_treat",
        outcomes=["lemp"],
        weights=None,
        cluster="state",
    )
    panel = SimpleNamespace(data=mpdta, spec=spec)
    from_panel = two_stage(panel)
    direct = two_stage(mpdta, **MP, cluster="state")
    np.testing.assert_array_equal(from_panel.std_error, direct.std_error)
    assert from_panel.cluster == "state" and from_panel.n_clusters == mpdta.state.nunique()
    with pytest.raises(dataclasses_frozen_error()):
        res.alpha = 0.1  # type: ignore[misc]


def dataclasses_frozen_error() -> type[Exception]:
    import dataclasses

    return dataclasses.FrozenInstanceError


def test_always_treated_units_are_dropped_with_warning(mpdta):
    df = mpdta.copy()
    df.loc[df.countyreal.isin(df.countyreal.unique()[:3]), "first_treat"] = 2003
    with pytest.warns(UserWarning, match="cannot be imputed"):
        res = imputation(df, **MP)
    assert res.n_dropped == 15
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ts = two_stage(df, **MP, event_study=False)
    assert ts.overall[0] == pytest.approx(res.overall[0], abs=1e-12)
    assert np.all(np.isfinite(res.std_error))


def test_errors_say_what_to_fix(mpdta):
    with pytest.raises(SpecError, match="cohort"):
        imputation(mpdta, "lemp", unit="countyreal", time="year")
    with pytest.raises(SpecError, match="not in the data"):
        two_stage(mpdta, "nope", unit="countyreal", time="year", cohort="first_treat")
    with pytest.raises(EstimationError, match="no treated"):
        imputation(mpdta.assign(first_treat=0), **MP)
    with pytest.raises(SpecError, match="duplicated"):
        imputation(pd.concat([mpdta, mpdta.head(1)]), **MP)
    with pytest.raises(SpecError, match="min_e"):
        imputation(mpdta, **MP, min_e=1)
    with pytest.raises(SpecError, match="max_e"):
        imputation(mpdta, **MP, max_e=-1)
    with pytest.raises(SpecError, match="varies within"):
        imputation(
            mpdta.assign(first_treat=np.where(mpdta.year == 2003, 0, mpdta.first_treat)), **MP
        )
    with pytest.raises(SpecError, match="DataFrame or a Panel"):
        two_stage([1, 2, 3], **MP)


def test_old_window_names_still_work_for_one_release(mpdta):
    new = imputation(mpdta, **MP, max_e=2, min_e=-2)
    with pytest.warns(DeprecationWarning, match="min_e=-k"):
        with pytest.warns(DeprecationWarning, match="max_e=H"):
            old = imputation(mpdta, **MP, horizons=2, pretrends=2)
    pd.testing.assert_frame_equal(new.tidy(), old.tidy())
    with pytest.raises(TypeError, match="min_e only"):
        imputation(mpdta, **MP, min_e=-1, pretrends=1)
