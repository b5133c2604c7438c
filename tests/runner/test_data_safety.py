"""Privacy by default: small cells and unit ids fed through every workbook never reach a report.

A small state (120 schools, one cohort of 9) and its subgroup file with published small
cells run through each workbook that takes school data; every file the runs write (HTML,
CSV, JSON, SVG figures and the executed notebooks' outputs) is scanned for unit ids, and
every count in every table is checked against the minimum cell size.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from improve.data.simulate import simulate_schools, simulate_subgroups
from improve.workbooks import run_workbook

ROOT = Path(__file__).resolve().parents[2]
MIN_CELL = 10
COUNT_COLUMNS = {"units", "n_units", "n_treated", "n_tested"}
#: Every workbook that takes a school file (the replication workbook reads one fixed public
#: district dataset through its own column map, with no small cells or student groups).
WORKBOOKS = (
    "panel_profile",
    "did_evaluation",
    "event_study_diagnostics",
    "fixed_effects",
    "evidence_summary",
)


@pytest.fixture(scope="module")
def small_state(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("small_state")
    schools = simulate_schools(seed=7, n_districts=12, n_schools=120)
    assert (schools.groupby("first_grant_year")["school_id"].nunique() < MIN_CELL).any()
    schools.to_csv(folder / "schools.csv", index=False)
    simulate_subgroups(schools, seed=7).to_csv(folder / "subgroups.csv", index=False)
    sizes = schools.groupby("first_grant_year")["school_id"].nunique()
    return {
        "schools": folder / "schools.csv",
        "subgroups": folder / "subgroups.csv",
        "ids": set(schools["school_id"]),
        "small_cohorts": {int(g): int(n) for g, n in sizes.items() if n < MIN_CELL},
    }


def _published_files(folder: Path) -> list[Path]:
    return [
        p
        for p in folder.rglob("*")
        if p.is_file() and p.suffix in {".html", ".csv", ".json", ".svg"}
    ]


@pytest.mark.slow
@pytest.mark.parametrize("workbook", WORKBOOKS)
def test_no_unit_ids_and_no_small_cells_in_any_output(workbook, small_state, tmp_path):
    params = (
        {"min_cell_size": MIN_CELL}
        if workbook in ("panel_profile", "did_evaluation", "evidence_summary")
        else {}
    )
    if workbook == "evidence_summary":
        params["subgroup_path"] = str(small_state["subgroups"])
    if workbook == "did_evaluation":
        params["bootstrap_draws"] = 99
    if workbook == "fixed_effects":
        params.update(bootstrap_draws=199, few_clusters=6)
    if workbook == "event_study_diagnostics":
        params.update(max_event_time=3, mbar_grid=[0.0, 1.0])
    run = run_workbook(
        workbook,
        small_state["schools"],
        columns=ROOT / "data" / "demo" / "columns.yaml",
        params=params,
        out=tmp_path,
    )
    files = _published_files(run.folder)
    assert files
    for file in files:
        text = file.read_text(encoding="utf-8", errors="replace")
        leaked = [i for i in small_state["ids"] if i in text]
        assert not leaked, f"{file.name} shows unit ids such as {leaked[:2]}"
        for cohort, size in small_state["small_cohorts"].items():
            assert f"{cohort}: {size}" not in text, f"{file.name} shows cohort {cohort} of {size}"
            assert f'"{cohort}": {size}' not in text, f"{file.name} shows cohort {cohort}"
    notebook = json.loads(next(run.folder.glob("*.ipynb")).read_text())
    outputs = json.dumps([c.get("outputs", []) for c in notebook["cells"]])
    assert not [i for i in small_state["ids"] if i in outputs]
    for table in (run.folder / "tables").glob("*.csv"):
        frame = pd.read_csv(table)
        for column in COUNT_COLUMNS & set(frame.columns):
            counts = frame[column].dropna()
            small = counts[(counts > 0) & (counts < MIN_CELL)]
            assert small.empty, f"{table.name}: {column} shows cells under {MIN_CELL}"
