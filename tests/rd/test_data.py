"""Cross-section inputs: the column map, markers, and the runner's input check."""

from __future__ import annotations

import pandas as pd
import pytest

from improve.errors import DataError, SpecError
from improve.rd import RDMap, check_cross_section, load_cross_section
from improve.runner.inputs import input_check

from outside_data import SOURCES, map_path


def test_runner_knows_the_cross_section_kind():
    assert input_check("cross_section") is check_cross_section


def test_senate_check_counts_each_side():
    summary = check_cross_section(SOURCES["senate"], map_path("senate"), {"outcome": "vote"})
    raw = pd.read_csv(SOURCES["senate"])
    below, above = int((raw.margin < 0).sum()), int((raw.margin >= 0).sum())
    assert summary.startswith("data ok: 1,390 rows")
    assert f"{below:,} below and {above:,} at or above" in summary
    with pytest.raises(SpecError, match="parameter 'outcome' names column 'votes'"):
        check_cross_section(SOURCES["senate"], map_path("senate"), {"outcome": "votes"})


def test_missing_markers_are_parsed_like_a_panel(tmp_path):
    rd = load_cross_section(SOURCES["senate"], map_path("senate"))
    assert rd.data["vote"].isna().sum() == 93  # "NA" in the shipped file
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"x": [1, 2, "abc"], "y": [1, 2, 3]}).to_csv(bad, index=False)
    with pytest.raises(DataError, match="running variable column 'x'"):
        load_cross_section(bad, {"running": "x", "cutoff": 0, "outcomes": ["y"]})


def test_map_reads_labels_and_roles():
    spec = RDMap.from_yaml(map_path("senate"))
    assert spec.running == "margin" and spec.cutoff == 0.0 and spec.cluster == "state"
    assert spec.labels.unit == "election"
