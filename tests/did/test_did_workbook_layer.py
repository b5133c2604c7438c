"""TWFE, the evaluation bundle, robustness table, SD units and the summary sentence."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from improve.data import load_panel
from improve.did.evaluation import design_summary, evaluate
from improve.did.robustness import robustness_table
from improve.did.twfe import twfe
from improve.effects import outcome_sd, to_sd_units
from improve.errors import SpecError
from improve.report.narrative import did_summary_sentence, effect_sentence

from sample_data import SCHOOL_MAP, make_school_panel


@pytest.fixture(scope="module")
def panel():
    return load_panel(make_school_panel(n_schools=90, seed=11), columns=SCHOOL_MAP)


def test_twfe_static_equals_double_demeaned_ols(panel):
    df = panel.data
    d = ((df["first_grant_year"] > 0) & (df["school_year"] >= df["first_grant_year"])).astype(float)
    y = df["math_ss"].astype(float)

    def demean(v: pd.Series) -> np.ndarray:
        # balanced panel: subtracting unit and year means (plus grand mean) is the within transform
        return (
            v
            - v.groupby(df["school_id"]).transform("mean")
            - v.groupby(df["school_year"]).transform("mean")
            + v.mean()
        ).to_numpy()

    yd, dd = demean(y), demean(d)
    beta = float(dd @ yd / (dd @ dd))
    fit = twfe(panel, "math_ss")
    assert fit.tidy().loc[0, "term"] == "post"
    assert fit.estimate[0] == pytest.approx(beta, abs=1e-10)
    assert fit.n_clusters == 12 and fit.cluster == "district_id"


def test_twfe_dynamic_omits_reference_and_bins(panel):
    fit = twfe(panel, "math_ss", dynamic=True, min_e=-3, max_e=2)
    e = fit.tidy()["event_time"].tolist()
    assert -1 not in e and min(e) == -3 and max(e) == 2


def test_evaluation_bundle_and_design(panel):
    ev = evaluate(panel, "math_ss", covariates=[], control_group="notyettreated", max_event_time=3)
    table = ev.summary_table()
    assert table["summary"].tolist()[0] == "overall"
    assert set(table["summary"]) == {"overall", "cohort", "period"}
    es = ev.event_study_table()
    assert es["event_time"].between(-3, 3).all()
    # every estimate table carries the N of the estimation
    assert (table["n_units"] == panel.report.n_units).all()
    assert (es["n_units"] == panel.report.n_units).all()
    cells = ev.cells_table()
    assert (cells["n_treated"] > 0).all() and (cells["n_comparison"] > 0).all()
    results = ev.to_results()
    assert (
        results["simple"]["conf_low"]
        < results["simple"]["estimate"]
        < results["simple"]["conf_high"]
    )
    design = design_summary(panel, "notyettreated")
    never = int((panel.unit_cohorts() == 0).sum())
    later = int((panel.unit_cohorts() == 2021).sum())
    row = design.set_index("cohort").loc[2018]
    assert row["comparison_units"] == never + later
    assert (
        design_summary(panel, "nevertreated").set_index("cohort").loc[2018, "comparison_units"]
        == never
    )
    with pytest.raises(SpecError):
        evaluate(panel, "math_ss", max_event_time=-1)


def test_robustness_table_rows(panel):
    table = robustness_table(
        panel,
        "math_ss",
        {"control_group": "notyettreated", "covariates": []},
        {"never": {"control_group": "nevertreated"}},
    )
    assert table["specification"].tolist() == [
        "Main specification",
        "never",
        "Two-way fixed effects (static)",
    ]
    assert "nevertreated comparison" in table.loc[1, "estimator"]
    assert table["estimate"].notna().all()


def test_sd_units(panel):
    sd = outcome_sd(panel, "math_ss", "comparison_pre")
    data = panel.data
    expected = data.loc[
        (data["first_grant_year"] == 0) & (data["school_year"] < 2018), "math_ss"
    ].std(ddof=1)
    assert sd.value == pytest.approx(expected)
    tidy = pd.DataFrame(
        {
            "estimate": [2.0],
            "std_error": [0.5],
            "conf_low": [1.0],
            "conf_high": [3.0],
            "statistic": [4.0],
        }
    )
    scaled = to_sd_units(tidy, sd)
    assert scaled.loc[0, "estimate"] == pytest.approx(2.0 / expected)
    assert scaled.loc[0, "statistic"] == 4.0
    user = outcome_sd(panel, "math_ss", "user", value=30.0, label="state student-level SD")
    assert user.value == 30.0 and user.description == "state student-level SD"
    with pytest.raises(SpecError):
        outcome_sd(panel, "math_ss", "user", value=-1)


def test_sentences_never_overstate():
    text = effect_sentence(
        0.12,
        0.07,
        0.17,
        outcome="math scores",
        treated="grant schools",
        comparison="schools not yet funded",
        timing="Two years after the grant began",
    )
    assert text == (
        "Two years after the grant began, math scores in grant schools were 0.12 SD "
        "higher (95% CI 0.07 to 0.17) than in schools not yet funded."
    )
    null = effect_sentence(-0.03, -0.10, 0.04, outcome="reading scores")
    assert "lower" in null and "includes zero" in null and "−0.10" in null
    for sentence in (text, null):
        assert "caus" not in sentence and "significant" not in sentence
    summary = did_summary_sentence(
        {"estimate": 0.2, "conf_low": 0.1, "conf_high": 0.3},
        outcome_label="math scores",
        control_group="nevertreated",
        units="SD",
        level=0.9,
        program="the grant",
    )
    assert "90% CI" in summary and "never received the grant" not in summary
    assert "schools that never received" in summary


def test_result_plots_return_figures(panel):
    ev = evaluate(
        panel, "math_ss", covariates=[], bootstrap=True, n_boot=99, seed=3, max_event_time=3
    )
    heat = ev.cells.plot()
    assert len(heat.axes[0].texts) == len(ev.cells_table())
    es = ev.dynamic.plot(outcome_label="points")
    assert es.axes[0].get_ylabel() == "points"
    assert any("uniform" in t.get_text() for t in es.axes[0].get_legend().get_texts())
    grp = ev.group.plot()
    assert grp.axes[0].get_xlabel().startswith("Cohort")
    with pytest.raises(ValueError):
        ev.simple.plot()


def test_pretrend_wald_matches_r_statistic_and_adjusts_for_clusters(panel):
    from scipy import stats

    from improve.did import att_gt
    from improve.did.pretest import pretrend_wald

    clustered = att_gt(
        panel, "math_ss", covariates=[], control_group="notyettreated", cluster_correction="none"
    )
    as_r = pretrend_wald(clustered, event_study=False, small_sample=False)
    assert as_r.statistic == pytest.approx(clustered.pretrend_stat, rel=1e-10)
    assert as_r.p_value == pytest.approx(clustered.pretrend_p_value, rel=1e-8)
    cr2 = att_gt(panel, "math_ss", covariates=[], control_group="notyettreated")
    htz = pretrend_wald(cr2, event_study=False)
    assert htz.method == "htz_f" and htz.statistic == pytest.approx(cr2.pretrend_stat, rel=1e-10)
    k, eta = htz.df, htz.denominator_df
    assert 1 < eta <= 11
    expected = stats.f.sf((eta - k + 1) / (eta * k) * htz.statistic, k, eta - k + 1)
    assert htz.p_value == pytest.approx(expected)
    assert htz.p_value > pretrend_wald(cr2, event_study=False, small_sample=False).p_value
    adjusted = pretrend_wald(clustered, event_study=False)
    k, g = adjusted.df, adjusted.n_clusters
    assert adjusted.method == "hotelling_f" and g == 12
    expected = stats.f.sf((g - k) / (k * (g - 1)) * adjusted.statistic, k, g - k)
    assert adjusted.p_value == pytest.approx(expected)
    assert adjusted.p_value > as_r.p_value  # fewer clusters, less false confidence
    by_unit = att_gt(panel, "math_ss", covariates=[], cluster="school_id")
    assert pretrend_wald(by_unit).method == "chi2"
    event = pretrend_wald(clustered, min_e=-2)
    assert event.terms == ("e=-2", "e=-1")


def test_jackknife_matches_manual_leave_one_cluster_out(panel):
    from improve.did import aggregate, att_gt
    from improve.did.jackknife import jackknife_aggregates

    jk = jackknife_aggregates(
        panel,
        "math_ss",
        {"simple": {"type": "simple"}},
        covariates=[],
        control_group="notyettreated",
    )
    labels, ses = jk["simple"]
    assert labels.size == 0 and ses.size == 1
    data = panel.data
    districts = sorted(data["district_id"].unique())
    leave_out = []
    for d in districts:
        fit = att_gt(
            data[data["district_id"] != d],
            "math_ss",
            unit="school_id",
            time="school_year",
            cohort="first_grant_year",
            covariates=[],
            control_group="notyettreated",
            cluster="district_id",
        )
        leave_out.append(aggregate(fit, type="simple").estimate)
    theta = np.array(leave_out)
    g = theta.size
    expected = np.sqrt((g - 1) / g * np.sum((theta - theta.mean()) ** 2))
    assert ses[0] == pytest.approx(expected, rel=1e-12)


def test_jackknife_refits_use_the_column_maps_covariates(panel):
    """evaluate(..., inference="jackknife") on a map with covariates: the leave-one-out fits
    must be the same estimator as the full fit (covariates from the map), checked by hand."""
    from improve.did import aggregate, att_gt

    assert panel.spec.covariates == ("enrollment",)
    jack = evaluate(panel, "math_ss", control_group="notyettreated", inference="jackknife")
    data = panel.data
    full = att_gt(
        data,
        "math_ss",
        unit="school_id",
        time="school_year",
        cohort="first_grant_year",
        covariates=["enrollment"],
        control_group="notyettreated",
        cluster="district_id",
    )
    assert jack.simple.estimate == aggregate(full, type="simple").estimate

    def leave_out_se(covariates: list[str]) -> float:
        theta = []
        for d in sorted(data["district_id"].unique()):
            fit = att_gt(
                data[data["district_id"] != d],
                "math_ss",
                unit="school_id",
                time="school_year",
                cohort="first_grant_year",
                covariates=covariates,
                control_group="notyettreated",
                cluster="district_id",
            )
            theta.append(aggregate(fit, type="simple").estimate)
        t = np.array(theta)
        return float(np.sqrt((t.size - 1) / t.size * np.sum((t - t.mean()) ** 2)))

    with_covariates, without = leave_out_se(["enrollment"]), leave_out_se([])
    assert abs(with_covariates - without) > 1e-6  # the test can tell the two apart
    assert jack.simple.std_error == pytest.approx(with_covariates, rel=1e-12)


def test_jackknife_evaluation_keeps_estimates_and_close_to_analytic(panel):
    analytic = evaluate(panel, "math_ss", covariates=[], max_event_time=2)
    jack = evaluate(panel, "math_ss", covariates=[], max_event_time=2, inference="jackknife")
    assert jack.simple.estimate == analytic.simple.estimate
    np.testing.assert_array_equal(jack.dynamic.att_egt, analytic.dynamic.att_egt)
    ratio = jack.simple.std_error / analytic.simple.std_error
    assert 0.7 < ratio < 1.6  # same quantity, different small-sample behaviour
    assert "jackknife" in jack.inference_note
    tidy = jack.simple.tidy().iloc[0]
    assert tidy["conf_high"] - tidy["conf_low"] == pytest.approx(
        2 * 1.959963984540054 * jack.simple.std_error
    )
    with pytest.raises(SpecError):
        evaluate(panel, "math_ss", covariates=[], inference="bootstrap")


def test_compare_event_studies_on_one_axis(panel):
    from improve.did import aggregate, att_gt, imputation, twfe
    from improve.did.event_study_comparison import compare_event_studies, event_time_spread
    from improve.report.did_figures import plot_event_study_comparison

    cs = aggregate(att_gt(panel, "math_ss", covariates=[]), type="dynamic")
    imp = imputation(panel, "math_ss", max_e=2, min_e=-2)
    tw = twfe(panel, "math_ss", dynamic=True, min_e=-2, max_e=2)
    table = compare_event_studies({"CS": cs, "BJS": imp, "TWFE": tw}, min_e=-2, max_e=2)
    assert list(dict.fromkeys(table["estimator"])) == ["CS", "BJS", "TWFE"]
    assert table["event_time"].between(-2, 2).all()
    assert -1 not in set(table.loc[table["estimator"] == "TWFE", "event_time"])
    cs_rows = table.loc[table["estimator"] == "CS"].set_index("event_time")
    direct = cs.tidy().dropna(subset=["event_time"]).set_index("event_time")
    assert cs_rows.loc[1.0, "estimate"] == direct.loc[1.0, "estimate"]
    spread = event_time_spread(table)
    assert (spread["spread"] >= 0).all()
    fig = plot_event_study_comparison(table)
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["CS", "BJS", "TWFE"]
    with pytest.raises(SpecError):
        compare_event_studies({"overall": aggregate(att_gt(panel, "math_ss", covariates=[]))})


def test_cells_left_empty_by_the_overlap_rule_are_listed_and_skipped():
    """A covariate that separates one cohort from the comparison units: R's overlap rule
    (propensity score >= 0.999) leaves its cells empty; evaluate() lists them with the
    reason and aggregates the rest, as aggregate(na_rm=True) does."""
    from improve.did import aggregate, att_gt

    df = make_school_panel(n_schools=90, seed=11)
    first = df["first_grant_year"]
    df["separating"] = (first == 2018).astype(float) * 10 + (df.index % 7) * 0.01
    options = dict(
        unit="school_id",
        time="school_year",
        cohort="first_grant_year",
        covariates=["separating"],
        control_group="nevertreated",
    )
    with pytest.warns(UserWarning, match="could not be estimated"):
        cells = att_gt(df, "math_ss", **options)
    failed = cells.failed_table()
    assert not failed.empty and set(failed["group"]) == {2018.0}
    assert failed["reason"].str.contains("overlap").all()
    with pytest.raises(Exception, match="na_rm"):
        aggregate(cells, type="simple")
    with pytest.warns(UserWarning):
        bundle = evaluate(df, "math_ss", **options)
    expected = aggregate(cells, type="simple", bootstrap_se=False, na_rm=True)
    assert bundle.simple.estimate == pytest.approx(expected.estimate, rel=1e-12)
    assert bundle.cells.failed_cells == cells.failed_cells
