"""Every workbook runs on the demo data through the runner users use, reproducibly and safely."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from improve.report.defaults import demo_workbook_params
from improve.runner import RESERVED, list_workbooks, load_workbook, run_workbook

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_workbooks():
    assert NOTEBOOKS, "notebooks/ is empty"
    assert [wb.name for wb in list_workbooks()] == [p.stem for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_without_outputs_and_parameterised(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), "strip outputs"
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    params = load_workbook(path).parameters
    for name in RESERVED:
        assert name in params
    undocumented = [p.name for p in params.values() if not p.help]
    assert not undocumented, f"parameters without a comment: {undocumented}"


_SECOND_RUNS: dict[str, object] = {}


def _demo_runs(name: str, demo_build: dict, base) -> tuple:
    """The session's demo run of a workbook and a second run of it, for reproducibility."""
    if name not in _SECOND_RUNS:
        params = demo_workbook_params(name)
        _SECOND_RUNS[name] = run_workbook(name, params=params, out=base.mktemp(name), pdf=False)
    return demo_build["runs"][name], _SECOND_RUNS[name]


@pytest.mark.slow
@pytest.mark.xdist_group("demo")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_workbook_runs_on_demo_data_reproducibly(path, demo_build, tmp_path_factory):
    first, second = _demo_runs(path.stem, demo_build, tmp_path_factory)
    assert first.status == second.status == "complete"
    files = sorted(
        p.relative_to(first.folder)
        for p in first.folder.rglob("*")
        if p.is_file() and (p.suffix in {".csv", ".svg", ".png"} or p.name == "results.json")
    )
    assert any(f.suffix == ".csv" for f in files)
    for rel in files:
        assert (first.folder / rel).read_bytes() == (second.folder / rel).read_bytes(), rel

    # no unit identifiers anywhere in what a reader sees
    demo = pd.read_csv(ROOT / "data" / "demo" / "schools.csv", dtype=str)
    ids = set(demo["school_id"])
    published = [first.folder / "report.html", first.folder / "results.json"]
    published += list((first.folder / "tables").glob("*.csv"))
    for file in published:
        text = file.read_text(encoding="utf-8")
        leaked = [i for i in ids if i in text]
        assert not leaked, f"{file.name} shows unit ids such as {leaked[:2]}"
    manifest = json.loads((first.folder / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["finished"] >= manifest["started"]


@pytest.mark.slow
@pytest.mark.xdist_group("demo")
def test_did_workbook_recovers_the_true_effects(demo_build):
    """The demo's known effects lie inside the workbook's intervals (truth.json)."""
    run = demo_build["runs"]["did_evaluation"]
    results = json.loads((run.folder / "results.json").read_text())
    truth = json.loads((ROOT / "data" / "demo" / "truth.json").read_text())["outcomes"]
    for outcome in ("math_ss", "reading_ss"):
        simple = results[outcome]["simple"]
        assert simple["conf_low"] <= truth[outcome]["simple"] <= simple["conf_high"], outcome
        true_by_e = {d["event_time"]: d["att"] for d in truth[outcome]["dynamic"]}
        for row in results[outcome]["dynamic"]:
            e = row["event_time"]
            assert row["conf_low_uniform"] <= true_by_e[e] <= row["conf_high_uniform"], (outcome, e)
        true_by_g = {d["cohort"]: d["att"] for d in truth[outcome]["group"]}
        for row in results[outcome]["group"]:
            assert row["conf_low"] <= true_by_g[row["group"]] <= row["conf_high"], (outcome, row)
