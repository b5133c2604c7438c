"""The workbook registry: finding workbooks and reading their parameters cells."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from improve.errors import SpecError
from improve.runner.registry import get_workbook, list_workbooks, load_workbook, parse_parameters

CELL = """\
data_path: str = "data.csv"  # the data file
choice: Literal["a", "b"] = "a"  # one of two
labels: dict = {
    "x": "ex",  # first
    "y": "why",
}
plain = 3
bare: int
"""


def test_parameters_cell_with_literal_and_multiline_values() -> None:
    params = parse_parameters(CELL)
    assert list(params) == ["data_path", "choice", "labels", "plain"]
    assert params["choice"].type == 'Literal["a", "b"]' and params["choice"].default == "a"
    assert params["choice"].help == "one of two"
    assert params["labels"].default == {"x": "ex", "y": "why"}
    assert params["labels"].help == "first"
    assert params["plain"].type == "int" and params["plain"].default == 3


def test_parameters_cell_that_is_not_python() -> None:
    with pytest.raises(SpecError, match="not valid Python"):
        parse_parameters("x: int = (")


def _notebook(path: Path, parameters: str | None) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell("# A title\n\nWhat it answers."))
    if parameters is not None:
        cell = nbformat.v4.new_code_cell(parameters)
        cell.metadata["tags"] = ["parameters"]
        nb.cells.append(cell)
    nbformat.write(nb, path)
    return path


def test_load_list_and_find(tmp_path: Path) -> None:
    _notebook(tmp_path / "alpha.ipynb", CELL)
    _notebook(tmp_path / "beta.ipynb", "x: int = 1\n")
    wb = load_workbook(tmp_path / "alpha.ipynb")
    assert (wb.name, wb.title, wb.description) == ("alpha", "A title", "What it answers.")
    assert [w.name for w in list_workbooks(tmp_path)] == ["alpha", "beta"]
    assert get_workbook("beta", tmp_path).parameters["x"].default == 1
    assert get_workbook(str(tmp_path / "beta.ipynb")).name == "beta"
    with pytest.raises(SpecError, match="did you mean 'alpha'"):
        get_workbook("alpah", tmp_path)


def test_workbook_without_parameters_cell_or_unreadable(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="no cell tagged 'parameters'"):
        load_workbook(_notebook(tmp_path / "none.ipynb", None))
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(SpecError, match="not a readable Jupyter notebook"):
        load_workbook(broken)


def test_input_kind_comes_from_notebook_metadata_and_only_known_kinds_run(tmp_path: Path) -> None:
    from improve.runner.inputs import INPUT_CHECKS, check_panel_input, input_check

    path = _notebook(tmp_path / "alpha.ipynb", CELL)
    assert load_workbook(path).input_kind == "panel"
    nb = nbformat.read(path, as_version=4)
    nb.metadata["improve"] = {"input": "os:system"}
    nbformat.write(nb, path)
    kind = load_workbook(path).input_kind
    assert kind == "os:system" and kind not in INPUT_CHECKS
    with pytest.raises(SpecError, match="not known"):
        input_check(kind)
    assert input_check("panel") is check_panel_input
