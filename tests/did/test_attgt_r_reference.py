"""ATT(g,t), aggregations and pre-test on mpdta agree with R ``did`` 2.5.0."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from improve.did import aggregate, att_gt

KEYS = dict(unit="countyreal", time="year", cohort="first_treat")


@pytest.fixture(scope="module")
def result(mpdta: pd.DataFrame):
    return att_gt(mpdta, "lemp", **KEYS)


def test_att_gt_matches_r(result, r_reference: dict) -> None:
    ref = pd.DataFrame(r_reference["att_gt"])
    np.testing.assert_array_equal(result.groups, ref["group"].to_numpy(dtype=float))
    np.testing.assert_array_equal(result.times, ref["time"].to_numpy(dtype=float))
    np.testing.assert_allclose(result.estimate, ref["att"], rtol=0, atol=1e-8)
    np.testing.assert_allclose(result.std_error, ref["se"], rtol=0, atol=1e-8)


def test_pretest_matches_r(result, r_reference: dict) -> None:
    assert result.pretrend_df == 5
    assert result.pretrend_stat == pytest.approx(r_reference["pretest"]["wald"], abs=1e-3)
    assert result.pretrend_p_value == pytest.approx(r_reference["pretest"]["p_value"], abs=1e-4)


@pytest.mark.parametrize("kind", ["simple", "group", "dynamic", "calendar"])
def test_aggregations_match_r(result, r_reference: dict, kind: str) -> None:
    ref = r_reference["aggregations"][kind]
    agg = aggregate(result, kind)
    assert agg.estimate == pytest.approx(ref["att"], abs=1e-8)
    assert agg.std_error == pytest.approx(ref["se"], abs=1e-8)
    if "by" in ref:
        # the 'by' blocks are rounded to 7 decimals in the source: compare at 1e-6
        labels = [str(int(v)) for v in agg.egt]
        assert labels == list(ref["by"].keys())
        for lab, est, se in zip(labels, agg.att_egt, agg.se_egt, strict=True):
            r_est, r_se = ref["by"][lab]
            assert est == pytest.approx(r_est, abs=1e-6)
            if r_se is not None:
                assert se == pytest.approx(r_se, abs=1e-6)


def test_reg_and_ipw_equal_dr_without_covariates(mpdta: pd.DataFrame, result) -> None:
    for method in ("reg", "ipw"):
        other = att_gt(mpdta, "lemp", est_method=method, **KEYS)
        np.testing.assert_allclose(other.estimate, result.estimate, atol=1e-10)
        np.testing.assert_allclose(other.std_error, result.std_error, atol=1e-10)


def test_influence_function_shape_and_se(result) -> None:
    assert result.inf_func.shape == (500, 12)
    se = np.sqrt((result.inf_func**2).sum(axis=0)) / result.n_units
    np.testing.assert_allclose(se, result.std_error, rtol=1e-12)
