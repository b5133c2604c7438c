"""The threshold evaluation on the demo data: design read from the map, truth recovered,
robustness tables consistent with the main estimate, WWC standards with reasons."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from rdrobust import rdrobust

from improve.effects import wwc
from improve.effects.wwc_rd import (
    MET,
    NOT_MET,
    RESERVATIONS,
    bandwidth_standard,
    continuity_standard,
    first_stage_standard,
    forcing_variable_integrity,
    rd_standards_check,
    wwc_rd_standards,
)
from improve.rd import load_cross_section
from improve.rd.evaluation import evaluate_threshold

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo_rd"
TRUTH = json.loads((DEMO / "truth.json").read_text())


@pytest.fixture(scope="module")
def schools():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rd = load_cross_section(DEMO / "schools.csv", DEMO / "columns.yaml")
        return rd, evaluate_threshold(rd)


@pytest.fixture(scope="module")
def grants():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rd = load_cross_section(DEMO / "grants.csv", DEMO / "grants.yaml")
        return rd, evaluate_threshold(rd)


def test_sharp_design_recovers_the_coach_effect(schools):
    rd, ev = schools
    assert ev.design == "sharp" and ev.verdict == "sharp_regression_discontinuity"
    robust = ev.main.robust
    assert robust["conf_low"] < TRUTH["schools"]["effect"] < robust["conf_high"]
    assert robust["conf_low"] > 0
    data = rd.data.dropna(subset=["math_score"])
    codes = data["district_id"].factorize(sort=True)[0]
    direct = rdrobust(
        data["math_score"].to_numpy(), data["k5_enrollment"].to_numpy(), c=800.0, cluster=codes
    )
    assert ev.main.estimate == pytest.approx(float(direct.coef.iloc[0, 0]), rel=1e-10)


def test_robustness_tables_agree_with_the_main_estimate(schools):
    _, ev = schools
    one = ev.bandwidths.loc[ev.bandwidths["multiple"] == 1.0].iloc[0]
    assert one["estimate"] == pytest.approx(ev.main.estimate, rel=1e-10)
    assert ev.bandwidths["h_left"].to_numpy() == pytest.approx(
        ev.main.h[0] * ev.bandwidths["multiple"].to_numpy(), rel=1e-10
    )
    assert ev.donut["radius"].iloc[0] == 0.0
    assert ev.donut["estimate"].iloc[0] == pytest.approx(ev.main.estimate, rel=1e-10)
    assert (ev.donut["left_out"].diff().dropna() > 0).all()
    assert set(ev.balance["covariate"]) == {"pct_frl", "prior_math"}
    assert len(ev.placebo) == 6 and (ev.placebo["side"] == "below").sum() == 3
    assert ev.binned.bins["n"].sum() == len(ev.data)


def test_fuzzy_pooled_design_recovers_the_grant_effect(grants):
    rd, ev = grants
    assert ev.design == "fuzzy"
    assert ev.main.first_stage_f > 100
    robust = ev.main.robust
    assert robust["conf_low"] < TRUTH["grants"]["effect_of_receiving"] < robust["conf_high"]
    assert list(ev.by_cutoff["cutoff"]) == ["68", "70", "72", "pooled (centred)"]
    centred = rd.data["application_score"] - rd.data["funding_line"]
    direct = rdrobust(
        rd.data["math_growth"],
        centred,
        c=0.0,
        fuzzy=rd.data["received_grant"],
        cluster=rd.data["district_id"].factorize(sort=True)[0],
    )
    assert ev.main.estimate == pytest.approx(float(direct.coef.iloc[0, 0]), rel=1e-10)
    assert ev.reduced_form.estimate == pytest.approx(
        ev.main.estimate * ev.main.first_stage["estimate"].iloc[0], rel=0.2
    )


def test_demo_meets_wwc_rd_standards(schools, grants):
    assert rd_standards_check(schools[1]).rating.startswith("Meets WWC RDD standards")
    check = rd_standards_check(grants[1])
    assert "First stage (fuzzy design)" in set(check.table()["standard"])


def test_sentence_names_the_robust_interval(schools):
    sentence = schools[1].summary_sentence("schools", "math", "the second coach")
    assert "robust 95% CI" in sentence and "schools" in sentence


def test_standards_give_reasons():
    assert forcing_variable_integrity(0.01, False).verdict == NOT_MET
    assert forcing_variable_integrity(0.5, True).verdict == RESERVATIONS
    assert forcing_variable_integrity(0.5, False).verdict == MET
    assert continuity_standard({"frl": (0.4, 0.01)}).verdict == NOT_MET
    assert continuity_standard({"frl": (0.4, 0.3)}).verdict == RESERVATIONS
    assert continuity_standard({"frl": (0.1, 0.01)}).verdict == RESERVATIONS
    assert continuity_standard({"frl": (0.02, 0.5)}, [0.01, 0.02, 0.5]).verdict == RESERVATIONS
    assert continuity_standard({}).verdict == RESERVATIONS
    ok = bandwidth_standard(2.0, [1.8, 2.2], [0.5, 1.0], [3.0, 3.5], ["0.5x", "2x"])
    assert ok.verdict == MET
    off = bandwidth_standard(2.0, [1.8, -0.5], [0.5, -2.0], [3.0, 1.0], ["0.5x", "2x"])
    assert off.verdict == RESERVATIONS and "2x" in off.reason
    assert first_stage_standard(4.0).verdict == NOT_MET
    high = wwc.attrition(100, 60, 100, 95)
    from improve.effects.wwc_rd import attrition_standard

    assert attrition_standard(high).verdict == RESERVATIONS
    rating = wwc_rd_standards(forcing_variable_integrity(0.5, False), first_stage_standard(4.0))
    assert rating.rating == "Does not meet WWC RDD standards"
    assert np.all(rating.table().columns == ["standard", "verdict", "reason"])


def test_fixed_bandwidth_and_options_reach_every_estimate(schools):
    rd, _ = schools
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ev = evaluate_threshold(rd, bandwidth=120.0, p=2, kernel="uniform", cluster=False)
    assert ev.main.h == (120.0, 120.0) and ev.main.p == 2
    assert ev.main.kernel == "Uniform" and ev.main.n_clusters is None
    assert ev.bandwidths["h_left"].to_numpy() == pytest.approx(
        120.0 * ev.bandwidths["multiple"].to_numpy()
    )


def test_heaping_at_the_cutoff_gives_reservations(schools):
    rd, _ = schools
    data = rd.data.copy()
    near = (data["k5_enrollment"] >= 790) & (data["k5_enrollment"] < 810)
    data.loc[near, "k5_enrollment"] = 800
    heaped = type(rd)(data=data, spec=rd.spec, source=rd.source)
    with pytest.warns(UserWarning, match="exactly at the cutoff"):
        ev = evaluate_threshold(heaped)
    assert ev.heaping
    integrity = rd_standards_check(ev).table().iloc[0]
    assert integrity["verdict"] in (RESERVATIONS, NOT_MET)
