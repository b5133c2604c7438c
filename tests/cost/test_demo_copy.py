"""The shipped demo effect is the demo DiD run's result, and regenerates from it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from improve.demo.cost import DEMO_RUN_NAME, demo_copy, write_demo_copy

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "data" / "demo_cost" / DEMO_RUN_NAME


def _read(folder: Path) -> tuple[dict, dict]:
    return (
        json.loads((folder / "results.json").read_text(encoding="utf-8")),
        json.loads((folder / "manifest.json").read_text(encoding="utf-8")),
    )


def test_shipped_copy_is_labelled_and_regenerates_byte_identically(tmp_path: Path) -> None:
    results, manifest = _read(SHIPPED)
    assert manifest["demo_copy"] is True and "demo copy" in manifest["note"]
    assert manifest["workbook"] == "did_evaluation" and manifest["run_id"] == DEMO_RUN_NAME
    assert set(results) == {"headline", "math_ss", "reading_ss"}
    target = write_demo_copy(SHIPPED, tmp_path)  # a copy of the copy is the copy
    for name in ("results.json", "manifest.json"):
        assert (target / name).read_bytes() == (SHIPPED / name).read_bytes()


@pytest.mark.slow
@pytest.mark.xdist_group("demo")
def test_shipped_copy_matches_the_demo_did_run(demo_build) -> None:
    """Numbers, parameters and input hashes equal those of a fresh demo DiD run (the
    workbook hash is not compared: it changes with any edit of the DiD workbook that leaves
    the numbers alone; regenerate with ``python -m improve.demo.cost`` when this fails)."""
    fresh_results, fresh_manifest = demo_copy(demo_build["runs"]["did_evaluation"].folder)
    shipped_results, shipped_manifest = _read(SHIPPED)
    for outcome in ("math_ss", "reading_ss"):
        fresh, shipped = fresh_results[outcome], shipped_results[outcome]
        assert fresh["sd"] == pytest.approx(shipped["sd"], rel=1e-9)
        for key, value in shipped["simple"].items():
            assert fresh["simple"][key] == pytest.approx(value, rel=1e-8, abs=1e-10), key
    assert fresh_manifest["inputs"] == shipped_manifest["inputs"]
    assert fresh_manifest["parameters"] == shipped_manifest["parameters"]
    cost_run = demo_build["runs"]["cost_effectiveness"]
    priced = json.loads((cost_run.folder / "results.json").read_text())["cost_effectiveness"]
    assert {p["run_id"] for p in priced} == {DEMO_RUN_NAME}
    assert all(p["demo_copy"] for p in priced)


@pytest.mark.slow
@pytest.mark.xdist_group("demo")
def test_a_regression_discontinuity_run_can_be_priced(demo_build) -> None:
    """The RD workbook records its robust jump in SD units as an ``effects`` entry, and the
    cost layer reads it back with the design named."""
    import pandas as pd

    from improve.cost.runs import run_effects

    folder = demo_build["runs"]["regression_discontinuity"].folder
    (record,) = run_effects(folder)
    assert record.design == "regression discontinuity"
    sized = pd.read_csv(folder / "tables" / "effect_sizes.csv")
    robust = sized[sized["term"] == "Robust"].iloc[0]
    assert record.estimate_sd == pytest.approx(robust["estimate"], rel=1e-6)
    assert record.conf_low_sd == pytest.approx(robust["conf_low"], rel=1e-6)
    assert record.sd == pytest.approx(robust["sd_used"], rel=1e-6)
