"""The table layer: every format round-trips, HTML is deterministic and self-contained."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pandas as pd
import pytest

from improve.report.tables import (
    Table,
    format_cell,
    latex_escape,
    read_excel_table,
    unique_sheet_names,
    write_workbook,
)

RENDER = textwrap.dedent(
    """
    import numpy as np, pandas as pd
    from improve.report.tables import Table
    frame = pd.DataFrame({"cohort": [2017.0, 2018.0], "estimate": [0.1234, -2.5],
                          "n_units": [12, 30]})
    table = Table(frame, caption="Effects", notes=["A note."], name="effects", number=2,
                  spanners={"Math": ["estimate", "n_units"]})
    print(table.to_html(), end="")
    """
)


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cohort": [2017.0, 2018.0, np.nan],
            "label_text": ["a_b & 50%", "x|y", None],
            "estimate": [0.1 + 0.2, -1234.56789012345, np.nan],
            "p_value": [1e-12, 0.5, 0.987654321],
            "n_units": [12, 30, 4],
        }
    )


# ----------------------------------------------------------------------------- cells


def test_cells_are_formatted_once_for_every_format():
    assert format_cell(2017.0, 2, whole=True) == "2017"
    assert format_cell(2017.0, 2) == "2,017.00"
    assert format_cell(-1234.5678, 1) == "-1,234.6"
    assert format_cell(np.nan) == "" and format_cell(None) == "" and format_cell(pd.NA) == ""
    assert format_cell(np.int64(7)) == "7" and format_cell(True) == "True"
    table = Table(_frame(), decimals={"p_value": 3})
    shown = table.formatted()
    assert shown["cohort"].tolist() == ["2017", "2018", ""]
    assert shown["p_value"].tolist() == ["0.000", "0.500", "0.988"]
    assert shown["estimate"].tolist() == ["0.30", "-1,234.57", ""]
    assert table.numeric_columns() == ["estimate", "p_value", "n_units"]


# ----------------------------------------------------------------------------- LaTeX


def test_latex_escapes_special_characters_and_keeps_columns():
    table = Table(_frame(), caption="Effects & 95% CIs_x", notes=["SD_pooled is 5%."], name="t1")
    tex = table.to_latex()
    assert latex_escape("a_b & 50% $#{}~^") == (
        r"a\_b \& 50\% \$\#\{\}\textasciitilde{}\textasciicircum{}"
    )
    assert r"\caption{Effects \& 95\% CIs\_x}" in tex and r"\label{tab:t1}" in tex
    assert r"label\_text" in tex and r"a\_b \& 50\%" in tex and r"SD\_pooled is 5\%." in tex
    assert r"\toprule" in tex and r"\midrule" in tex and r"\bottomrule" in tex
    body = tex[tex.index(r"\midrule") : tex.index(r"\bottomrule")].splitlines()[1:]
    assert len(body) == 3
    for line in body:
        # only the column separators are bare ampersands; no bare _ or %
        assert len(re.findall(r"(?<!\\)&", line)) == 4, line
        assert not re.search(r"(?<!\\)[_%]", line), line
    assert r"\begin{tabular}{llrrr}" in tex
    bare = table.to_latex(environment=False)
    assert bare.startswith(r"\begin{tabular}") and r"\caption" not in bare
    assert r"\multicolumn{5}" in bare and bare.rstrip().endswith(r"\end{tabular}")


def test_latex_spanners_and_rules():
    table = Table(
        pd.DataFrame({"term": ["a", "b"], "m1": [1.0, 2.0], "m2": [3.0, 4.0]}),
        stub="term",
        spanners={"Math_ss": ["m1", "m2"]},
        rules_above=[1],
    )
    tex = table.to_latex(environment=False)
    assert r"\multicolumn{2}{c}{Math\_ss}" in tex and r"\cmidrule(lr){2-3}" in tex
    lines = tex.splitlines()
    assert lines[lines.index(r"b & 2.00 & 4.00 \\") - 1] == r"\midrule"


# ----------------------------------------------------------------------------- Markdown


def _md_cells(line: str) -> list[str]:
    assert line.startswith("| ") or line.startswith("|:") or line.startswith("|-")
    return re.split(r"(?<!\\)\|", line.strip())[1:-1]


def test_markdown_pipe_table_has_one_cell_per_column():
    table = Table(_frame(), caption="Effects", notes=["Note: * marks p < 0.1."], number=4)
    md = table.to_markdown()
    lines = md.splitlines()
    assert lines[0] == "**Table 4. Effects**"
    rows = [ln for ln in lines if ln.startswith("|")]
    assert len(rows) == 2 + len(table.frame)
    for line in rows:
        assert len(_md_cells(line)) == table.frame.shape[1], line
    assert _md_cells(rows[1]) == [":---", ":---", "---:", "---:", "---:"]
    assert r"x\|y" in md and "Note: \\* marks p < 0.1." in md
    spanned = Table(table.frame, spanners={"Model": ["estimate", "p_value"]}).to_markdown()
    assert "| Model: estimate | Model: p_value |" in spanned


# ----------------------------------------------------------------------------- CSV


def test_csv_is_fixed_format(tmp_path):
    table = Table(_frame())
    text = table.to_csv()
    assert text.splitlines()[0] == "cohort,label_text,estimate,p_value,n_units"
    assert text.splitlines()[1] == "2017.000000,a_b & 50%,0.300000,0.000000,12"
    table.to_csv(tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_bytes() == text.encode()
    assert pd.read_csv(tmp_path / "t.csv").shape == table.frame.shape


# ----------------------------------------------------------------------------- Excel


def test_excel_values_round_trip_at_full_precision(tmp_path):
    table = Table(_frame(), caption="Effects", notes=["n1", "n2"], name="effects", number=1)
    table.to_excel(tmp_path / "t.xlsx")
    back = read_excel_table(tmp_path / "t.xlsx", table)
    pd.testing.assert_frame_equal(
        back, table.frame, check_exact=True, check_dtype=False, check_column_type=False
    )
    assert back.loc[0, "estimate"] == 0.1 + 0.2 and back.loc[0, "p_value"] == 1e-12

    from openpyxl import load_workbook

    ws = load_workbook(tmp_path / "t.xlsx")["effects"]
    assert ws["A1"].value == "Table 1. Effects"
    assert ws["C3"].number_format == "#,##0.00" and ws["A3"].number_format == "0"
    assert [ws.cell(row=7, column=1).value, ws.cell(row=8, column=1).value] == ["n1", "n2"]


def test_excel_spanners_and_open_workbook(tmp_path):
    from openpyxl import load_workbook

    from improve.report.tables import new_workbook, save_workbook

    frame = pd.DataFrame({"term": ["a"], "m1": [1.5], "m2": [2.5]})
    table = Table(frame, stub="term", spanners={"Math": ["m1", "m2"]}, name="reg")
    book = new_workbook()
    ws = table.to_excel(book, sheet="x" * 40)
    assert ws.title == "x" * 31
    save_workbook(book, tmp_path / "b.xlsx")
    ws = load_workbook(tmp_path / "b.xlsx")["x" * 31]
    assert ws["B2"].value == "Math" and "B2:C2" in {str(r) for r in ws.merged_cells.ranges}
    assert [c.value for c in ws[3]] == ["term", "m1", "m2"]
    assert [c.value for c in ws[4]] == ["a", 1.5, 2.5]


def test_sheet_names_are_cut_and_unique():
    long = "effect_sizes_reading_ss_by_subgroup"
    names = unique_sheet_names([long, long + "_2", "a"])
    assert names == [long[:31], long[:29] + "~2", "a"]
    assert all(len(n) <= 31 for n in names)


@pytest.mark.slow
def test_workbook_is_byte_identical_across_runs(tmp_path):
    import time

    tables = [
        Table(_frame(), caption="One", name="one", number=1),
        Table(_frame().iloc[:2], caption="Two", name="two", number=2),
    ]
    write_workbook(tables, tmp_path / "a.xlsx")
    time.sleep(2.1)  # zip entry times have two-second resolution
    write_workbook(tables, tmp_path / "b.xlsx")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.xlsx") as archive:
        core = archive.read("docProps/core.xml").decode()
        assert "2000-01-01T00:00:00Z" in core
        assert {i.date_time for i in archive.infolist()} == {(2000, 1, 1, 0, 0, 0)}
    from openpyxl import load_workbook

    assert load_workbook(tmp_path / "a.xlsx").sheetnames == ["one", "two"]


# ----------------------------------------------------------------------------- HTML


@pytest.mark.slow
def test_html_is_deterministic_across_processes():
    renders = [
        subprocess.run(
            [sys.executable, "-c", RENDER],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
        ).stdout
        for seed in ("1", "2")
    ]
    assert renders[0] == renders[1]
    assert 'id="improve-effects"' in renders[0] and "id='table-effects'" in renders[0]


def test_html_is_self_contained_and_captioned():
    table = Table(
        _frame(), caption="Effects <by cohort>", notes=["Note & more."], name="fx", number=3
    )
    page = table.to_html()
    assert "http" not in page and "@import" not in page and "<link" not in page
    assert "<script" not in page
    assert page.startswith("<figure class='improve-table' id='table-fx'>")
    assert "<figcaption><b>Table 3.</b> Effects &lt;by cohort&gt;</figcaption>" in page
    assert page.endswith("<p class='improve-note'>Note &amp; more.</p></figure>")
    assert page.index("gt_table") < page.index("improve-note")
    assert "a_b &amp; 50%" in page and "-1,234.57" in page
    assert table._repr_html_() == page
    # great_tables' reset rules are scoped to this table, not to every table on the page
    style = page[page.index("<style>") : page.index("</style>")]
    assert "#improve-fx tbody" in style
    assert not re.search(r"(^|[,}]\s*)(tbody|tr|td|th)\b", style, re.M)


def test_unnamed_tables_get_a_content_id():
    a = Table(_frame(), caption="A").to_html()
    b = Table(_frame(), caption="B").to_html()
    ids = [re.search(r'<div id="(improve-[0-9a-f]{12})"', h).group(1) for h in (a, b)]
    assert ids[0] != ids[1]
    assert Table(_frame(), caption="A").to_html() == a


def test_stub_and_rules_in_html():
    frame = pd.DataFrame({"": ["x", "", "Observations"], "(1)": ["0.1**", "(0.05)", "100"]})
    page = Table(frame, stub="", rules_above=[2], name="reg").to_html()
    assert "gt_stub" in page and page.count("border-top: 1px solid #333333") == 2
    assert "0.1**" in page


def test_bad_table_definitions_fail_clearly():
    with pytest.raises(ValueError, match="stub column"):
        Table(_frame(), stub="nope")
    with pytest.raises(ValueError, match="spanner"):
        Table(_frame(), spanners={"S": ["estimate", "nope"]})
    dup = pd.DataFrame([[1, 2]], columns=["a", "a"])
    with pytest.raises(ValueError, match="unique"):
        Table(dup)
