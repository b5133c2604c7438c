"""Cases not covered by the R file, against moderndid (a Python port validated against R).

References come from ``tests/reference/make_did_references.py`` run in the reference
virtualenv. Observed agreement is ~1e-12; the tolerance is 1e-6 (absolute) as the
estimators with covariates solve a logit by Newton iterations in both implementations.

Two moderndid 0.2.0 defects are worked around in the generating script so that the
references follow R ``aggte``: aggregations with sampling weights (moderndid drops the
weights unless the column is named ``weights``) and unbalanced panels (moderndid misaligns
unit cohorts and influence-function rows).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from improve.did import aggregate, att_gt

CASE_NAMES = [
    "cov_dr",
    "cov_ipw",
    "cov_reg",
    "notyet",
    "notyet_cov_dr",
    "universal",
    "universal_cov_dr",
    "anticipation1",
    "anticipation1_notyet",
    "weights",
    "weights_cov_dr",
    "unbalanced",
    "unbalanced_cov_dr",
    "rc_dr",
    "rc_cov_dr",
    "rc_cov_ipw",
    "rc_cov_reg",
]
TOL = 1e-6


def _nan(values: list) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _run(spec: dict, variants: dict[str, pd.DataFrame]):
    return att_gt(
        variants[spec["data"]],
        "lemp",
        unit="countyreal",
        time="year",
        cohort="first_treat",
        covariates=["lpop"] if spec.get("xformla") else None,
        est_method=spec.get("est_method", "dr"),
        control_group=spec.get("control_group", "nevertreated"),
        base_period=spec.get("base_period", "varying"),
        anticipation=spec.get("anticipation", 0),
        weights=spec.get("weightsname"),
        panel=spec.get("panel", True),
        allow_unbalanced_panel=spec.get("allow_unbalanced_panel", False),
    )


def test_reference_covers_all_cases(peer_reference: dict) -> None:
    assert sorted(peer_reference["cases"]) == sorted(CASE_NAMES)


#: moderndid copies R DRDID::drdid_rc's sign error in the base-period outcome-regression term
#: of the influence function; improve uses the corrected sign (verdict 5 in
#: tests/reference/README.md, confirmed by csdid, diff-diff and a numerical derivative), so
#: for these cases the ATTs agree exactly, the SEs differ by up to 2.6e-4 and the pre-test
#: statistic by under 1%.
DRDID_RC_CASES = {"rc_cov_dr", "unbalanced_cov_dr"}
DRDID_RC_SE_TOL = 5e-4


@pytest.mark.parametrize("name", CASE_NAMES)
def test_case_matches_peer(name: str, peer_reference: dict, variants: dict) -> None:
    se_tol = DRDID_RC_SE_TOL if name in DRDID_RC_CASES else TOL
    case = peer_reference["cases"][name]
    spec = case["spec"]
    assert len(variants[spec["data"]]) == case["n_rows"]
    res = _run(spec, variants)

    ref = case["att_gt"]
    np.testing.assert_array_equal(res.groups, _nan(ref["group"]))
    np.testing.assert_array_equal(res.times, _nan(ref["time"]))
    np.testing.assert_allclose(res.estimate, _nan(ref["att"]), rtol=0, atol=TOL)
    np.testing.assert_allclose(res.std_error, _nan(ref["se"]), rtol=0, atol=se_tol, equal_nan=True)
    if case["pretest"]["wald"] is not None:
        wald_rel = 1e-2 if name in DRDID_RC_CASES else 1e-6
        assert res.pretrend_stat == pytest.approx(case["pretest"]["wald"], rel=wald_rel)

    for kind, agg_ref in case["aggregations"].items():
        agg = aggregate(res, kind)
        assert agg.estimate == pytest.approx(agg_ref["att"], abs=TOL), kind
        assert agg.std_error == pytest.approx(agg_ref["se"], abs=se_tol), kind
        if kind != "simple":
            np.testing.assert_allclose(agg.egt, _nan(agg_ref["egt"]))
            np.testing.assert_allclose(agg.att_egt, _nan(agg_ref["att_egt"]), atol=TOL)
            np.testing.assert_allclose(
                agg.se_egt, _nan(agg_ref["se_egt"]), atol=se_tol, equal_nan=True
            )


def test_universal_base_reference_cell_is_zero(variants: dict) -> None:
    res = _run({"data": "base", "base_period": "universal"}, variants)
    ref_cells = res.times == res.groups - 1
    assert ref_cells.sum() == 3
    assert np.all(res.estimate[ref_cells] == 0)
    assert np.all(np.isnan(res.std_error[ref_cells]))
    dyn = aggregate(res, "dynamic")
    assert dyn.att_egt[list(dyn.egt).index(-1)] == 0
