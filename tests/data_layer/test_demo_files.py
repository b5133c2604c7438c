"""The shipped demo files load through the public loader with their column maps."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from improve.data import load_panel

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"


def test_school_file_loads_clean():
    panel = load_panel(DEMO / "schools.csv", columns=DEMO / "columns.yaml")
    assert panel.report.n_units == 700
    assert panel.report.gap_periods == [2020]
    assert panel.report.balanced
    assert set(panel.cohorts) == {0, 2017, 2018, 2019, 2020, 2021, 2022}
    assert panel.data["school_id"].str.len().eq(12).all()


def test_subgroup_file_markers_are_parsed_and_counted():
    panel = load_panel(DEMO / "subgroups.csv", columns=DEMO / "subgroups.yaml")
    markers = panel.report.markers
    assert markers["n_tested"]["suppressed"] > 0
    assert markers["math_ss"]["suppressed"] > 0
    assert (
        markers["math_pct_prof"].get("at_least", 0) + markers["math_pct_prof"].get("at_most", 0) > 0
    )
    small = panel.data["n_tested_flag"] == "suppressed"
    # every masked count hides its outcomes too, and the bound says "< 10"
    assert panel.data.loc[small, "math_ss"].isna().all()
    assert np.allclose(
        panel.data.loc[small & panel.data["n_tested_upper"].notna(), "n_tested_upper"], 10
    )
    assert (panel.data["n_tested"].dropna() >= 10).all()
    assert panel.data["subgroup"].nunique() == 10
