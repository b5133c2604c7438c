"""A small version of benchmarks/survey_montecarlo.py: raking removes the nonresponse bias."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "survey_montecarlo.py"


@pytest.mark.slow
def test_raked_shares_are_unbiased_and_cover():
    spec = importlib.util.spec_from_file_location("survey_montecarlo", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows = [r for seed in range(1, 61) for r in module.replicate(seed)]
    table = module.summarise(rows).set_index(["share", "weights"])
    useful = "content useful (top two)"
    assert table.loc[(useful, "unweighted"), "bias"] < -0.02  # teachers under-represented
    assert (
        abs(table.loc[(useful, "raked"), "bias"])
        < 3 * table.loc[(useful, "raked"), "bias_mc_se"] + 0.003
    )
    assert table.loc[(useful, "raked"), "coverage"] >= 0.9
    finite = table.loc[(useful, "raked, finite population")]
    assert finite["mean_se"] < table.loc[(useful, "raked"), "mean_se"]
    assert finite["coverage"] >= 0.85
