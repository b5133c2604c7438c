"""Funnel plot: limits by n equal qic's (and so qicharts2's) for a categorical x."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd

from improve.qi import funnel

REF = Path(__file__).resolve().parents[1] / "reference" / "qicharts2"


def test_funnel_limits_match_qic_and_grid() -> None:
    hai = pd.read_csv(REF / "data_hospital_infections.csv")
    bac = hai[hai["infection"] == "BAC"]
    ref = pd.read_csv(REF / "up_bac_hospitals.csv")
    res = funnel(bac, "hospital", "n", "days", chart="up", multiply=10000)
    table = res.tidy()
    np.testing.assert_allclose(table["ucl"], ref["ucl"], rtol=0, atol=1e-9)
    grid = res.limits_by_n(table["n"].to_numpy())
    np.testing.assert_allclose(grid["ucl"], table["ucl"], rtol=1e-12)
    np.testing.assert_allclose(grid["lcl"], table["lcl"], rtol=1e-12)
    assert set(table["signal"]) <= {"", "high", "low"}
    res.plot()
