"""Item 4 of the security issue: a small cohort's cells cannot be recovered from any output.

A small state (:mod:`small_state`: a cohort of six schools among cohorts of 40, 20 and 12,
``min_cell_size=10``) is run end to end through ``panel_profile`` and ``did_evaluation``.
The small cohort's true values are computed here independently of the run (the same
estimator, called directly, checked against the published cells of a large cohort), and
every number in every published file (CSV, Markdown, LaTeX, JSON, the Excel workbook, the
report's text, the executed notebook, the figures' SVG text) is compared with them; counts
that give the small cohort's size (6, or 12 for the cohort whose count would reveal it by
subtraction) must not appear. Figure data is checked on the figures' artists (image rows,
line data), not on pixels.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import matplotlib.text
import numpy as np
import pandas as pd
import pytest

from improve.data import load_panel, profile
from improve.did.evaluation import evaluate
from improve.report.defaults import did_options
from improve.report.did_figures import plot_att_gt_heatmap, plot_event_study
from improve.report.did_tables import analytic_cells_table
from improve.report.figures import plot_treatment_timing
from improve.report.outputs import RunOutputs
from improve.runner.run import run_workbook

from .small_state import (
    COHORTS,
    MIN_CELL_SIZE,
    SMALL_COHORT,
    SMALL_SIZE,
    YEARS,
    write_small_state,
)

pytestmark = pytest.mark.slow

#: The cohort whose count would give the small one away by subtraction (78 - 40 - 20 - 12).
PROTECTING_COHORT = 2018
HIDDEN_COUNTS = {
    SMALL_SIZE,
    COHORTS[PROTECTING_COHORT],
    SMALL_SIZE * len(YEARS),
    COHORTS[PROTECTING_COHORT] * len(YEARS),
}
COUNT_NAMES = re.compile(r"^(n|count|units|rows|n_\w+|\w+_units|observations)$")
WORKBOOKS = {"panel_profile": {}, "did_evaluation": {"bootstrap_draws": 99}}
_NUMBER = re.compile(r"(?<![\w.])[-−]?\d+\.\d+")


@pytest.fixture(scope="module")
def small_runs(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("small_state")
    data, cmap = write_small_state(folder)
    rc = folder / "mplrc"
    rc.mkdir()
    (rc / "matplotlibrc").write_text("svg.fonttype: none\n", encoding="utf-8")
    import os

    before = os.environ.get("MATPLOTLIBRC")
    os.environ["MATPLOTLIBRC"] = str(rc)  # the kernel writes figure text as SVG <text>
    try:
        runs = {
            name: run_workbook(
                name,
                data,
                columns=cmap,
                params={"min_cell_size": MIN_CELL_SIZE, **params},
                out=folder / "reports",
                pdf=False,
            ).folder
            for name, params in WORKBOOKS.items()
        }
    finally:
        if before is None:
            os.environ.pop("MATPLOTLIBRC", None)
        else:
            os.environ["MATPLOTLIBRC"] = before
    runs["_data"] = data
    runs["_map"] = cmap
    return runs


def _evaluation(runs: dict[str, Path]):
    panel = load_panel(runs["_data"], columns=runs["_map"])
    options = did_options(
        control_group="notyettreated", covariates=[], est_method="dr", cluster="",
        anticipation=0, confidence_level=0.95, bootstrap_draws=99, seed=20240601,
        base_period="varying", cluster_correction="CR2", balanced_panel=False,
    )  # fmt: skip
    return panel, evaluate(panel, "math_ss", max_event_time=5, inference="analytic", **options)


@pytest.fixture(scope="module")
def truth(small_runs) -> dict[str, object]:
    """The small cohort's values as the estimator gives them, before any suppression."""
    panel, ev = _evaluation(small_runs)
    cells = analytic_cells_table(ev)
    published = pd.read_csv(small_runs["did_evaluation"] / "tables" / "att_gt_math_ss.csv")
    large = cells[cells["group"] == 2016].reset_index(drop=True)
    shown = published[published["group"] == 2016].reset_index(drop=True)
    # the independent computation is the run's computation: a large cohort's cells agree
    np.testing.assert_allclose(shown["estimate"], large["estimate"], atol=1e-6)
    np.testing.assert_allclose(shown["std_error"], large["std_error"], atol=1e-6)
    small = cells[cells["group"] == SMALL_COHORT]
    columns = ["estimate", "std_error", "conf_low", "conf_high", "statistic"]
    values = [float(v) for v in small[columns].to_numpy().ravel() if np.isfinite(v)]
    group = ev.group.tidy()
    values += [
        float(v)
        for v in group.loc[group["group"] == SMALL_COHORT, ["estimate", "std_error"]]
        .to_numpy()
        .ravel()
    ]
    events = ev.event_study_table()
    # the 2018 cohort's earliest cell is YEARS[1] - 2018 = -3: earlier ones are the small one's
    only_small = [e for e in events["event_time"] if e < YEARS[1] - PROTECTING_COHORT]
    values += [
        float(v)
        for v in events.loc[events["event_time"].isin(only_small), ["estimate", "std_error"]]
        .to_numpy()
        .ravel()
        if np.isfinite(v)
    ]
    assert any(abs(v) > 15 for v in values)  # the distinctive effect is among them
    return {"values": values, "only_small_event_times": only_small, "panel": panel, "ev": ev}


def _shown_like(token: str, value: float) -> bool:
    """``token`` (a number as printed) shows ``value`` at its own precision."""
    text = token.replace("−", "-").replace(",", "")
    decimals = len(text.split(".")[1])
    if decimals < 2 or (decimals < 3 and abs(value) < 10):
        return False  # too coarse to tell one cohort's value from another's
    return math.isclose(float(text), round(value, decimals), abs_tol=0.5 * 10**-decimals)


def _published_texts(folder: Path) -> dict[str, str]:
    texts = {}
    for path in sorted(folder.rglob("*")):
        if path.suffix in {".csv", ".md", ".tex", ".json", ".svg", ".ipynb", ".html"}:
            text = path.read_text(encoding="utf-8")
            if path.suffix == ".svg":  # the figure's words and numbers, not its coordinates
                text = " ".join(re.findall(r"<text\b[^>]*>(.*?)</text>", text, re.S))
            texts[path.relative_to(folder).as_posix()] = re.sub(
                r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+", "", text
            )
        elif path.suffix == ".xlsx":
            import openpyxl

            book = openpyxl.load_workbook(path, read_only=True)
            texts[path.name] = "\n".join(
                repr(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row
            )
    return texts


@pytest.mark.parametrize("workbook", list(WORKBOOKS))
def test_no_output_shows_a_small_cohort_value(small_runs, truth, workbook):
    leaks = []
    texts = _published_texts(small_runs[workbook])
    assert any(name.endswith(".svg") and re.search(r"\d", t) for name, t in texts.items())
    for name, text in texts.items():
        for token in _NUMBER.findall(text):
            hits = [v for v in truth["values"] if _shown_like(token, v)]
            if hits:
                leaks.append(f"{name}: {token} shows {hits[0]:.6f}")
    assert not leaks, "\n".join(leaks[:20])


@pytest.mark.parametrize("workbook", list(WORKBOOKS))
def test_no_table_gives_the_hidden_cohort_sizes(small_runs, workbook):
    leaks = []
    for path in sorted((small_runs[workbook] / "tables").glob("*.csv")):
        table = pd.read_csv(path)
        cohort = next((c for c in ("cohort", "group") if c in table.columns), None)
        for column in [c for c in table.columns if COUNT_NAMES.match(str(c))]:
            values = pd.to_numeric(table[column], errors="coerce")
            if cohort is not None:
                about = table[cohort].isin([SMALL_COHORT, PROTECTING_COHORT])
                if values[about].notna().any():
                    leaks.append(f"{path.name}: {column} shown for a hidden cohort")
            bad = values[values.isin(HIDDEN_COUNTS)]
            if len(bad):
                leaks.append(f"{path.name}: {column} = {bad.tolist()[:3]}")
    texts = _published_texts(small_runs[workbook])
    for name, text in texts.items():
        if name.endswith((".html", ".md")):
            plain = re.sub(r"<[^>]+>", " ", text)
            for size in sorted(HIDDEN_COUNTS):
                if re.search(rf"(?<![\d.,]){size}\s+(schools|units)\b", plain):
                    leaks.append(f"{name}: '{size} schools/units' in the text")
    assert not leaks, "\n".join(leaks)


def test_event_study_and_results_json_blank_what_only_the_small_cohort_reaches(small_runs, truth):
    folder = small_runs["did_evaluation"]
    only_small = truth["only_small_event_times"]
    assert only_small, "the data must give the small cohort event times of its own"
    events = pd.read_csv(folder / "tables" / "event_study_math_ss.csv")
    blanked = events[events["event_time"].isin(only_small)]
    assert len(blanked) and blanked["estimate"].isna().all() and blanked["suppressed"].all()
    results = json.loads((folder / "results.json").read_text(encoding="utf-8"))["math_ss"]
    for entry in results["group"]:
        if int(entry["group"]) == SMALL_COHORT:
            assert entry["estimate"] is None and entry["std_error"] is None
    for entry in results["dynamic"]:
        if int(entry["event_time"]) in only_small:
            assert entry["estimate"] is None
    summary = pd.read_csv(folder / "tables" / "summary_math_ss.csv")
    row = summary[summary["term"] == f"cohort {SMALL_COHORT}"]
    assert len(row) == 1 and row["estimate"].isna().all()


# --- figure data --------------------------------------------------------------------------


def test_treatment_timing_draws_equal_bands_per_cohort_not_one_row_per_unit(truth):
    panel = truth["panel"]
    fig = plot_treatment_timing(profile.treatment_status_matrix(panel), unit_label="Schools")
    (image,) = fig.axes[0].get_images()
    rows = image.get_array().shape[0]
    assert rows == len(COHORTS)  # one band per cohort, whatever its size
    left, right, bottom, top = image.get_extent()
    assert abs(bottom - top) / rows == pytest.approx(1.0)  # every band one unit high
    texts = " ".join(t.get_text() for t in fig.findobj(matplotlib.text.Text))
    assert not re.search(r"\bn\s*=", texts)
    for size in HIDDEN_COUNTS:
        assert not re.search(rf"(?<![\d.]){size}(?![\d.])", texts.replace(str(SMALL_COHORT), ""))


def test_heatmap_and_event_study_figures_carry_no_small_cohort_data(truth):
    panel, ev = truth["panel"], truth["ev"]
    out = RunOutputs("", min_cell_size=MIN_CELL_SIZE, panel=panel)
    cells = out.publishable(analytic_cells_table(ev), outcome="math_ss", count_column="n_treated")
    heat = plot_att_gt_heatmap(cells, outcome_label="Effect")
    (image,) = heat.axes[0].get_images()
    data = np.ma.filled(np.ma.asarray(image.get_array(), dtype=float), np.nan)
    rows = [t.get_text() for t in heat.axes[0].get_yticklabels()]
    assert len(rows) == data.shape[0]
    for label, row in zip(rows, data, strict=True):
        if str(SMALL_COHORT) in label:
            assert np.isnan(row).all()  # drawn blank, or (as now) not drawn at all
    heat_text = " ".join(t.get_text() for t in heat.findobj(matplotlib.text.Text))
    events = out.publishable(ev.event_study_table(), outcome="math_ss")
    fig = plot_event_study(events, outcome_label="Effect")
    plotted = []
    for line in fig.axes[0].get_lines():
        x, y = (np.asarray(a, dtype=float) for a in line.get_data())
        plotted += [
            yy for xx, yy in zip(x, y, strict=False) if xx in truth["only_small_event_times"]
        ]
    for collection in fig.axes[0].collections:
        for path in collection.get_paths():
            vertices = path.vertices
            plotted += [yy for xx, yy in vertices if xx in truth["only_small_event_times"]]
    assert not [y for y in plotted if np.isfinite(y)]
    for token in _NUMBER.findall(heat_text):
        assert not [v for v in truth["values"] if _shown_like(token, v)]
