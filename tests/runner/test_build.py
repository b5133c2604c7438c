"""`improve build`: several analyses, failures isolated, reproducible, unchanged runs skipped."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def _build(config: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "improve.cli", "build", str(config), "--out", str(out), *extra],
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.slow
def test_build_isolates_failures_reproduces_and_skips(tmp_path, school_csv, school_map):
    config = tmp_path / "reports.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "runs": [
                    {
                        "workbook": "panel_profile",
                        "data": str(school_csv),
                        "columns": str(school_map),
                        "params": {"outcomes": ["math_ss"]},
                        "run_id": "good",
                    },
                    {
                        "workbook": "panel_profile",
                        "data": str(school_csv),
                        "columns": str(school_map),
                        "params": {"outcomes": ["no_such_column"]},
                        "run_id": "bad",
                    },
                ]
            }
        ),
        encoding="utf-8",
    )
    first = _build(config, tmp_path / "a")
    assert first.returncode == 1
    assert "1 of 2 runs complete" in first.stdout
    assert "no_such_column" in first.stderr and "Traceback" not in first.stderr
    good = tmp_path / "a" / "good"
    assert json.loads((good / "manifest.json").read_text())["status"] == "complete"
    assert not (tmp_path / "a" / "bad").exists()

    second = _build(config, tmp_path / "b")
    assert second.returncode == 1
    for file in sorted(good.rglob("*")):
        if file.suffix in {".csv", ".json"} and file.name != "manifest.json":
            twin = tmp_path / "b" / "good" / file.relative_to(good)
            assert file.read_bytes() == twin.read_bytes(), file.name

    stamp = (good / "report.html").stat().st_mtime_ns
    third = _build(config, tmp_path / "a", "--skip-unchanged")
    assert "unchanged since the last run" in third.stderr
    assert (good / "report.html").stat().st_mtime_ns == stamp
    index = (tmp_path / "a" / "index.html").read_text()
    assert "good/report.html" in index


def test_build_config_resolves_file_parameters_against_its_folder(tmp_path) -> None:
    from improve.runner.build import read_build_config

    config = tmp_path / "sub" / "reports.yaml"
    config.parent.mkdir()
    config.write_text(
        yaml.safe_dump(
            {
                "runs": [
                    {
                        "workbook": "cost_effectiveness",
                        "data": "ingredients.csv",
                        "params": {"run_path": "runs/did", "students": 10, "program": "x"},
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    (run,) = read_build_config(config)
    assert run["data"] == str(config.parent / "ingredients.csv")
    assert run["params"]["run_path"] == str(config.parent / "runs" / "did")
    assert run["params"]["students"] == 10 and run["params"]["program"] == "x"


def test_shipped_reports_yaml_prices_the_demo_run_by_name() -> None:
    from improve.runner.build import read_build_config

    (cost,) = [r for r in read_build_config(ROOT / "reports.yaml") if "cost" in r["workbook"]]
    demo_run = ROOT / "data" / "demo_cost" / "did_evaluation-schools"
    assert Path(cost["params"]["run_path"]) == demo_run
