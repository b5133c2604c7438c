"""Running one workbook: parameters reach the kernel without false warnings."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import nbformat
import pytest

from improve.runner.run import improve_parameter_translator, plan_run, run_workbook

PARAMETERS = """\
from typing import Literal

data_path: str = "schools.csv"  # data file
column_map: str = "columns.yaml"  # column map
control_group: Literal["notyettreated", "nevertreated"] = "notyettreated"  # comparison
est_method: Literal['dr', 'ipw'] = 'dr'  # method
output_dir: str = ""  # set by the runner
"""


def _workbook(folder: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "display_name": "Python 3",
        "language": "python",
        "name": "python3",
    }
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells.append(nbformat.v4.new_markdown_cell("# Literal parameters\n\nA tiny workbook."))
    cell = nbformat.v4.new_code_cell(PARAMETERS)
    cell.metadata["tags"] = ["parameters"]
    nb.cells.append(cell)
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "import json, pathlib\n"
            "pathlib.Path(output_dir, 'seen.json').write_text("
            "json.dumps([control_group, est_method]))"
        )
    )
    path = folder / "literal.ipynb"
    nbformat.write(nb, path)
    return path


def test_papermill_alone_misses_literal_parameters(tmp_path: Path) -> None:
    from papermill.inspection import _infer_parameters
    from papermill.iorw import load_notebook_node

    nb = load_notebook_node(str(_workbook(tmp_path)))
    assert "control_group" not in {p.name for p in _infer_parameters(nb)}
    with improve_parameter_translator():
        seen = {p.name for p in _infer_parameters(nb)}
    assert {"control_group", "est_method", "data_path", "output_dir"} <= seen
    assert "control_group" not in {p.name for p in _infer_parameters(nb)}  # restored


@pytest.mark.slow
def test_literal_parameters_run_without_unknown_parameter_warning(
    tmp_path: Path, school_csv: Path, school_map: Path, caplog: pytest.LogCaptureFixture
) -> None:
    workbook = _workbook(tmp_path)
    caplog.set_level(logging.WARNING)
    result = run_workbook(
        str(workbook),
        school_csv,
        columns=school_map,
        params={"control_group": "nevertreated", "est_method": "ipw"},
        out=tmp_path / "reports",
        pdf=False,
        update_index=False,
    )
    assert result.status == "complete"
    assert json.loads((result.folder / "seen.json").read_text()) == ["nevertreated", "ipw"]
    messages = [r.getMessage() for r in caplog.records]
    assert not [m for m in messages if "unknown parameter" in m], messages


def test_plan_refuses_before_writing(tmp_path: Path, school_csv: Path, school_map: Path) -> None:
    from improve.errors import SpecError

    with pytest.raises(SpecError, match="must be 'notyettreated' or 'nevertreated'"):
        plan_run(
            str(_workbook(tmp_path)),
            school_csv,
            columns=school_map,
            params={"control_group": "never"},
            out=tmp_path / "reports",
        )
    plan = plan_run(
        str(_workbook(tmp_path)),
        school_csv,
        columns=school_map,
        params={"control_group": "nevertreated"},
        out=tmp_path / "reports",
        pdf=False,
    )
    assert plan.parameters["control_group"] == "nevertreated"
    assert plan.parameters["data_path"] == str(school_csv) and "output_dir" not in plan.parameters
    assert not (tmp_path / "reports").exists()
