"""Survey outputs: small groups hidden (with complements) in tables, figures and sentences."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from improve.report.survey_tables import mark_small_groups


def test_small_group_and_its_complement_are_marked():
    frame = pd.DataFrame(
        {
            "grouping": ["role"] * 4 + ["region"] * 3,
            "term": ["A", "B", "C", "Total", "N", "S", "Total"],
            "n": [4, 30, 12, 46, 20, 26, 46],
        }
    )
    marked = mark_small_groups(frame, 10)
    assert marked["suppressed"].tolist() == [True, False, True, False, False, False, False]
    assert not mark_small_groups(frame, None)["suppressed"].any()


def test_two_small_groups_need_no_complement():
    frame = pd.DataFrame({"item": ["q"] * 3, "group": ["A", "B", "C"], "n": [3, 4, 50]})
    assert mark_small_groups(frame, 5, family=("item",))["suppressed"].tolist() == [
        True,
        True,
        False,
    ]


@pytest.mark.slow
def test_workbook_hides_small_groups_everywhere(tmp_path):
    from improve.report.defaults import demo_workbook_params
    from improve.runner import run_workbook

    params = demo_workbook_params("ta_survey_summary")
    params |= {"min_cell_size": 90, "bootstrap_draws": 50}
    run = run_workbook("ta_survey_summary", params=params, out=tmp_path)
    assert run.status == "complete", run
    tables = run.folder / "tables"
    respondents = pd.read_csv(tables / "respondents.csv")
    role = respondents[respondents["grouping"] == "role"].set_index("term")
    # Principal (65 respondents) is below 90; District staff (93) is its complement
    assert role.loc["Principal", "suppressed"] and pd.isna(role.loc["Principal", "n"])
    assert role.loc["District staff", "suppressed"] and pd.isna(role.loc["District staff", "n"])
    rates = pd.read_csv(tables / "response_rates.csv")
    assert rates.loc[rates["term"] == "Principal", "estimate"].isna().all()
    summary = json.loads((run.folder / "results.json").read_text())["summary"]
    assert "Principal" not in summary and "District staff" not in summary
    text = (run.folder / "report.html").read_text()
    for secret in ("@example.org", "R_0", "More time for practice", "Very useful examples"):
        assert secret not in text
    for svg in (run.folder / "figures").glob("*.svg"):
        assert "Principal" not in svg.read_text(), svg.name


@pytest.mark.slow
def test_workbook_runs_on_the_surveymonkey_needs_assessment(tmp_path):
    from pathlib import Path

    from improve.runner import run_workbook

    demo = Path(__file__).resolve().parents[2] / "data" / "demo_survey"
    params = {"population_path": "", "weight_by": [], "compare_by": ["role", "region"]}
    run = run_workbook(
        "ta_survey_summary",
        demo / "needs_assessment_surveymonkey.csv",
        columns=demo / "needs_assessment.yaml",
        params=params,
        out=tmp_path,
    )
    assert run.status == "complete", run
    summary = json.loads((run.folder / "results.json").read_text())["summary"]
    assert summary.startswith("119 people answered the needs assessment.")
    assert "Where support is most needed, most often chosen: Coaching for teachers" in summary
    assert not (run.folder / "tables" / "change.csv").exists()
    assert "leader0" not in (run.folder / "report.html").read_text()


@pytest.mark.slow
def test_workbook_compares_two_matched_waves(tmp_path):
    from pathlib import Path

    from improve.runner import run_workbook

    files = Path(__file__).resolve().parents[1] / "survey" / "files"
    params = {
        "baseline_path": str(files / "qualtrics_choice.csv"),
        "population_path": "",
        "weight_by": [],
        "compare_by": [],
        "min_cell_size": 3,
        "bootstrap_draws": 20,
    }
    run = run_workbook(
        "ta_survey_summary",
        files / "qualtrics_choice.csv",
        columns=files / "qualtrics.yaml",
        params=params,
        out=tmp_path,
    )
    assert run.status == "complete", run
    change = pd.read_csv(run.folder / "tables" / "change.csv")
    assert change["n"].tolist() == [5, 5] and change["estimate"].tolist() == [0, 0]
    html = (run.folder / "report.html").read_text()
    assert "R_1" not in html and "@example.org" not in html and str(files) not in html
