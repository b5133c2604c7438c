"""Privacy by default: small cells and unit ids fed through every workbook never reach a report.

Three sets of outputs are scanned with one scanner (:func:`scan_outputs`):

* a small state (120 schools, one cohort of 9) and its subgroup file with published small
  cells, run through each workbook that takes school data;
* everything ``make demo`` (``improve demo``: every workbook on ``data/demo``) writes,
  index included, scanned for the demo's school and district ids;
* the outputs of the subgroup tests (``tests/test_subgroups_evidence.py``: subgroup
  estimates with a suppressed group of 3, their comparisons, forest plot, evidence table).

Every published file (HTML, CSV, JSON, SVG, Markdown, LaTeX, text, Excel workbooks and the
executed notebooks' outputs) is searched for unit ids, and every count column of every CSV
table and Excel sheet (``n``, ``n_units``, ``n_schools``, ``n_students``, ``count``, ...)
is checked against the minimum cell size, except in rows flagged ``suppressed``. PDF files
are checked for ids when ``pypdf`` is installed and otherwise listed as skipped (their
content is the HTML report, which is scanned); PNG images are skipped.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from improve.demo.schools import simulate_schools, simulate_subgroups

from published_scan import MIN_CELL, SKIP_SUFFIXES, scan_outputs, shows_value

ROOT = Path(__file__).resolve().parents[2]
#: Every workbook that takes a school file (the replication workbook reads one fixed public
#: district dataset through its own column map, with no small cells or student groups).
WORKBOOKS = (
    "panel_profile",
    "did_evaluation",
    "event_study_diagnostics",
    "fixed_effects",
    "evidence_summary",
)


#: did_evaluation's parameters on the small state (one run serves both tests that scan it;
#: the bootstrap draws test that no interval or band leaks a small cohort).
SMALL_STATE_DID = {"bootstrap_draws": 99, "outcomes": ["math_ss"], "adjust_for_covariates": False}


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
    return [p for p in folder.rglob("*") if p.is_file()]


@pytest.mark.slow
@pytest.mark.parametrize("workbook", WORKBOOKS)
def test_no_unit_ids_and_no_small_cells_in_any_output(workbook, small_state, shared_runs):
    params = (
        {"min_cell_size": MIN_CELL}
        if workbook in ("panel_profile", "did_evaluation", "evidence_summary")
        else {}
    )
    if workbook == "evidence_summary":
        params["subgroup_path"] = str(small_state["subgroups"])
        params["subgroup_map"] = str(ROOT / "data" / "demo" / "subgroups.yaml")
    if workbook == "did_evaluation":  # the run of the suppressed-cohort test below
        params.update(SMALL_STATE_DID)
    if workbook == "fixed_effects":
        params.update(bootstrap_draws=199, few_clusters=6)
    if workbook == "event_study_diagnostics":
        params.update(max_event_time=3, mbar_grid=[0.0, 1.0])
    run = shared_runs.run(
        workbook, small_state["schools"], columns=ROOT / "data" / "demo" / "columns.yaml",
        params=params,
    )  # fmt: skip
    files = _published_files(run.folder)
    assert files
    scan = scan_outputs(files, small_state["ids"], MIN_CELL, small_state["small_cohorts"])
    assert not scan.problems, scan.problems
    assert scan.tables and any(p.suffix == ".ipynb" for p in scan.scanned)
    assert not [p for p in scan.skipped if p.suffix not in SKIP_SUFFIXES], scan.skipped


def test_scanner_finds_ids_and_small_cells_in_every_format(tmp_path):
    """The scanner itself: a leaked id or an unflagged small count is found in each format."""
    ids = {"010011900036"}
    frame = pd.DataFrame(
        {"term": ["A", "B", "C"], "n_students": [40, 12, 3], "suppressed": [False, False, False]}
    )
    frame.to_csv(tmp_path / "t.csv", index=False)
    frame.to_excel(tmp_path / "t.xlsx", index=False)
    (tmp_path / "r.md").write_text("| school | 010011900036 |", encoding="utf-8")
    (tmp_path / "r.tex").write_text("school 010011900036 \\\\", encoding="utf-8")
    (tmp_path / "r.pdf").write_bytes(b"%PDF-1.4")
    nb = {"cells": [{"cell_type": "code", "outputs": [{"text": "010011900036"}], "source": ""}]}
    (tmp_path / "r.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    scan = scan_outputs(_published_files(tmp_path), ids)
    text = "\n".join(scan.problems)
    for name in ("r.md", "r.tex", "r.ipynb"):
        assert f"{name} shows unit ids" in text
    assert "t.csv: column 'n_students' shows 3" in text
    assert "t.xlsx[Sheet1]: column 'n_students' shows 3" in text
    assert tmp_path / "r.pdf" in scan.skipped or tmp_path / "r.pdf" in scan.scanned
    frame.assign(suppressed=[False, False, True]).to_csv(tmp_path / "t.csv", index=False)
    assert not scan_outputs([tmp_path / "t.csv"], ids).problems


@pytest.mark.slow
@pytest.mark.xdist_group("demo")
def test_make_demo_outputs_hold_no_unit_ids_and_no_small_cells(demo_build):
    demo_reports = demo_build["folder"]
    demo = pd.read_csv(ROOT / "data" / "demo" / "schools.csv", dtype=str)
    ids = set(demo["school_id"]) | set(demo["district_id"])
    subgroups = pd.read_csv(ROOT / "data" / "demo" / "subgroups.csv", dtype=str)
    ids |= set(subgroups["school_id"]) if "school_id" in subgroups else set()
    files = _published_files(demo_reports)
    scan = scan_outputs(files, ids, MIN_CELL)
    assert not scan.problems, scan.problems
    assert len(scan.scanned) > 20 and scan.tables > 5
    assert (demo_reports / "index.html") in scan.scanned
    assert not [p for p in scan.skipped if p.suffix not in SKIP_SUFFIXES], scan.skipped


def test_subgroup_test_outputs_hold_no_unit_ids_and_no_small_cells(tmp_path):
    from test_subgroups_evidence import MIN_CELL as SUBGROUP_MIN_CELL
    from test_subgroups_evidence import write_published_outputs

    files, ids = write_published_outputs(tmp_path)
    scan = scan_outputs(files, ids, SUBGROUP_MIN_CELL)
    assert not scan.problems, scan.problems
    assert len(scan.scanned) == len(files) and scan.tables == 3
    shown = pd.read_csv(tmp_path / "subgroups.csv").set_index("term")
    assert bool(shown.loc["C", "suppressed"]) and pd.isna(shown.loc["C", "estimate"])


@pytest.mark.slow
def test_suppressed_cohort_values_are_absent_from_every_did_output(small_state, shared_runs):
    """The small cohort's group-time effects, blanked in the ATT(g,t) table, appear in no
    other output either: not in the heatmap labels, event study, summary, CSV, Excel,
    results.json, sentences or the executed notebook."""
    from improve.data import load_panel
    from improve.did import att_gt

    columns = ROOT / "data" / "demo" / "columns.yaml"
    panel = load_panel(small_state["schools"], columns=columns)
    cells = att_gt(panel, "math_ss", control_group="notyettreated", covariates=[])
    small = set(small_state["small_cohorts"]) - {0}
    assert small
    values = {
        int(g): [float(v) for gg, v in zip(cells.groups, cells.estimate, strict=True) if gg == g]
        for g in set(cells.groups)
    }
    hidden = [v for g in small for v in values[g] if np.isfinite(v)]
    shown = [v for g, vs in values.items() if g not in small for v in vs if np.isfinite(v)]
    assert hidden and shown
    params = {"min_cell_size": MIN_CELL, **SMALL_STATE_DID}
    run = shared_runs.run("did_evaluation", small_state["schools"], columns=columns, params=params)
    files = _published_files(run.folder)
    scan = scan_outputs(files, small_state["ids"], MIN_CELL, small_state["small_cohorts"], hidden)
    assert not scan.problems, scan.problems
    # the same estimates of the other cohorts are published, so the scan would find these
    table = run.folder / "tables" / "att_gt_math_ss.csv"
    assert all(shows_value(table, table.read_text(encoding="utf-8"), v) for v in shown)
