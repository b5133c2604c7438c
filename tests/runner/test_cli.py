"""The command line: exit codes, one-line messages, atomic run folders."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]


def improve(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "improve.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.slow
def test_list_and_params():
    listed = improve("list")
    assert listed.returncode == 0
    assert "panel_profile" in listed.stdout
    params = improve("params", "panel_profile")
    assert params.returncode == 0
    assert "min_cell_size" in params.stdout and "int" in params.stdout
    assert "tables hide cells" in params.stdout


@pytest.mark.slow
def test_unknown_workbook_exit_2_with_suggestion():
    result = improve("params", "panel_profle")
    assert result.returncode == 2
    assert "did you mean 'panel_profile'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_validate_exit_codes(school_csv, school_map, tmp_path):
    ok = improve("validate", str(school_csv), "--columns", str(school_map))
    assert ok.returncode == 0, ok.stderr
    assert "Units:    60" in ok.stdout
    bad_map = tmp_path / "bad.yaml"
    bad_map.write_text("unit: school_id\ntime: school_year\noutcomes: [math]\n", encoding="utf-8")
    bad = improve("validate", str(school_csv), "--columns", str(bad_map))
    assert bad.returncode == 2
    lines = bad.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "no column 'math' (outcome)" in lines[0]
    debug = improve("--debug", "validate", str(school_csv), "--columns", str(bad_map))
    assert "Traceback" in debug.stderr


@pytest.mark.slow
def test_bad_parameter_fails_fast_before_kernel(school_csv, school_map, tmp_path):
    start = time.monotonic()
    wrong_name = improve(
        "run",
        "panel_profile",
        "--data",
        str(school_csv),
        "--columns",
        str(school_map),
        "-p",
        "min_cel_size=5",
        "--out",
        str(tmp_path),
    )
    assert wrong_name.returncode == 2
    assert "no parameter 'min_cel_size'; did you mean 'min_cell_size'" in wrong_name.stderr
    wrong_type = improve(
        "run",
        "panel_profile",
        "--data",
        str(school_csv),
        "--columns",
        str(school_map),
        "-p",
        "min_cell_size=ten",
        "--out",
        str(tmp_path),
    )
    assert wrong_type.returncode == 2
    assert "parameter 'min_cell_size' must be int" in wrong_type.stderr
    wrong_column = improve(
        "run",
        "panel_profile",
        "--data",
        str(school_csv),
        "--columns",
        str(school_map),
        "-p",
        "outcomes=[math_sss]",
        "--out",
        str(tmp_path),
    )
    assert wrong_column.returncode == 2
    assert "'math_sss', which is not in the data (did you mean 'math_ss'?)" in wrong_column.stderr
    assert time.monotonic() - start < 60
    assert not any(p.name.startswith("panel_profile") for p in tmp_path.iterdir())


@pytest.mark.slow
def test_run_writes_complete_folder_and_failure_keeps_notebook(school_csv, school_map, tmp_path):
    out = tmp_path / "reports"
    ok = improve(
        "run",
        "panel_profile",
        "--data",
        str(school_csv),
        "--columns",
        str(school_map),
        "-p",
        "outcomes=[math_ss]",
        "--out",
        str(out),
        "--run-id",
        "demo-run",
    )
    assert ok.returncode == 0, ok.stderr
    folder = out / "demo-run"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["parameters"]["outcomes"] == ["math_ss"]
    assert manifest["inputs"][0]["sha256"] and manifest["versions"]["pandas"]
    for name in (
        "report.html",
        "panel_profile.ipynb",
        "results.json",
        "tables/cohort_sizes.csv",
        "figures/treatment_timing.png",
    ):
        assert (folder / name).exists(), name
    html = (folder / "report.html").read_text()
    assert "<script src=" not in html and "def " not in html and "load_panel(" not in html
    assert "data:image/png;base64" in html and "alt=" in html
    before = (folder / "report.html").read_bytes()

    # a workbook that fails at a cell: exit 1, one line naming the cell, the earlier run intact
    nb = nbformat.read(ROOT / "notebooks" / "panel_profile.ipynb", as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell("raise ValueError('boom in the middle')"))
    broken = tmp_path / "panel_profile.ipynb"
    nbformat.write(nb, broken)
    failed = improve(
        "run",
        str(broken),
        "--data",
        str(school_csv),
        "--columns",
        str(school_map),
        "--out",
        str(out),
        "--run-id",
        "demo-run",
    )
    assert failed.returncode == 1
    last = failed.stderr.strip().splitlines()[-1]
    assert "failed: ValueError: boom in the middle" in last and "cell" in last
    assert (folder / "report.html").read_bytes() == before
    failed_dir = out / "demo-run.failed"
    assert (failed_dir / "panel_profile.ipynb").exists()
    assert not (failed_dir / "report.html").exists()
    assert json.loads((failed_dir / "manifest.json").read_text())["status"] == "failed"
    assert not [p for p in out.iterdir() if p.name.startswith(".tmp")]
    index = (out / "index.html").read_text()
    assert "demo-run.failed" in index and "complete" in index


@pytest.mark.slow
@pytest.mark.parametrize("value", ["[a", "notalist"])
def test_params_file_and_bad_values(tmp_path, school_csv, school_map, value):
    params = tmp_path / "params.yaml"
    params.write_text(f"min_cell_size: {value}\n", encoding="utf-8")
    result = improve(
        "run",
        "panel_profile",
        "--data",
        str(school_csv),
        "--columns",
        str(school_map),
        "--params-file",
        str(params),
        "--out",
        str(tmp_path),
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def _refused(result: subprocess.CompletedProcess[str], fragment: str, out: Path) -> None:
    assert result.returncode == 2, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ") and fragment in last, last
    assert "Traceback" not in result.stderr and "Passed unknown parameter" not in result.stderr
    assert not out.exists() or not any(out.iterdir()), "something was written"


@pytest.mark.slow
def test_combinations_the_data_cannot_honour_are_refused_before_the_kernel(school_csv, tmp_path):
    import yaml

    from sample_data import SCHOOL_MAP

    unclustered = tmp_path / "unclustered.yaml"
    unclustered.write_text(
        yaml.safe_dump({k: v for k, v in SCHOOL_MAP.items() if k != "cluster"}), encoding="utf-8"
    )
    out = tmp_path / "reports"
    start = time.monotonic()
    common = ("--data", str(school_csv), "--out", str(out), "--no-pdf")
    no_cluster = improve(
        "run",
        "did_evaluation",
        *common,
        "--columns",
        str(unclustered),
        "-p",
        "inference=jackknife",
        "-p",
        "outcomes=[math_ss]",
    )
    _refused(no_cluster, "inference=jackknife needs a cluster column", out)
    unit_cluster = improve(
        "run",
        "did_evaluation",
        *common,
        "--columns",
        str(unclustered),
        "-p",
        "inference=jackknife",
        "-p",
        "cluster=school_id",
        "-p",
        "outcomes=[math_ss]",
    )
    _refused(unit_cluster, "the cluster 'school_id' is the unit column", out)
    unmapped = improve(
        "run",
        "fixed_effects",
        *common,
        "--columns",
        str(unclustered),
        "-p",
        "cluster=state",
        "-p",
        "outcomes=[math_ss]",
    )
    _refused(unmapped, "parameter 'cluster' names column 'state', which is not in the data", out)
    assert time.monotonic() - start < 90


@pytest.mark.slow
def test_renamed_parameter_is_accepted_with_one_notice(school_csv, school_map, tmp_path):
    out = tmp_path / "reports"
    result = improve(
        "run",
        "panel_profile",
        "--data",
        str(school_csv),
        "--columns",
        str(school_map),
        "-p",
        "min_n=5",
        "-p",
        "outcomes=[math_sss]",
        "--out",
        str(out),
        "--no-pdf",
    )
    notices = [line for line in result.stderr.splitlines() if "min_n" in line]
    assert len(notices) == 1 and "'min_n' is now called 'min_cell_size'" in notices[0]
    _refused(result, "names column 'math_sss'", out)


@pytest.mark.slow
def test_params_names_api_defaults_that_differ():
    from improve.runner import get_workbook

    params = improve("params", "did_evaluation")
    assert params.returncode == 0
    note = 'improve.did.att_gt(control_group=...) defaults to "nevertreated"'
    differs = get_workbook("did_evaluation").parameters["control_group"].default != "nevertreated"
    assert (note in params.stdout) == differs
