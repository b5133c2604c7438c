"""Item 9 of the security issue: failures that came late now come early (exit 2).

Every numeric parameter's range is checked in the runner's plan, before a kernel starts;
outcome names are checked against the data (a case mismatch gets "did you mean"); a run
that meets a full disk or a permission error is exit 2 and leaves no temporary folder, and
no exception while publishing (the manifest included) leaves one behind.
"""

from __future__ import annotations

import errno
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import improve.runner.publish.export as export_module
import improve.runner.run as run_module
from improve.errors import OutputError, SpecError
from improve.runner.ranges import RANGES, check_ranges, range_for
from improve.runner.registry import list_workbooks
from improve.runner.run import plan_run, run_workbook

from sample_data import SCHOOL_MAP, make_school_panel

#: Numeric parameters deliberately without a range: years and periods, where 0 means
#: "from the file or the map" and any year is possible.
UNRANGED = {"year", "base_year", "change_year", "adoption"}


@pytest.fixture
def inputs(tmp_path: Path) -> tuple[Path, Path]:
    data = tmp_path / "schools.csv"
    make_school_panel().to_csv(data, index=False)
    cmap = tmp_path / "map.yaml"
    cmap.write_text(yaml.safe_dump(SCHOOL_MAP), encoding="utf-8")
    return data, cmap


def _numeric_parameters() -> list[tuple[str, str, str]]:
    return [
        (wb.name, p.name, p.type)
        for wb in list_workbooks()
        for p in wb.parameters.values()
        if p.type.replace(" ", "").split("|")[0] in ("int", "float")
    ]


def test_every_numeric_parameter_has_a_range_or_is_listed_as_unranged():
    missing = [
        (wb, name)
        for wb, name, _ in _numeric_parameters()
        if name not in UNRANGED and range_for(wb, name) is None
    ]
    assert not missing, f"add these to improve.runner.ranges.RANGES: {missing}"


def test_every_range_belongs_to_a_parameter_some_workbook_declares():
    declared = {name for _, name, _ in _numeric_parameters()}
    assert set(RANGES) <= declared


def test_every_workbook_default_lies_in_its_range():
    for wb in list_workbooks():
        check_ranges(wb.name, {n: p.default for n, p in wb.parameters.items()})


@pytest.mark.parametrize(("workbook", "name", "type_name"), _numeric_parameters())
def test_values_outside_each_range_are_refused(workbook, name, type_name):
    entry = range_for(workbook, name)
    if entry is None:
        pytest.skip(f"{name} is unranged")
    outside = []
    if entry.low is not None:
        outside.append(entry.low if entry.low_open else entry.low - 1)
    if entry.high is not None:
        outside.append(entry.high if entry.high_open else entry.high + 1)
    for value in outside:
        value = int(value) if type_name.startswith("int") else float(value)
        with pytest.raises(SpecError, match=rf"parameter '{name}' is .* must be"):
            check_ranges(workbook, {name: value})


@pytest.mark.parametrize(
    ("workbook", "params", "fragment"),
    [
        ("did_evaluation", {"min_cell_size": 0}, "'min_cell_size' is 0, but it must be at least 1"),
        ("did_evaluation", {"confidence_level": 7}, "did you mean 0.07?"),
        ("did_evaluation", {"confidence_level": 95}, "did you mean 0.95?"),
        ("did_evaluation", {"max_event_time": -3}, "'max_event_time' is -3"),
        ("event_study_diagnostics", {"max_event_time": -3}, "'max_event_time' is -3"),
        ("event_study_diagnostics", {"confidence_level": 1.0}, "between 0 and 1"),
        ("panel_profile", {"min_cell_size": -5}, "'min_cell_size' is -5"),
        ("did_evaluation", {"outcomes": ["MATH_SS"]}, "did you mean 'math_ss'?"),
        ("panel_profile", {"outcomes": ["Reading_SS"]}, "did you mean 'reading_ss'?"),
    ],
)
def test_the_issues_late_failures_are_refused_in_the_plan(
    inputs, tmp_path, workbook, params, fragment
):
    data, cmap = inputs
    with pytest.raises(SpecError, match=fragment.replace("?", r"\?").replace("(", r"\(")):
        plan_run(workbook, data, columns=cmap, params=params, out=tmp_path / "reports")
    assert not (tmp_path / "reports").exists()


def test_empty_outcomes_with_none_in_the_map_is_refused_in_the_plan(inputs, tmp_path):
    data, _ = inputs
    bare = tmp_path / "bare.yaml"
    bare.write_text(
        yaml.safe_dump({k: v for k, v in SCHOOL_MAP.items() if k != "outcomes"}), encoding="utf-8"
    )
    for workbook, params in [
        ("did_evaluation", {"outcomes": []}),
        ("panel_profile", {"outcomes": []}),
        ("event_study_diagnostics", {"outcome": ""}),
    ]:
        with pytest.raises(SpecError, match="no outcomes to analyse"):
            plan_run(workbook, data, columns=bare, params=params, out=tmp_path / "r")


def test_empty_outcomes_take_the_maps_outcomes(inputs, tmp_path):
    data, cmap = inputs
    plan = plan_run("did_evaluation", data, columns=cmap, params={"outcomes": []}, out=tmp_path)
    assert plan.parameters["outcomes"] == []


@pytest.mark.slow
def test_cli_out_of_range_is_exit_2_with_one_line(inputs, tmp_path):
    data, cmap = inputs
    done = subprocess.run(
        [sys.executable, "-m", "improve.cli", "run", "did_evaluation", "--data", str(data),
         "--columns", str(cmap), "--out", str(tmp_path / "reports"), "--no-pdf",
         "-p", "min_cell_size=0"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    errors = [ln for ln in done.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "min_cell_size" in errors[0]
    assert "running" not in done.stderr  # no kernel started
    assert not (tmp_path / "reports").exists()


# --- environment failures while running or publishing ------------------------------------


def _fake_execute(plan, tmp, progress_bar, timeout):
    """Stand in for the kernel: the 'executed' notebook is the workbook as committed."""
    shutil.copy(plan.workbook.path, tmp / f"{plan.workbook.name}.ipynb")
    return None


def _leftovers(reports: Path) -> list[str]:
    return sorted(p.name for p in reports.iterdir()) if reports.exists() else []


@pytest.mark.parametrize(
    ("code", "fragment"),
    [(errno.ENOSPC, "free disk space"), (errno.EACCES, "choose a folder you can write to")],
)
def test_render_that_hits_the_environment_is_an_output_error_and_leaves_nothing(
    inputs, tmp_path, monkeypatch, code, fragment
):
    data, cmap = inputs
    reports = tmp_path / "reports"
    monkeypatch.setattr(run_module, "_execute", _fake_execute)

    def full_disk(*_args, **_kwargs):
        raise OSError(code, "simulated")

    monkeypatch.setattr(export_module, "notebook_to_html", full_disk)
    with pytest.raises(OutputError, match=fragment) as info:
        run_workbook("panel_profile", data, columns=cmap, out=reports, pdf=False)
    assert info.value.exit_code == 2
    assert not [n for n in _leftovers(reports) if n.startswith(".tmp") or "panel_profile" in n]


def test_a_cell_that_meets_a_full_disk_is_an_output_error(inputs, tmp_path, monkeypatch):
    import papermill as pm

    data, cmap = inputs
    reports = tmp_path / "reports"

    def cell_fails(*_args, **_kwargs):
        raise pm.PapermillExecutionError(
            cell_index=3, exec_count=3, source="", ename="OSError",
            evalue="[Errno 28] No space left on device: 'tables/x.csv'", traceback=[],
        )  # fmt: skip

    monkeypatch.setattr(pm, "execute_notebook", cell_fails)
    with pytest.raises(OutputError, match="No space left on device"):
        run_workbook("panel_profile", data, columns=cmap, out=reports, pdf=False)
    assert not [n for n in _leftovers(reports) if n.startswith(".tmp") or "panel_profile" in n]


def test_sets_and_bytes_in_parameters_do_not_break_the_manifest(inputs, tmp_path, monkeypatch):
    data, cmap = inputs
    reports = tmp_path / "reports"
    monkeypatch.setattr(run_module, "_execute", _fake_execute)
    real_plan = run_module.plan_run

    def plan_with_odd_values(*args, **kwargs):
        plan = real_plan(*args, **kwargs)
        odd = dict(plan.parameters, odd_set={"b", "a"}, odd_bytes=b"\x00\x01")
        return run_module.RunPlan(**{**plan.__dict__, "parameters": odd})

    monkeypatch.setattr(run_module, "plan_run", plan_with_odd_values)
    result = run_workbook("panel_profile", data, columns=cmap, out=reports, pdf=False)
    manifest = json.loads((result.folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["parameters"]["odd_set"] == ["a", "b"]
    assert manifest["parameters"]["odd_bytes"] == "<2 bytes>"
    assert not [n for n in _leftovers(reports) if n.startswith(".tmp")]


def test_any_exception_while_publishing_leaves_no_temporary_folder(inputs, tmp_path, monkeypatch):
    data, cmap = inputs
    reports = tmp_path / "reports"
    monkeypatch.setattr(run_module, "_execute", _fake_execute)

    def broken_manifest(*_args, **_kwargs):
        raise TypeError("Object of type bytes is not JSON serializable")

    monkeypatch.setattr(run_module, "write_manifest", broken_manifest)
    with pytest.raises(TypeError):
        run_workbook("panel_profile", data, columns=cmap, out=reports, pdf=False)
    assert not [n for n in _leftovers(reports) if n.startswith(".tmp") or "panel_profile" in n]
