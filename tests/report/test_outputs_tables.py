"""RunOutputs.table: CSV unchanged, Markdown/LaTeX/Excel added, suppression shown."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from improve.report.outputs import RunOutputs
from improve.report.privacy import SUPPRESSED_NOTE
from improve.report.tables import Table, read_excel_table


def _cohorts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cohort": [2017.0, 2018.0, 2019.0],
            "n_units": [25, np.nan, 40],
            "mean_math": [501.123456789, np.nan, 499.5],
            "suppressed": [False, True, False],
        }
    )


def _publish(folder, sleep: float = 0.0) -> RunOutputs:
    out = RunOutputs(folder, min_cell_size=10)
    out.table("cohort_sizes", _cohorts(), caption="Units per cohort.", note="Counts of schools.")
    time.sleep(sleep)
    out.table(
        "effect_sizes_reading_ss_by_subgroup_long_name",
        pd.DataFrame({"subgroup": ["a_b", "c"], "estimate": [0.1 + 0.2, -0.25]}),
        caption="Effect sizes & 95% CIs.",
        decimals=3,
    )
    return out


def test_csv_bytes_are_the_full_frame_as_before(tmp_path):
    _publish(tmp_path)
    written = (tmp_path / "tables" / "cohort_sizes.csv").read_bytes()
    expected = _cohorts().to_csv(index=False, float_format="%.6f", lineterminator="\n").encode()
    assert written == expected
    assert b"suppressed" in written.splitlines()[0]


def test_every_format_is_written_and_numbered(tmp_path):
    out = _publish(tmp_path)
    folder = tmp_path / "tables"
    names = sorted(p.name for p in folder.iterdir())
    stem = "effect_sizes_reading_ss_by_subgroup_long_name"
    assert names == sorted(
        [f"{n}.{ext}" for n in ("cohort_sizes", stem) for ext in ("csv", "md", "tex")]
        + ["tables.xlsx"]
    )
    md = (folder / f"{stem}.md").read_text()
    assert md.startswith("**Table 2. Effect sizes & 95% CIs.**") and "| 0.300 |" in md
    tex = (folder / f"{stem}.tex").read_text()
    assert r"\caption{Effect sizes \& 95\% CIs.}" in tex and r"a\_b" in tex
    book = load_workbook(folder / "tables.xlsx")
    assert book.sheetnames == ["cohort_sizes", stem[:31]]
    assert book[stem[:31]]["A1"].value == "Table 2. Effect sizes & 95% CIs."
    assert out._n_tables == 2


def test_suppressed_rows_are_blank_and_explained(tmp_path):
    out = RunOutputs(tmp_path, min_cell_size=10)
    table = out.table("cohort_sizes", _cohorts(), caption="Units per cohort.", note="Counts.")
    note = SUPPRESSED_NOTE.format(n=10)
    assert isinstance(table, Table) and table.notes == ("Counts.", note)
    assert "suppressed" not in table.frame.columns
    page = table._repr_html_()
    assert f"<p class='improve-note'>{note}</p>" in page and ">suppressed<" not in page
    md = (tmp_path / "tables" / "cohort_sizes.md").read_text()
    assert note in md and "suppressed |" not in md
    assert "| 2018 |  |  |" in md  # the suppressed row shows blanks
    tex = (tmp_path / "tables" / "cohort_sizes.tex").read_text()
    assert "suppressed (shown as blank)" in tex and "suppressed &" not in tex
    sheet = read_excel_table(tmp_path / "tables" / "tables.xlsx", table)
    assert list(sheet.columns) == ["cohort", "n_units", "mean_math"]
    assert sheet["mean_math"].iloc[0] == 501.123456789 and pd.isna(sheet["n_units"].iloc[1])


def test_no_suppression_note_without_suppressed_rows(tmp_path):
    frame = _cohorts().assign(suppressed=False)
    table = RunOutputs(tmp_path, min_cell_size=10).table("c", frame, caption="C.")
    assert table.notes == () and "improve-note" not in table.to_html()


def test_display_columns_and_labels_as_integers():
    out = RunOutputs("")
    table = out.table(
        "x", _cohorts(), caption="X.", display_columns=["cohort", "mean_math"], decimals=1
    )
    assert list(table.frame.columns) == ["cohort", "mean_math"]
    assert table.formatted()["cohort"].tolist() == ["2017", "2018", "2019"]
    assert table.formatted()["mean_math"].tolist() == ["501.1", "", "499.5"]
    page = table.to_html()
    assert "id='table-x'" in page and "<b>Table 1.</b> X." in page


def test_regression_display_uses_a_stub(tmp_path):
    display = pd.DataFrame({"": ["Dose", "", "Observations"], "(1)": ["0.1**", "(0.05)", "100"]})
    table = RunOutputs("").table("regression", display, caption="R.", display_frame=display)
    assert table.stub == "" and "gt_stub" in table.to_html()


@pytest.mark.slow
def test_tables_workbook_is_byte_identical_across_runs(tmp_path):
    _publish(tmp_path / "a")
    _publish(tmp_path / "b", sleep=2.1)  # later wall-clock time, same content
    first = (tmp_path / "a" / "tables" / "tables.xlsx").read_bytes()
    second = (tmp_path / "b" / "tables" / "tables.xlsx").read_bytes()
    assert first == second
    for name in ("cohort_sizes.md", "cohort_sizes.tex"):
        assert (tmp_path / "a" / "tables" / name).read_bytes() == (
            tmp_path / "b" / "tables" / name
        ).read_bytes()


def test_republishing_a_name_replaces_its_sheet(tmp_path):
    out = RunOutputs(tmp_path)
    out.table("t", pd.DataFrame({"a": [1.0]}), caption="First.")
    out.table("u", pd.DataFrame({"a": [2.0]}), caption="Other.")
    out.table("t", pd.DataFrame({"a": [3.0]}), caption="Again.")
    book = load_workbook(tmp_path / "tables" / "tables.xlsx")
    assert book.sheetnames == ["t", "u"]
    assert book["t"]["A3"].value == 3.0 and book["t"]["A1"].value == "Table 3. Again."
