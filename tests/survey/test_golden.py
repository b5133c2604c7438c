"""Counts and percentages on six hand-checked respondents, the same in every export format.

The files in ``files/`` hold the same answers as Qualtrics (choice text and numeric values),
SurveyMonkey and Google Forms exports. By hand: "The session was useful" has 5 answers
(SD 0, D 1, A 2, SA 2: 0/20/40/40 %, top box 40 %, top two 80 %, mean 16/5 = 3.2, median 3);
"I can use what I learned" has 5 answers once "N/A" is no answer (SD 1, D 1, A 2, SA 1:
20/20/40/20 %, top two 60 %, mean 13/5 = 2.6); 5 respondents ticked a support need: coaching
3 (60 %), data use 2 (40 %), family engagement 2 (40 %); 2 free-text answers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from improve.survey import load_survey, summarise_items, summarise_selections

FILES = Path(__file__).parent / "files"
CASES = [
    ("qualtrics_choice.csv", "qualtrics.yaml"),
    ("qualtrics_numeric.csv", "qualtrics.yaml"),
    ("surveymonkey.csv", "surveymonkey.yaml"),
    ("google_forms.csv", "google_forms.yaml"),
]


@pytest.fixture(scope="module", params=CASES, ids=[c[0] for c in CASES])
def survey(request):
    data, smap = request.param
    return load_survey(FILES / data, FILES / smap)


def test_counts_and_percentages(survey):
    summary = summarise_items(survey)
    dist = summary.distribution
    first, second = survey.answers.columns
    useful = dist[dist["item"] == first]
    assert useful["count"].tolist() == [0, 1, 2, 2]
    np.testing.assert_allclose(useful["percent"], [0, 20, 40, 40])
    use = dist[dist["item"] == second]
    assert use["count"].tolist() == [1, 1, 2, 1]
    np.testing.assert_allclose(use["percent"], [20, 20, 40, 20])
    scores = summary.tidy().set_index(["item", "measure"])["estimate"]
    assert scores[(first, "top_box")] == pytest.approx(0.4)
    assert scores[(first, "top_two_box")] == pytest.approx(0.8)
    assert scores[(first, "mean")] == pytest.approx(3.2)
    assert scores[(first, "median")] == 3
    assert scores[(second, "top_two_box")] == pytest.approx(0.6)
    assert scores[(second, "mean")] == pytest.approx(2.6)
    assert set(summary.tidy()["n"]) == {5}


def test_multiselect_frequencies(survey):
    needs = summarise_selections(survey, "needs").tidy()
    assert needs["term"].tolist() == ["Coaching", "Data use", "Family, community engagement"]
    assert needs["count"].tolist() == [3, 2, 2]
    np.testing.assert_allclose(needs["estimate"], [0.6, 0.4, 0.4])
    assert needs["n"].tolist() == [5, 5, 5]


def test_no_ids_emails_or_free_text_leave_the_load_step(survey):
    assert survey.free_text_answered == {next(iter(survey.free_text_answered)): 2}
    everything = [
        survey.answers.astype(str).to_numpy().ravel(),
        survey.groups.astype(str).to_numpy().ravel(),
        np.asarray(list(survey.answers.columns) + list(survey.groups.columns)),
    ]
    text = " ".join(" ".join(map(str, part)) for part in everything)
    for secret in ("@example.org", "R_1", "Great session", "More time please", "1000"):
        assert secret not in text
    assert survey.groups["role"].tolist()[:3] == ["teacher", "teacher", "principal"]


def test_label_case_and_no_answer_are_reported(survey):
    notes = " ".join(survey.notes)
    assert "counted as no answer" in notes
    if "numeric" not in survey.source:
        assert "capital letters or spaces" in notes


def test_qualtrics_excel_export_reads_like_the_csv(tmp_path):
    import pandas as pd

    raw = pd.read_csv(FILES / "qualtrics_choice.csv", header=None, dtype=str, keep_default_na=False)
    raw.to_excel(tmp_path / "export.xlsx", header=False, index=False)
    from_excel = summarise_items(load_survey(tmp_path / "export.xlsx", FILES / "qualtrics.yaml"))
    from_csv = summarise_items(
        load_survey(FILES / "qualtrics_choice.csv", FILES / "qualtrics.yaml")
    )
    assert from_excel.distribution.equals(from_csv.distribution)
