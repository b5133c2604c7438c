"""improvement_cycles publishes no unit names (unless the map says they are public) and no
small denominators: the benchmark measure of the demo has weeks with fewer than 10 students
assessed in one school."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from improve.runner import run_workbook

from published_scan import MIN_CELL, SKIP_SUFFIXES, scan_outputs

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "demo_qi"


@pytest.mark.slow
def test_no_unit_names_and_no_small_denominators_in_any_output(tmp_path: Path) -> None:
    private_map = tmp_path / "columns.yaml"
    text = (DEMO / "columns.yaml").read_text(encoding="utf-8")
    private_map.write_text(text.replace("public_names: [units]", ""))
    data = pd.read_csv(DEMO / "network.csv")
    assert (data["students_assessed"] < MIN_CELL).any()
    run = run_workbook(
        "improvement_cycles",
        DEMO / "network.csv",
        columns=private_map,
        params={"measure": "benchmark", "min_cell_size": MIN_CELL},
        out=tmp_path / "out",
    )
    assert run.status == "complete", run
    files = [p for p in run.folder.rglob("*") if p.is_file()]
    scan = scan_outputs(files, set(data["school"]), MIN_CELL, {})
    assert not scan.problems, scan.problems
    assert not [p for p in scan.skipped if p.suffix not in SKIP_SUFFIXES], scan.skipped
    report = (run.folder / "report.html").read_text(encoding="utf-8")
    assert "School 01" in report and "not shown" in report
