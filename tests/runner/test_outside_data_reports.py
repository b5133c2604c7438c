"""Workbooks on data that is not the demo: no demo wording, raw warnings or local paths.

R ``did``'s ``mpdta`` (counties, teen employment, minimum wage) is run through the
workbooks with a partner-style column map (``tests/outside_data/mpdta_did.yaml``) and only
the parameters a partner would set; the demo school file with a map naming one outcome runs
``panel_profile`` without ``-p outcomes``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from improve.runner import run_workbook

from published_scan import wording_problems

ROOT = Path(__file__).resolve().parents[2]
MPDTA = ROOT / "tests" / "reference" / "mpdta.csv"
MPDTA_MAP = ROOT / "tests" / "outside_data" / "mpdta_did.yaml"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("workbook", "params"),
    [
        ("did_evaluation", {"bootstrap_draws": 199, "max_event_time": 3}),
        ("panel_profile", {}),
        ("evidence_summary", {}),
    ],
)
def test_mpdta_reports_speak_of_the_data_they_were_given(workbook, params, tmp_path):
    run = run_workbook(workbook, MPDTA, columns=MPDTA_MAP, params=params, out=tmp_path)
    assert run.status == "complete"
    problems = wording_problems(run.folder)
    assert not problems, problems
    html = (run.folder / "report.html").read_text(encoding="utf-8")
    assert "Notes on the data and the method" in html and "Parameters" in html
    assert html.index('id="Parameters"') > html.index('id="Notes-on-the-data-and-the-method"')
    if workbook == "did_evaluation":
        assert "Key findings" in html and "lemp" in html
        assert html.index('id="Key-findings"') < html.index('id="Group-time-effects"')
        words = re.sub(r"<[^>]+>", " ", re.sub(r"<style.*?</style>", "", html, flags=re.S))
        assert "conf_low_uniform" not in words and "Uniform band lower" in words
        results = json.loads((run.folder / "results.json").read_text())
        assert set(results) >= {"lemp", "headline"}
    if workbook == "evidence_summary":
        assert "No subgroup file given" in html


@pytest.mark.slow
def test_panel_profile_takes_its_outcomes_from_the_map(tmp_path):
    run = run_workbook(
        "panel_profile",
        ROOT / "data" / "demo" / "schools.csv",
        columns=ROOT / "tests" / "outside_data" / "demo_math_only.yaml",
        out=tmp_path,
    )
    assert run.status == "complete"
    tables = {p.stem for p in (run.folder / "tables").glob("*.csv")}
    assert "trends_math_ss" in tables and "trends_reading_ss" not in tables
