"""Loading fails well: wrong labels, reversed scales, missing header rows, duplicates."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from improve.errors import DataError, SpecError
from improve.survey import load_survey, read_survey_map
from improve.survey.load import check_survey_input

FILES = Path(__file__).parent / "files"


def _map(**changes):
    raw = yaml.safe_load((FILES / "qualtrics.yaml").read_text())
    raw.update(changes)
    return raw


def _lines(name: str) -> list[str]:
    return (FILES / name).read_text().splitlines(keepends=True)


def test_unknown_label_names_the_column_the_answer_and_the_fix():
    with pytest.raises(DataError) as err:
        load_survey(FILES / "qualtrics_choice.csv", _map(no_answer=[]))
    message = str(err.value)
    assert "Q1_2" in message and "'N/A' (1)" in message and "no_answer" in message


def test_reversed_scale_in_the_map_is_caught():
    reversed_map = _map(
        responses={"agree4": ["Strongly agree", "Agree", "Disagree", "Strongly disagree"]}
    )
    with pytest.raises(SpecError, match="lowest to highest"):
        read_survey_map(reversed_map)


def test_missing_qualtrics_header_rows(tmp_path):
    lines = _lines("qualtrics_choice.csv")
    no_import = tmp_path / "no_import.csv"
    no_import.write_text("".join(lines[:2] + lines[3:]))
    with pytest.raises(DataError, match="header row is missing"):
        load_survey(no_import, FILES / "qualtrics.yaml")
    no_text = tmp_path / "no_text.csv"
    no_text.write_text("".join(lines[:1] + lines[2:]))
    with pytest.raises(DataError, match="question text is missing"):
        load_survey(no_text, FILES / "qualtrics.yaml")


def test_missing_surveymonkey_second_row(tmp_path):
    lines = _lines("surveymonkey.csv")
    path = tmp_path / "monkey.csv"
    path.write_text("".join(lines[:1] + lines[2:]))
    with pytest.raises(DataError, match="two header rows"):
        load_survey(path, FILES / "surveymonkey.yaml")


def test_duplicated_respondent_ids(tmp_path):
    lines = _lines("qualtrics_choice.csv")
    path = tmp_path / "dup.csv"
    path.write_text("".join(lines + lines[-1:]))
    with pytest.raises(DataError, match="share a respondent id") as err:
        load_survey(path, FILES / "qualtrics.yaml")
    assert "R_6" not in str(err.value)  # ids never leave the load step, even in errors
    kept = load_survey(path, FILES / "qualtrics.yaml", on_duplicate="keep_last")
    assert kept.n == 6 and "duplicated responses removed" in " ".join(kept.notes)


def test_misspelled_column_suggests_the_right_one():
    raw = _map()
    raw["items"]["Q1_3"] = raw["items"].pop("Q1_2")
    raw["scales"] = {}
    with pytest.raises(DataError, match="'Q1_3'.*did you mean.*'Q1_2'"):
        load_survey(FILES / "qualtrics_choice.csv", raw)


def test_straight_lining_is_flagged(tmp_path):
    raw = {
        "format": "google_forms",
        "responses": {"a": ["No", "Somewhat", "Yes"]},
        "items": {f"q{i}": {"responses": "a"} for i in range(4)},
    }
    path = tmp_path / "g.csv"
    path.write_text("q0,q1,q2,q3\nYes,Yes,Yes,Yes\nNo,Yes,Somewhat,Yes\n")
    data = load_survey(path, raw)
    assert data.straight_lining.tolist() == [True, False]
    assert "straight-lining" in " ".join(data.notes)


def test_identifying_columns_are_dropped_even_when_not_in_the_map(tmp_path):
    shutil.copy(FILES / "qualtrics_choice.csv", tmp_path / "q.csv")
    raw = _map(drop=[])
    data = load_survey(tmp_path / "q.csv", raw)
    assert "RecipientEmail" not in data.groups.columns


def test_runner_check_summarises_and_checks_groups():
    line = check_survey_input(
        FILES / "qualtrics_choice.csv", FILES / "qualtrics.yaml", {"compare_by": ["role"]}
    )
    assert line.startswith("data ok: 6 responses, 2 rated items")
    with pytest.raises(SpecError, match="compare_by"):
        check_survey_input(
            FILES / "qualtrics_choice.csv", FILES / "qualtrics.yaml", {"compare_by": ["region"]}
        )


def test_qualtrics_previews_are_dropped_and_unfinished_counted(tmp_path):
    import csv

    rows = list(csv.reader((FILES / "qualtrics_choice.csv").open()))
    rows[0] += ["Status", "Finished"]
    rows[1] += ["Response Type", "Finished"]
    rows[2] += ['{"ImportId":"status"}', '{"ImportId":"finished"}']
    statuses = ["IP Address", "Survey Preview", "IP Address", "IP Address", "IP Address", "Spam"]
    for row, status, done in zip(rows[3:], statuses, ["True"] * 5 + ["False"], strict=True):
        row += [status, done]
    with (tmp_path / "q.csv").open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    data = load_survey(tmp_path / "q.csv", FILES / "qualtrics.yaml")
    assert data.n == 4
    assert "2 preview, test or spam responses removed" in data.notes
