"""Item 7 of the security issue: run ids and output names never replace other files.

A run id names a folder in the reports folder. An id that is a file there (the gallery
``index.html``, a tracked ``README.md``, anything else), a reserved or dotted name, a path,
``..``, an empty or an overlong id is refused with exit 2 before anything is written: the
reports folder is left exactly as it was, with no temporary folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from improve.errors import OutputError, SpecError
from improve.runner.build import read_build_config
from improve.runner.run import plan_run
from improve.runner.run_ids import MAX_RUN_ID, check_run_id

from sample_data import SCHOOL_MAP, make_school_panel


def _snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every path under ``folder`` with its bytes (``None`` for folders)."""
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes() if p.is_file() else None)
        for p in sorted(folder.rglob("*"))
    }


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "index.html").write_text("<html>gallery</html>", encoding="utf-8")
    (folder / "README.md").write_text("# tracked readme\n", encoding="utf-8")
    (folder / "notes.txt").write_text("someone's notes\n", encoding="utf-8")
    (folder / "assets").mkdir()
    (folder / "assets" / "style.css").write_text("body{}", encoding="utf-8")
    run = folder / "panel_profile-old"
    run.mkdir()
    (run / "manifest.json").write_text("{}", encoding="utf-8")
    return folder


CLASHING = [
    "index.html",
    "INDEX.HTML",
    "README.md",
    "readme.md",
    "notes.txt",
    "assets",
    ".hidden",
    ".tmp-x-1",
    "..",
    "../escape",
    "a/b",
    "a\\b",
    "a..b",
    "",
    "x" * (MAX_RUN_ID + 1),
    "nul",
    "old.failed",
]


@pytest.mark.parametrize("run_id", CLASHING)
def test_clashing_run_ids_are_refused(reports, run_id):
    before = _snapshot(reports)
    with pytest.raises(SpecError) as info:
        check_run_id(run_id, reports)
    assert "\n" not in str(info.value)
    assert _snapshot(reports) == before


def test_a_run_folder_can_be_replaced_and_a_new_id_is_fine(reports):
    check_run_id("panel_profile-old", reports)
    check_run_id("panel_profile-new.v2", reports)


def test_reports_folder_that_is_a_file_is_an_output_error(tmp_path):
    target = tmp_path / "reports"
    target.write_text("not a folder", encoding="utf-8")
    with pytest.raises(OutputError, match="is a file"):
        check_run_id("x", target)


@pytest.fixture
def school_inputs(tmp_path: Path) -> tuple[Path, Path]:
    data = tmp_path / "schools.csv"
    make_school_panel().to_csv(data, index=False)
    cmap = tmp_path / "map.yaml"
    cmap.write_text(yaml.safe_dump(SCHOOL_MAP), encoding="utf-8")
    return data, cmap


def test_plan_refuses_a_clash_before_reading_the_data(reports, school_inputs):
    data, cmap = school_inputs
    with pytest.raises(SpecError, match="clashes with the file 'notes.txt'"):
        plan_run("panel_profile", data, columns=cmap, out=reports, run_id="notes.txt")
    with pytest.raises(SpecError, match="reserved name"):
        plan_run("panel_profile", data, columns=cmap, out=reports, run_id="index.html")


@pytest.mark.slow
@pytest.mark.parametrize("run_id", ["index.html", "README.md", ".hidden", "notes.txt"])
def test_cli_run_with_a_clashing_id_exits_2_and_writes_nothing(reports, school_inputs, run_id):
    data, cmap = school_inputs
    before = _snapshot(reports)
    done = subprocess.run(
        [sys.executable, "-m", "improve.cli", "run", "panel_profile", "--data", str(data),
         "--columns", str(cmap), "--out", str(reports), "--run-id", run_id, "--no-pdf"],
        capture_output=True, text=True, timeout=300, env=dict(os.environ),
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    errors = [ln for ln in done.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "Traceback" not in done.stderr
    assert "run id" in errors[0]
    assert _snapshot(reports) == before


def test_build_config_refuses_bad_and_duplicate_run_ids(tmp_path):
    config = tmp_path / "reports.yaml"
    config.write_text(
        yaml.safe_dump({"runs": [{"workbook": "panel_profile", "run_id": "README.md"}]}),
        encoding="utf-8",
    )
    with pytest.raises(SpecError, match="reserved name"):
        read_build_config(config)
    twice = [{"workbook": "panel_profile", "run_id": "a"}, {"workbook": "fe", "run_id": "A"}]
    config.write_text(yaml.safe_dump({"runs": twice}), encoding="utf-8")
    with pytest.raises(SpecError, match="twice"):
        read_build_config(config)
