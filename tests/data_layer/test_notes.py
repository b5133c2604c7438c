"""Load notes and caught warnings as plain sentences, without local paths."""

from __future__ import annotations

import warnings

import openpyxl
import pandas as pd

from improve.data import load_panel
from improve.data import read as read_module
from improve.data.notes import plain_sentence, relative_path, warning_sentences

MAP = {"unit": "school", "time": "year", "cohort": "first", "outcomes": ["score"]}


def _frame(n: int = 12) -> pd.DataFrame:
    rows = []
    for s in range(n):
        first = (0, 2019)[s % 2]
        for year in (2018, 2019, 2020):
            rows.append({"school": f"s{s:02d}", "year": year, "first": first, "score": s + year})
    return pd.DataFrame(rows)


def test_plain_sentence_hides_local_folders(tmp_path):
    data = tmp_path / "partner"
    inside = data / "2023" / "schools.xlsx"
    text = f"could not use {inside} next to /home/someone/private/other.csv"
    assert plain_sentence(text, data) == "Could not use 2023/schools.xlsx next to other.csv."
    assert plain_sentence(text) == "Could not use schools.xlsx next to other.csv."
    assert plain_sentence("units observed once; and/or 2017/2018 gaps.") == (
        "Units observed once; and/or 2017/2018 gaps."
    )
    assert relative_path(r"C:\Users\me\data\file.csv") == "file.csv"


def test_caught_warnings_become_distinct_sentences_without_file_and_line():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.warn("dropped 3 units not observed in all 5 periods", UserWarning, stacklevel=1)
        warnings.warn("dropped 3 units not observed in all 5 periods", UserWarning, stacklevel=1)
        warnings.warn("reading /srv/data/x.csv took long", RuntimeWarning, stacklevel=1)
    sentences = warning_sentences(caught)
    assert sentences == [
        "Dropped 3 units not observed in all 5 periods.",
        "Reading x.csv took long.",
    ]
    assert not any("UserWarning" in s or "test_notes.py" in s for s in sentences)


def test_load_report_sentences_and_source_relative_to_the_data_folder(tmp_path):
    folder = tmp_path / "data" / "state"
    folder.mkdir(parents=True)
    path = folder / "schools.csv"
    frame = _frame()
    frame = frame[~((frame["school"] == "s00") & (frame["year"] == 2018))]
    frame.to_csv(path, index=False, sep=";")
    report = load_panel(path, columns=MAP).report
    assert report.source == str(path)
    assert report.source_label(tmp_path / "data") == "state/schools.csv"
    assert report.source_label() == "schools.csv"
    sentences = report.sentences(tmp_path / "data")
    assert "Delimiter ';'." in sentences
    assert any(s.startswith("Unbalanced panel: 1 of 12 units") for s in sentences)
    assert all(str(tmp_path) not in s and s.endswith(".") for s in sentences)


def test_excel_source_keeps_its_sheet_and_reader_warnings_become_notes(tmp_path, monkeypatch):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Schools"
    frame = _frame()
    sheet.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        sheet.append(list(row))
    book.save(tmp_path / "schools.xlsx")
    real = pd.read_excel

    def noisy(*args, **kwargs):
        warnings.warn("Workbook contains no default style", UserWarning, stacklevel=2)
        return real(*args, **kwargs)

    monkeypatch.setattr(read_module.pd, "read_excel", noisy)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing reaches the caller as a Python warning
        report = load_panel(tmp_path / "schools.xlsx", columns=MAP).report
    assert report.source_label(tmp_path) == "schools.xlsx[Schools]"
    assert "the Excel reader said: Workbook contains no default style" in report.notes
    assert "The Excel reader said: Workbook contains no default style." in report.sentences()
