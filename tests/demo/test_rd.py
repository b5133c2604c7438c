"""The threshold demo regenerates byte-identically and says it is synthetic."""

from __future__ import annotations

import json
from pathlib import Path

from improve.demo.rd import COACH_CUTOFF, write_threshold_demo

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo_rd"


def test_regenerates_byte_identical(tmp_path):
    paths = write_threshold_demo(tmp_path)
    for path in paths.values():
        assert path.read_bytes() == (DEMO / path.name).read_bytes(), path.name


def test_labelled_synthetic_with_truth():
    assert "SYNTHETIC" in (DEMO / "README.md").read_text()
    for name in ("columns.yaml", "grants.yaml"):
        assert "SIMULATED" in (DEMO / name).read_text()
    truth = json.loads((DEMO / "truth.json").read_text())
    assert truth["simulated"] is True
    assert truth["schools"]["cutoff"] == COACH_CUTOFF
    assert truth["grants"]["design"] == "fuzzy"
