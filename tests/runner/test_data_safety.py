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
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from improve.data.simulate import simulate_schools, simulate_subgroups
from improve.runner import run_workbook

ROOT = Path(__file__).resolve().parents[2]
MIN_CELL = 10
COUNT_COLUMNS = {
    "n",
    "count",
    "units",
    "n_units",
    "n_treated",
    "n_tested",
    "n_schools",
    "n_students",
    "n_obs",
}
# Not counted: n_clusters / n_districts (how many districts a state has is public and
# describes the design, not a group of students or schools).
#: Files read as text and searched for ids.
TEXT_SUFFIXES = {".html", ".csv", ".json", ".svg", ".md", ".tex", ".txt", ".yaml", ".js"}
#: Binary files not searched (figures; PDFs without pypdf): listed in ``Scan.skipped``.
SKIP_SUFFIXES = {".png", ".jpg", ".pdf", ".woff", ".woff2", ".ico"}


@dataclass
class Scan:
    """What :func:`scan_outputs` looked at and what it found."""

    scanned: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    tables: int = 0
    problems: list[str] = field(default_factory=list)


def _pdf_text(path: Path) -> str | None:
    try:
        import pypdf
    except ImportError:
        return None
    return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(path).pages)


def _xlsx_text(path: Path) -> str:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return "\n".join(
            "\t".join("" if v is None else str(v) for v in row)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
        )
    finally:
        book.close()


def _notebook_text(path: Path) -> str:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    shown = [c.get("outputs", []) for c in notebook["cells"]]
    shown += [c["source"] for c in notebook["cells"] if c.get("cell_type") == "markdown"]
    return json.dumps(shown)


def _tables(path: Path) -> Iterable[tuple[str, pd.DataFrame]]:
    if path.suffix == ".csv":
        try:
            yield path.name, pd.read_csv(path)
        except (pd.errors.EmptyDataError, pd.errors.ParserError):
            return
    elif path.suffix == ".xlsx":
        for sheet, frame in pd.read_excel(path, sheet_name=None).items():
            yield f"{path.name}[{sheet}]", frame


def _small_counts(name: str, frame: pd.DataFrame, min_cell: int) -> list[str]:
    columns = {str(c).strip().lower(): c for c in frame.columns}
    flagged = pd.Series(False, index=frame.index)
    if "suppressed" in columns:
        flagged = frame[columns["suppressed"]].astype(str).str.lower().isin(["true", "1", "yes"])
    found = []
    for key in COUNT_COLUMNS & set(columns):
        counts = pd.to_numeric(frame[columns[key]], errors="coerce")
        small = counts[(counts > 0) & (counts < min_cell) & ~flagged]
        if len(small):
            found.append(f"{name}: column '{key}' shows {small.iloc[0]:g} (< {min_cell})")
    return found


def value_texts(value: float) -> tuple[set[str], set[str]]:
    """How a number may be written: at full precision (CSV ``%.6f``, JSON to 10 decimals,
    Excel ``repr``) and as shown (3 and 4 significant digits, the reports' formatter)."""
    full = {f"{value:.6f}", repr(round(value, 10)), repr(value)}
    shown = {f"{value:#.3g}".rstrip("."), f"{value:#.4g}".rstrip(".")}
    shown |= {t.replace("-", "−") for t in shown}
    return full, shown


def _shown_text(path: Path, text: str) -> str:
    """What a reader sees: the text of SVG ``<text>`` elements, HTML without tags."""
    if path.suffix == ".svg":
        return " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", text))
    if path.suffix == ".html":
        return re.sub(r"<[^>]+>", " ", re.sub(r"<style.*?</style>", " ", text, flags=re.S))
    return text


def _shows_value(path: Path, text: str, value: float) -> bool:
    full, shown = value_texts(value)
    visible = _shown_text(path, text)
    return any(
        re.search(rf"(?<![\d.\-−]){re.escape(t)}(?![\d])", where)
        for texts, where in ((full, text), (shown, visible))
        for t in texts
    )


def scan_outputs(
    files: Iterable[Path],
    ids: set[str],
    min_cell: int = MIN_CELL,
    small_cohorts: dict[int, int] | None = None,
    hidden_values: Iterable[float] = (),
) -> Scan:
    """Search published files for unit ids and count tables for unsuppressed small cells.

    Parameters
    ----------
    files : iterable of Path
        The files a run wrote.
    ids : set of str
        Identifiers that must not appear (school ids, district ids, ...).
    min_cell : int
        Minimum cell size: counts from 1 to ``min_cell - 1`` must be suppressed.
    small_cohorts : dict, optional
        Cohort -> size of cohorts under the minimum; "2019: 7"-like text must not appear.
    hidden_values : iterable of float
        Suppressed numbers that must appear nowhere, in any format (:func:`value_texts`).

    Returns
    -------
    Scan
    """
    scan = Scan()
    for path in sorted(files):
        suffix = path.suffix.lower()
        if suffix == ".xlsx":
            text = _xlsx_text(path)
        elif suffix == ".ipynb":
            text = _notebook_text(path)
        elif suffix == ".pdf":
            text = _pdf_text(path)
        elif suffix in TEXT_SUFFIXES:
            text = path.read_text(encoding="utf-8", errors="replace")
        else:
            text = None
        if text is None:
            scan.skipped.append(path)
            continue
        scan.scanned.append(path)
        leaked = sorted(i for i in ids if i in text)
        if leaked:
            scan.problems.append(f"{path.name} shows unit ids such as {leaked[:2]}")
        for cohort, size in (small_cohorts or {}).items():
            if f"{cohort}: {size}" in text or f'"{cohort}": {size}' in text:
                scan.problems.append(f"{path.name} shows cohort {cohort} of {size} units")
        for value in hidden_values:
            if _shows_value(path, text, value):
                scan.problems.append(f"{path.name} shows the suppressed value {value!r}")
        for name, frame in _tables(path):
            scan.tables += 1
            scan.problems += _small_counts(name, frame, min_cell)
    return scan


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
    return [p for p in folder.rglob("*") if p.is_file()]


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
        params["subgroup_map"] = str(ROOT / "data" / "demo" / "subgroups.yaml")
    if workbook == "did_evaluation":
        params.update(bootstrap_draws=99, outcomes=["math_ss"], adjust_for_covariates=False)
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


@pytest.fixture(scope="module")
def demo_reports(tmp_path_factory) -> Path:
    """Everything ``make demo`` writes (``improve demo``: every workbook, then the index)."""
    from improve.runner import build, demo_runs

    out = tmp_path_factory.mktemp("demo_reports")
    outcomes = build(demo_runs(), out=out, pdf=False)
    failed = [o for o in outcomes if isinstance(o, Exception)]
    assert not failed, failed
    return out


@pytest.mark.slow
def test_make_demo_outputs_hold_no_unit_ids_and_no_small_cells(demo_reports):
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
def test_suppressed_cohort_values_are_absent_from_every_did_output(small_state, tmp_path):
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
        int(g): [float(v) for gg, v in zip(cells.groups, cells.att, strict=True) if gg == g]
        for g in set(cells.groups)
    }
    hidden = [v for g in small for v in values[g] if np.isfinite(v)]
    shown = [v for g, vs in values.items() if g not in small for v in vs if np.isfinite(v)]
    assert hidden and shown
    run = run_workbook(
        "did_evaluation",
        small_state["schools"],
        columns=columns,
        params={
            "min_cell_size": MIN_CELL,
            "bootstrap_draws": 0,
            "outcomes": ["math_ss"],
            "adjust_for_covariates": False,
        },
        out=tmp_path,
    )
    files = _published_files(run.folder)
    scan = scan_outputs(files, small_state["ids"], MIN_CELL, small_state["small_cohorts"], hidden)
    assert not scan.problems, scan.problems
    # the same estimates of the other cohorts are published, so the scan would find these
    table = run.folder / "tables" / "att_gt_math_ss.csv"
    assert all(_shows_value(table, table.read_text(encoding="utf-8"), v) for v in shown)
