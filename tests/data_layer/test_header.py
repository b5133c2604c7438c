"""Notes rows above the header and merged headers: skipped when declared, told apart when not."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from improve.data import load_panel
from improve.data.header import diagnose_header
from improve.errors import DataError, SpecError

MAP = {"unit": "school", "time": "year", "cohort": "first", "outcomes": ["score"]}
HEADER = ["school", "year", "first", "score"]
ROWS = [
    ["s1", 2019, 0, 1.0],
    ["s1", 2020, 0, 2.0],
    ["s2", 2019, 2020, 1.5],
    ["s2", 2020, 2020, 3.0],
    ["s3", 2019, 0, 1.0],
    ["s3", 2020, 0, 1.25],
]
NOTE = "Source: State Department of Education, 2023 release; suppressed cells shown as *"


def _excel(path: Path, above: list[list[object]], merge: str | None = None) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in above:
        sheet.append(row)
    sheet.append(HEADER)
    for row in ROWS:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    book.save(path)
    return path


def _csv(path: Path, above: list[str]) -> Path:
    body = [",".join(HEADER)] + [",".join(str(v) for v in r) for r in ROWS]
    path.write_text("\n".join([*above, *body]) + "\n", encoding="utf-8")
    return path


def test_excel_notes_row_is_named_as_such_with_the_key_to_set(tmp_path):
    path = _excel(tmp_path / "notes.xlsx", [[NOTE]])
    with pytest.raises(DataError) as info:
        load_panel(path, columns=MAP)
    message = str(info.value)
    assert "the first row holds notes ('Source: State Department" in message
    assert "header_row: 2" in message and "skip_rows: 1" in message
    assert "merged" not in message


def test_excel_notes_row_is_skipped_when_declared(tmp_path):
    path = _excel(tmp_path / "notes.xlsx", [[NOTE], ["Prepared for the evaluation"]])
    panel = load_panel(path, columns={**MAP, "header_row": 3})
    assert panel.report.n_units == 3 and panel.report.n_rows == 6
    assert panel.data["score"].tolist() == [1.0, 2.0, 1.5, 3.0, 1.0, 1.25]
    assert "skipped 2 row(s) above the header" in panel.report.notes
    same = load_panel(path, columns={**MAP, "skip_rows": 2})
    assert same.data.equals(panel.data)


def test_excel_merged_header_is_still_called_merged(tmp_path):
    path = _excel(tmp_path / "merged.xlsx", [["", "", "Scores and timing", ""]], merge="C1:D1")
    with pytest.raises(DataError) as info:
        load_panel(path, columns=MAP)
    message = str(info.value)
    assert "the header may span several rows (merged cells)" in message
    assert "header_row: 2" in message
    assert "holds notes" not in message


@pytest.mark.parametrize(
    ("above", "row"),
    [
        (["Source: State Department of Education 2023 release"], 2),
        (["Source: State Department of Education, 2023 release", ""], 3),
    ],
)
def test_csv_notes_row_is_named_and_skipped(tmp_path, above, row):
    path = _csv(tmp_path / "notes.csv", above)
    with pytest.raises(DataError, match=f"holds notes .*header_row: {row}"):
        load_panel(path, columns=MAP)
    panel = load_panel(path, columns={**MAP, "header_row": row})
    assert panel.report.n_rows == 6
    assert panel.data["score"].tolist() == [1.0, 2.0, 1.5, 3.0, 1.0, 1.25]


def test_csv_without_notes_reads_as_before(tmp_path):
    panel = load_panel(_csv(tmp_path / "plain.csv", []), columns=MAP)
    assert panel.report.n_rows == 6 and panel.report.notes == []


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        ({"skip_rows": -1}, "skip_rows must be a whole number of at least 0"),
        ({"header_row": 0}, "header_row must be a whole number of at least 1"),
        ({"header_row": "two"}, "header_row must be a whole number"),
        ({"skip_rows": 1, "header_row": 3}, "disagree"),
        ({"skiprows": 1}, "did you mean 'skip_rows'"),
    ],
)
def test_bad_header_keys_are_refused(school_frame, extra, fragment):
    with pytest.raises(SpecError, match=fragment):
        load_panel(school_frame, columns={**MAP, **extra})


def test_diagnosis_kinds():
    header = ["a", "b", "c", "d"]
    assert diagnose_header([header, [1, 2, 3, 4]]).kind == "ok"
    notes = diagnose_header([["a long note", "", "", ""], header], skipped=1)
    assert (notes.kind, notes.header_row, notes.text) == ("notes", 3, "a long note")
    merged = diagnose_header([["", "Math", "", "Reading"], header])
    assert (merged.kind, merged.header_row) == ("merged", 2)


def test_streamed_csv_skips_rows_and_names_a_notes_row(tmp_path):
    import io

    from improve.data import read as read_module
    from improve.data.progress import LoadProgress

    path = _csv(tmp_path / "notes.csv", ["Source: State Department of Education 2023 release"])
    log = io.StringIO()
    raw = read_module.read_table(path, progress=LoadProgress(True, "x", stream=log), skip_rows=1)
    assert list(raw.frame.columns) == HEADER and len(raw.frame) == 6
    assert raw.skipped_rows == 1
    with pytest.raises(DataError, match="holds notes .*header_row: 2"):
        read_module.read_table(path, progress=LoadProgress(True, "x", stream=io.StringIO()))


def test_several_sheets_without_a_match_mention_header_row(tmp_path):
    path = _excel(tmp_path / "two.xlsx", [[NOTE]])
    book = openpyxl.load_workbook(path)
    book.create_sheet("About")["A1"] = "Read me"
    book.save(path)
    with pytest.raises(DataError, match="say which to read with 'sheet: NAME'.*set 'header_row:'"):
        load_panel(path, columns=MAP)
    panel = load_panel(path, columns={**MAP, "header_row": 2})
    assert "used sheet 'Sheet' (the only one with the mapped columns)" in panel.report.notes
