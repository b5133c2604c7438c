"""The resource-equity workbook: schools are named only when the map declares them public."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from improve.runner import run_workbook

from published_scan import scan_outputs

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo_finance"


@pytest.mark.slow
def test_private_schools_are_never_named(tmp_path) -> None:
    private = (DEMO / "columns.yaml").read_text().replace("public_names: [units]", "")
    (tmp_path / "private.yaml").write_text(private)
    run = run_workbook(
        "resource_equity", DEMO / "schools.csv", columns=tmp_path / "private.yaml",
        params={"bootstrap_draws": 20}, out=tmp_path / "out", pdf=False,
    )  # fmt: skip
    assert run.status == "complete", run
    schools = pd.read_csv(DEMO / "schools.csv", dtype=str)
    ids = set(schools["school_id"]) | set(schools["school_name"])
    files = [p for p in run.folder.rglob("*") if p.is_file()]
    scan = scan_outputs(files, ids)
    assert not scan.problems, scan.problems
    assert not (run.folder / "tables" / "outliers.csv").exists()
    results = json.loads((run.folder / "results.json").read_text())
    assert "per pupil" in results["headline"]
