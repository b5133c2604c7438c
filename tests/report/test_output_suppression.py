"""One suppression rule for a run: a value hidden in one output is hidden in all of them."""

from __future__ import annotations

import json
import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from improve.report.did_figures import plot_att_gt_heatmap
from improve.report.outputs import RunOutputs
from improve.report.suppression import SUPPRESSED_TEXT, SuppressionRegistry

SMALL = 0.123456789  # ATT of the small cohort 2019 in 2020
OTHER = 0.987654321


def _cells() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "group": [2018, 2018, 2019, 2019],
            "time": [2019, 2020, 2019, 2020],
            "estimate": [OTHER, 0.5555, 0.3333, SMALL],
            "conf_low": [0.5, 0.1, 0.1, -0.2],
            "conf_high": [1.5, 1.1, 0.6, 0.4444],
            "n_treated": [30, 30, 6, 6],
        }
    )


def _registry() -> SuppressionRegistry:
    registry = SuppressionRegistry(10)
    registry.register_cohorts({0: 40, 2018: 30, 2019: 6})
    return registry


def test_small_cohort_is_blanked_and_its_values_are_remembered():
    registry = _registry()
    shown = registry.apply(_cells())
    assert shown["estimate"].isna().tolist() == [False, False, True, True]
    assert shown["n_treated"].isna().all()  # 2018's 30 would give away 2019's 6
    assert shown["suppressed"].all()
    assert shown.loc[shown["group"] == 2018, "estimate"].notna().all()
    # an event-time estimate that repeats the small cohort's cell is found by its value
    events = pd.DataFrame({"event_time": [0, 1], "estimate": [0.7, SMALL], "conf_low": [0.2, -1]})
    blanked = registry.apply(events)
    assert blanked["suppressed"].tolist() == [False, True]
    assert np.isnan(blanked.loc[1, "conf_low"])


def test_complementary_count_is_hidden_but_its_estimates_are_not():
    registry = _registry()
    sizes = pd.DataFrame({"cohort": [0, 2018, 2019], "units": [40, 30, 6], "mean": [1.1, 2.2, 3.3]})
    shown = registry.apply(sizes)
    assert shown["units"].isna().tolist() == [False, True, True]  # 30 protects 6 from 76 - 70
    assert shown["mean"].isna().tolist() == [False, False, True]


def test_summary_terms_and_sentences_and_json():
    registry = _registry()
    registry.apply(_cells())
    summary = pd.DataFrame({"term": ["ATT (simple)", "cohort 2019"], "estimate": [0.4, 0.2]})
    assert registry.apply(summary)["estimate"].isna().tolist() == [False, True]
    text = registry.clean_text("The effect was 0.12 (CI −0.20 to 0.44) and 0.99 elsewhere.")
    assert text.count(SUPPRESSED_TEXT) == 3 and "0.99" in text
    records = [{"group": 2019, "estimate": 0.2}, {"group": 2018, "estimate": OTHER}]
    assert registry.clean_json(records) == [
        {"group": 2019, "estimate": None},
        {"group": 2018, "estimate": OTHER},
    ]


def test_no_minimum_means_no_suppression():
    registry = SuppressionRegistry(None)
    registry.register_cohorts({2019: 2})
    pd.testing.assert_frame_equal(registry.apply(_cells()), _cells())


def _all_text(folder) -> str:
    parts = []
    for path in sorted(folder.rglob("*")):
        if path.suffix in {".csv", ".md", ".tex", ".json", ".svg"}:
            parts.append(path.read_text(encoding="utf-8"))
        elif path.suffix == ".xlsx":
            for frame in pd.read_excel(path, sheet_name=None, header=None).values():
                parts.append(frame.to_csv())
    return "\n".join(parts)


def test_run_outputs_apply_one_rule_to_every_file(tmp_path):
    out = RunOutputs(tmp_path, min_cell_size=10)
    out.suppression.register_cohorts({0: 40, 2018: 30, 2019: 6})
    cells = _cells()
    heat = out.figure(
        "heatmap",
        plot_att_gt_heatmap(out.publishable(cells, count_column="n_treated")),
        caption=f"Effects; the small cohort's is {SMALL:.3f}.",
        alt="Heatmap.",
    )
    out.table("att_gt", cells, caption="Cells.", count_column="n_treated")
    out.table("events", pd.DataFrame({"event_time": [1], "estimate": [SMALL]}), caption="ES.")
    out.result("cells", cells)
    out.result("headline", f"The small cohort's effect was {SMALL:.2f}.")
    written = _all_text(tmp_path)
    for value in (SMALL, 0.3333, 0.4444):
        for text in (f"{value:.6f}", f"{value:.4f}", f"{value:.2f}", repr(round(value, 10))):
            assert text not in written, text
    assert f"{OTHER:.6f}" in written
    assert "0.12" not in heat._repr_html_()
    results = json.loads((tmp_path / "results.json").read_text())
    assert SUPPRESSED_TEXT in results["headline"]
    plt.close("all")


def test_heatmap_labels_are_checked_even_when_drawn_from_raw_values(tmp_path):
    out = RunOutputs(tmp_path, min_cell_size=10)
    out.suppression.register_values([SMALL])
    fig = plot_att_gt_heatmap(_cells())
    out.figure("heat", fig, caption="c", alt="a")
    svg = (tmp_path / "figures" / "heat.svg").read_text()
    labels = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert "0.988" in labels and "0.123" not in labels


def _panel(public_counts: bool):
    from types import SimpleNamespace

    units = [f"u{i}" for i in range(52)]
    cohorts = [2019] * 2 + [2018] * 20 + [0] * 30
    data = pd.DataFrame({"unit": units, "cohort": cohorts})
    spec = SimpleNamespace(unit="unit", cohort="cohort", public_counts=public_counts)
    return SimpleNamespace(spec=spec, data=data)


def test_the_run_registers_small_cohorts_from_its_panel_and_public_units_stay(tmp_path):
    """Private units: a cohort of 2 is hidden with its estimates (and one more count, so
    it cannot be recovered). Public units (states): counts and estimates stay, since every
    unit is itself a published aggregate."""
    sizes = pd.DataFrame({"cohort": [0, 2018, 2019], "units": [30, 20, 2], "mean": [1.5, 2.5, 3.5]})
    private = RunOutputs(tmp_path / "a", min_cell_size=10, panel=_panel(False))
    shown = private.publishable(sizes)
    assert shown["units"].isna().tolist() == [False, True, True]
    assert shown["mean"].isna().tolist() == [False, False, True]
    public = RunOutputs(tmp_path / "b", min_cell_size=10, panel=_panel(True))
    shown = public.publishable(sizes)
    assert shown["units"].notna().all() and shown["mean"].notna().all()


def test_sentences_and_text_cells_do_not_show_small_unit_counts(tmp_path):
    """The design check writes counts of units in words ("7 treated units"): below the
    minimum they read "fewer than 10", unless the units are public."""
    private = RunOutputs(tmp_path / "a", min_cell_size=10, panel=_panel(False))
    text = "7 treated units in 1 cohort (first treated: 2019 (1 unit)); 26 never-treated units"
    cleaned = private.clean_text(text)
    assert "7 treated" not in cleaned and "(1 unit)" not in cleaned
    assert "fewer than 10 treated units" in cleaned and "26 never-treated units" in cleaned
    table = pd.DataFrame({"check": ["timing"], "found": [text]})
    shown = private.publishable(table)
    assert "fewer than 10 treated units" in shown.loc[0, "found"]
    public = RunOutputs(tmp_path / "b", min_cell_size=10, panel=_panel(True))
    assert public.clean_text(text) == text
