"""Pareto chart: against R qicharts2 paretochart, small categories pooled."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd

from improve.qi import pareto

REF = Path(__file__).resolve().parents[1] / "reference" / "qicharts2"


def test_pareto_matches_qicharts2() -> None:
    ours = pareto(pd.read_csv(REF / "data_gtt_harms.csv"), "E").tidy()
    ref = pd.read_csv(REF / "pareto_gtt.csv")
    assert ours["x"].tolist() == ref["x"].tolist()
    np.testing.assert_array_equal(ours["y"], ref["y"])
    np.testing.assert_allclose(ours[["p", "p.cum"]], ref[["p", "p.cum"]], rtol=0, atol=1e-12)
    pareto(pd.read_csv(REF / "data_gtt_harms.csv"), "E").plot()


def test_pareto_pools_small_categories() -> None:
    table = pareto(pd.read_csv(REF / "data_gtt_harms.csv"), "E", min_cell_size=5).tidy()
    assert table["x"].iloc[-1] == "Other (small counts)" and table["y"].iloc[-1] == 3
