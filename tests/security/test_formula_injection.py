"""Issue #23 item 3: no spreadsheet formula in any CSV or xlsx we write.

A subgroup named ``=HYPERLINK(...)`` (from a partner's subgroup file) must reach
``tables.xlsx`` as text, never as a formula cell, and every CSV field that begins with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return must carry a leading ``'`` unless it
is a number.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from improve.report.formula_safety import _PLAIN_NUMBER, FORMULA_TRIGGERS, neutralise
from improve.report.tables import Table, csv_text, write_workbook

from .conftest import FORMULA_SUBGROUP


def _csv_formula_fields(text: str) -> list[str]:
    return [
        field
        for row in csv.reader(text.splitlines())
        for field in row
        if field.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(field)
    ]


def _xlsx_cells(path: Path) -> list[tuple[object, str]]:
    import openpyxl

    book = openpyxl.load_workbook(path)
    return [(c.value, c.data_type) for ws in book.worksheets for row in ws.iter_rows() for c in row]


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+1+1", "'+1+1"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-3", "-3"),
        ("+0.5", "+0.5"),
        ("-1e-3", "-1e-3"),
        ("plain", "plain"),
        (-3.5, -3.5),
        (None, None),
    ],
)
def test_neutralise(value: object, written: object) -> None:
    assert neutralise(value) == written


def test_table_writers_neutralise_text_and_keep_numbers(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {FORMULA_SUBGROUP: [FORMULA_SUBGROUP, "-2", "@x", "ok"], "estimate": [-1.5, 2.0, -3.0, 4.0]}
    )
    text = csv_text(frame)
    assert _csv_formula_fields(text) == []
    assert text.splitlines()[1].startswith("\"'=HYPERLINK(")
    assert ",-1.500000" in text  # negative numbers stay numbers
    write_workbook([Table(frame, caption=FORMULA_SUBGROUP, name="t")], tmp_path / "t.xlsx")
    cells = _xlsx_cells(tmp_path / "t.xlsx")
    assert all(kind != "f" for _, kind in cells)
    assert ("'" + FORMULA_SUBGROUP, "s") in cells
    assert (-1.5, "n") in cells and (-3.0, "n") in cells


@pytest.mark.slow
def test_crafted_subgroup_reaches_outputs_as_text(evidence_run: Path) -> None:
    tables = evidence_run / "tables"
    cells = _xlsx_cells(tables / "tables.xlsx")
    assert [v for v, kind in cells if kind == "f"] == []
    assert any(isinstance(v, str) and v.startswith("'=HYPERLINK") for v, _ in cells)
    texts = {p.name: p.read_text(encoding="utf-8") for p in tables.glob("*.csv")}
    assert any("'=HYPERLINK" in t for t in texts.values())
    for name, text in texts.items():
        assert _csv_formula_fields(text) == [], name
