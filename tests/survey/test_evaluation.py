"""The workbook's one call: sections present, matched waves used for the change section."""

from __future__ import annotations

from pathlib import Path

from improve.survey import load_survey
from improve.survey.evaluation import summarise_ta_survey
from improve.survey.matched import load_matched

FILES = Path(__file__).parent / "files"


def test_summary_of_the_golden_survey():
    data = load_survey(FILES / "qualtrics_choice.csv", FILES / "qualtrics.yaml")
    summary = summarise_ta_survey(data, compare_by=["role"], min_cell_size=3, bootstrap=20)
    assert summary.change is None and summary.response is None and not summary.weighted
    assert list(summary.needs) == ["needs"] and list(summary.scales) == ["value"]
    answered = summary.who_answered().set_index("term")
    assert answered.loc["teacher", "n"] == 3 and answered.loc["Not answered", "n"] == 1
    assert "Q4: 2 free-text answers (not reproduced in reports)" in summary.data_notes()


def test_matched_waves_feed_the_change_section():
    path, smap = FILES / "qualtrics_choice.csv", FILES / "qualtrics.yaml"
    data = load_survey(path, smap)
    summary = summarise_ta_survey(data, matched=load_matched(path, path, smap), bootstrap=20)
    change = summary.change.tidy().set_index("pair")
    assert set(change.index) == {"Q1_1", "Q1_2"}
    assert change.loc["Q1_1", "n"] == 5 and change.loc["Q1_1", "estimate"] == 0
