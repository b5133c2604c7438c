"""WWC conventions: golden values from published sources, each cited where it is used."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from improve.data.spec import PanelSpec
from improve.effects import (
    HANDBOOK,
    attrition,
    attrition_boundary,
    attrition_table,
    baseline_equivalence,
    cluster_adjusted_g,
    cluster_corrected_test,
    cluster_df,
    cox_index,
    default_icc,
    did_effect_size,
    hedges_g,
    hedges_g_from_samples,
    improvement_index,
    panel_attrition,
    pre_period_equivalence,
    rules,
    small_sample_correction,
    wwc_rating,
)
from improve.errors import EstimationError, SpecError

# ---- golden values -------------------------------------------------------------------


def test_improvement_index_golden() -> None:
    # WWC Procedures and Standards Handbook v5.0 (2022), improvement index = 100*Phi(g) - 50:
    # an effect of 0.25 SD moves the average comparison student about 10 percentile points
    # (100 * Phi(0.25) - 50 = 9.87).
    assert improvement_index(0.25) == pytest.approx(9.87, abs=0.005)
    assert improvement_index(0.0) == 0.0
    assert improvement_index(-0.25) == pytest.approx(-9.87, abs=0.005)
    arr = improvement_index(np.array([0.1, 0.5]))
    assert arr.shape == (2,)


def test_cluster_df_golden_vivecampbell() -> None:
    # R package VIVECampbell (Vembye), df_h() example: df_h(N_total = 100, ICC = 0.1,
    # avg_grp_size = 5) = 94.4, implementing WWC v5.0 Eq. E.21 (p. 171).
    assert cluster_df(100, 0.1, 5) == pytest.approx(94.40, abs=0.005)
    # no clustering: h = N - 2
    assert cluster_df(100, 0.0, 5) == pytest.approx(98.0)


def test_hedges_g_golden_baselinr() -> None:
    # R package baselinr (Liang, CRAN 0.6.0), hedges_g() example:
    # x = c(5, 6, 7, 4, 5, 6), g = c(1, 1, 1, 0, 0, 0); hedges_g(x, g) = 0.8
    # (d = 1 times omega = 1 - 3/(4*6 - 9) = 0.8).
    es = hedges_g_from_samples([5, 6, 7], [4, 5, 6])
    assert es.estimate == pytest.approx(0.8)
    assert hedges_g(6, 5, 1, 1, 3, 3).estimate == pytest.approx(0.8)
    assert small_sample_correction(6) == pytest.approx(0.8)


def test_cox_index_golden_baselinr() -> None:
    # baselinr README / vignette: binary covariate with proportions 2/3 vs 1/3 gives a Cox
    # index of 0.8401784 (logit difference / 1.65, no small-sample correction).
    es = cox_index(2 / 3, 1 / 3, small_sample=False)
    assert es.estimate == pytest.approx(0.8401784, abs=1e-7)
    # with the WWC small-sample correction (omega for N = 6 is 0.8)
    assert cox_index(2 / 3, 1 / 3, 3, 3).estimate == pytest.approx(0.8 * 0.8401784, abs=1e-7)


def test_baseline_equivalence_golden_baselinr() -> None:
    # baselinr wwc_classify(c(0.03, 0.12, 0.80)): satisfied, satisfied_with_adjustment,
    # not_satisfied (WWC v5.0 thresholds 0.05 and 0.25).
    cats = [baseline_equivalence(v).category for v in (0.03, 0.12, 0.80)]
    assert cats == ["satisfied", "requires_adjustment", "not_satisfied"]
    # boundaries are inclusive
    assert baseline_equivalence(0.05).category == "satisfied"
    assert baseline_equivalence(-0.25).category == "requires_adjustment"
    assert baseline_equivalence(0.2501).category == "not_satisfied"
    assert not baseline_equivalence(0.12).met
    assert baseline_equivalence(0.12, adjusted=True).met
    assert "0.25" in baseline_equivalence(0.3).reason


def test_attrition_boundary_golden_baselinr() -> None:
    # baselinr attrition_boundary() examples (WWC Standards Handbook v4.1, Table II.1):
    # 8% overall, 3-point differential: low under the cautious boundary;
    # 30% overall, 6-point differential: high if cautious, low if optimistic.
    assert attrition_boundary(0.08, 0.03, "cautious").level == "low"
    assert attrition_boundary(0.30, 0.06, "cautious").level == "high"
    assert attrition_boundary(0.30, 0.06, "optimistic").level == "low"


def test_attrition_table_rows_and_shape() -> None:
    tab = attrition_table()
    assert list(tab["overall_percent"]) == list(range(66))
    # rows of WWC v4.1 Table II.1 (cautious, optimistic) at 0, 10, 20, 30, 40, 50 percent
    expected = {
        0: (5.7, 10.0),
        10: (6.3, 10.9),
        20: (5.4, 10.0),
        30: (4.1, 8.2),
        40: (2.6, 6.0),
        50: (1.0, 3.7),
    }
    for overall, (c, o) in expected.items():
        row = tab.loc[tab["overall_percent"] == overall].iloc[0]
        assert (row["cautious"], row["optimistic"]) == (c, o)
    # the optimistic boundary always allows at least as much as the cautious one
    both = tab.dropna()
    assert (both["optimistic"] >= both["cautious"]).all()
    # cautious boundary ends at 57%; beyond it, any differential is high
    assert attrition_boundary(0.58, 0.0, "cautious").level == "high"
    assert attrition_boundary(0.57, 0.0, "cautious").level == "low"
    assert attrition_boundary(0.66, 0.0, "optimistic").level == "high"
    source = rules()["attrition"]["source"]
    assert "Table II.1" in source


def test_attrition_boundary_rounds_overall_to_table_row() -> None:
    # 10.4% overall reads the 10% row (6.3 cautious); 10.6% reads the 11% row (6.2)
    assert attrition_boundary(0.104, 0.063).level == "low"
    assert attrition_boundary(0.106, 0.063).level == "high"
    assert attrition_boundary(0.106, 0.062).level == "low"
    # a differential exactly on the boundary is low (floating point tolerance)
    assert attrition_boundary(0.10, 0.109, "optimistic").level == "low"
    assert attrition_boundary(0.10, 0.1091, "optimistic").level == "high"
    with pytest.raises(SpecError, match="proportion"):
        attrition_boundary(12, 3)


def test_attrition_counts() -> None:
    a = attrition(100, 90, 100, 80, boundary="cautious")
    assert a.overall == pytest.approx(0.15)
    assert a.differential == pytest.approx(0.10)
    # 15% overall reads 5.9 (cautious) and 10.7 (optimistic) points
    assert a.level == "high" and a.optimistic.level == "low"
    assert a.cautious.max_differential == 5.9 and a.optimistic.max_differential == 10.7
    b = attrition(100, 95, 100, 92, boundary="optimistic")
    assert b.overall == pytest.approx(0.065) and b.differential == pytest.approx(0.03)
    assert b.cautious.level == "low" and b.low
    assert "cautious" in a.reason() or "cautious" in a.tidy()["boundary"].iloc[0]
    with pytest.raises(SpecError, match="larger"):
        attrition(10, 11, 10, 10)


def test_panel_attrition_counts_schools_that_stop_reporting() -> None:
    rows = []
    for i in range(20):
        treated = i < 10
        for year in (2018, 2019, 2020):
            value = 1.0
            if year == 2020 and (i in (0, 1) or i == 15):  # two treated, one comparison stop
                value = np.nan
            rows.append(
                {"school": f"s{i}", "year": year, "cohort": 2019 if treated else 0, "y": value}
            )
    df = pd.DataFrame(rows)
    a = panel_attrition(
        df, unit="school", time="year", treated="cohort", outcome="y", baseline=2018, followup=2020
    )
    assert (a.n_treatment_start, a.n_treatment_end) == (10, 8)
    assert (a.n_comparison_start, a.n_comparison_end) == (10, 9)
    assert a.overall == pytest.approx(0.15) and a.differential == pytest.approx(0.10)
    assert "stopped reporting" in a.source


# ---- variance, clustering -----------------------------------------------------------


def test_hedges_g_variance_and_interval() -> None:
    es = hedges_g(52.0, 50.0, 10.0, 10.0, 100, 100)
    omega = 1 - 3 / (4 * 200 - 9)
    assert es.estimate == pytest.approx(0.2 * omega)
    v = 200 / (100 * 100) + es.estimate**2 / 400
    assert es.std_error == pytest.approx(math.sqrt(v))
    tidy = es.tidy()
    for col in ("term", "estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high"):
        assert col in tidy.columns
    assert tidy["handbook"].iloc[0] == HANDBOOK
    assert "5.0" in HANDBOOK
    assert es.conf_low < es.estimate < es.conf_high
    assert es.p_value == pytest.approx(2 * stats.norm.sf(es.estimate / es.std_error))
    # a supplied adjusted mean difference takes precedence over the raw means
    assert hedges_g(None, None, 10, 10, 100, 100, mean_diff=3.0).estimate == pytest.approx(
        0.3 * omega
    )


def test_cluster_adjusted_g_reduces_to_unclustered_when_icc_zero() -> None:
    g = 0.3
    es = cluster_adjusted_g(g, 150, 150, icc=0.0, cluster_size=15)
    assert es.estimate == pytest.approx(g)
    base = 300 / (150 * 150) + g**2 / (2 * 300)
    # with rho = 0 the Hedges (2007) variance is N/(n_t n_c) + g^2/(2(N-2))
    assert es.std_error**2 == pytest.approx(300 / (150 * 150) + g**2 / (2 * 298))
    assert es.std_error**2 == pytest.approx(base, rel=0.01)
    assert es.df == pytest.approx(298)


def test_cluster_adjusted_g_hedges_2007_formula() -> None:
    n_t = n_c = 250  # 50 clusters of 10
    rho, n, g = 0.2, 10.0, 0.4
    es = cluster_adjusted_g(g, n_t, n_c, icc=rho, n_clusters=50)
    big_n = 500
    g_t = g * math.sqrt(1 - 2 * (n - 1) * rho / (big_n - 2))
    assert es.estimate == pytest.approx(g_t)
    # variance inflation by the design effect 1 + (n-1) rho dominates
    assert es.std_error**2 > (big_n / (n_t * n_c)) * (1 + (n - 1) * rho)
    assert es.df == pytest.approx(cluster_df(500, 0.2, 10))
    assert es.df < big_n - 2


def test_cluster_corrected_test() -> None:
    # no clustering: the corrected test equals the uncorrected one on N - 2 df
    res = cluster_corrected_test(0.3, 200, 200, 200, 200, icc=0.0)
    assert res.t_corrected == pytest.approx(res.t)
    assert res.df == pytest.approx(398)
    # the baselinr cluster_correction example design: g = 0.30, 200 + 200 students in
    # 10 + 10 schools, achievement outcome (WWC default ICC 0.20)
    res = cluster_corrected_test(0.30, 200, 200, 10, 10, outcome="achievement")
    assert res.icc == default_icc("achievement") == 0.20
    assert "default" in res.icc_source
    t = 0.30 / math.sqrt(400 / 40000 + 0.09 / 800)
    assert res.t == pytest.approx(t)
    a = 398 - 2 * 19 * 0.2
    assert res.t_corrected == pytest.approx(t * math.sqrt(a / (398 * (1 + 19 * 0.2))))
    assert res.p_value == pytest.approx(2 * stats.t.sf(res.t_corrected, res.df))


def test_cluster_corrected_test_result_name_and_deprecated_alias() -> None:
    import typing

    import improve.effects as effects
    from improve.effects import wwc
    from improve.inference import ClusterCorrection

    res = cluster_corrected_test(0.3, 200, 200, 10, 10)
    assert type(res) is effects.ClusterCorrectedTest
    for module in (effects, wwc):
        with pytest.warns(DeprecationWarning, match="renamed ClusterCorrectedTest"):
            old = module.ClusterCorrection
        assert old is effects.ClusterCorrectedTest
    with pytest.raises(AttributeError):
        _ = effects.NoSuchName
    # the name ClusterCorrection now means the DiD option type only
    assert typing.get_args(ClusterCorrection) == ("CR2", "none")
    assert res.t_corrected < res.t
    assert default_icc("other") == 0.10


def test_did_effect_size() -> None:
    post = hedges_g(55, 50, 10, 10, 100, 100, term="post")
    pre = hedges_g(52, 50, 10, 10, 100, 100, term="pre")
    d = did_effect_size(post, pre)
    assert d.estimate == pytest.approx(post.estimate - pre.estimate)
    assert d.std_error == pytest.approx(math.hypot(post.std_error, pre.std_error))
    d_corr = did_effect_size(post, pre, pre_post_correlation=0.8)
    assert d_corr.std_error < d.std_error
    assert math.isnan(did_effect_size(0.3, 0.1).std_error)


def test_cox_index_errors_are_actionable() -> None:
    with pytest.raises(EstimationError, match="strictly between 0 and 1"):
        cox_index(1.0, 0.5, 10, 10)
    with pytest.raises(SpecError, match="small_sample=False"):
        cox_index(0.6, 0.5)


# ---- pre-period equivalence and study rating --------------------------------------------


def _panel(shift: float) -> SimpleNamespace:
    rng = np.random.default_rng(7)
    rows = []
    for i in range(80):
        cohort = 2020 if i < 40 else 0
        level = rng.normal(0, 1) + (shift if cohort else 0.0)
        for year in (2017, 2018, 2019, 2020, 2021):
            rows.append(
                {
                    "unit_id": f"u{i}",
                    "year": year,
                    "cohort": cohort,
                    "y": level + rng.normal(0, 0.1),
                }
            )
    spec = PanelSpec(unit="unit_id", time="year", cohort="cohort", outcomes=("y",))
    return SimpleNamespace(data=pd.DataFrame(rows), spec=spec)


def test_pre_period_equivalence() -> None:
    g, be = pre_period_equivalence(_panel(0.0), "y")
    g_far, be_far = pre_period_equivalence(_panel(1.0), "y")
    assert abs(g_far.estimate) > 0.5 and be_far.category == "not_satisfied"
    assert be.effect_size == pytest.approx(g.estimate)
    assert be.measure == "pre-period y"


def test_wwc_rating_rules() -> None:
    low = attrition(100, 97, 100, 96)
    high = attrition(100, 70, 100, 90)
    r = wwc_rating("rct", attrition=low)
    assert r.rating == "meets_without_reservations"
    r = wwc_rating("rct", attrition=high, baseline=baseline_equivalence(0.03))
    assert r.rating == "meets_with_reservations"
    assert any("high attrition" in s for s in r.reasons)
    r = wwc_rating("staggered_did", baseline=baseline_equivalence(0.1, adjusted=True))
    assert r.rating == "meets_with_reservations" and r.design == "quasi_experimental"
    r = wwc_rating("did", baseline=baseline_equivalence(0.1, adjusted=False))
    assert r.rating == "does_not_meet"
    assert wwc_rating("qed").rating == "does_not_meet"
    assert wwc_rating("did", baseline=baseline_equivalence(0.4)).rating == "does_not_meet"
    assert wwc_rating("fixed_effects").rating == "does_not_meet"
    with pytest.raises(SpecError, match="unknown design"):
        wwc_rating("astrology")


def test_standardized_effects_reports_sd_and_carries_uncertainty() -> None:
    from improve.effects import outcome_sd, standardized_effects

    tidy = pd.DataFrame(
        {
            "term": ["att"],
            "estimate": [5.0],
            "std_error": [2.0],
            "statistic": [2.5],
            "p_value": [0.0124],
            "conf_low": [1.08],
            "conf_high": [8.92],
        }
    )
    sd = outcome_sd(None, "math_ss", "user", value=50.0, label="state student-level SD (2019)")
    out = standardized_effects(tidy, sd)
    assert out["estimate"].iloc[0] == pytest.approx(0.1)
    assert out["std_error"].iloc[0] == pytest.approx(0.04)
    assert out["statistic"].iloc[0] == 2.5  # a rescaling leaves the test unchanged
    assert out["sd_description"].iloc[0] == "state student-level SD (2019)"
    assert out["improvement_index"].iloc[0] == pytest.approx(improvement_index(0.1))
    g = standardized_effects(tidy, sd, n_treatment=30, n_comparison=30)
    omega = small_sample_correction(60)
    assert g["estimate"].iloc[0] == pytest.approx(0.1 * omega)
    assert g["conf_high"].iloc[0] == pytest.approx(8.92 / 50 * omega)
