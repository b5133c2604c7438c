"""Pareto (against R qicharts2), funnel plot, phase shifts, suppression and fail-well checks."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from improve.errors import DataError
from improve.qi import funnel, pareto, phase_shifts, qic

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


def _network(shift_schools: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    rows = []
    for school in range(6):
        for week in range(40):
            p = 0.90 + (0.04 if (school < shift_schools and week >= 20) else 0.0)
            n = 400
            rows.append(
                {
                    "school": f"S{school}",
                    "week": week + 1,
                    "n": n,
                    "y": rng.binomial(n, p),
                    "cycle": "baseline" if week < 20 else "cycle 1",
                }
            )
    return pd.DataFrame(rows)


def test_phase_shifts_find_the_shifted_schools() -> None:
    res = qic(_network(), "week", "y", "n", chart="p", facets="school", part="cycle")
    summary = phase_shifts(res, measure="Attendance")
    table = summary.tidy()
    assert len(table) == 6
    assert table.loc[table["facet"].isin(["S0", "S1", "S2"]), "signal"].all()
    sentence = summary.sentences()[0]
    assert sentence.startswith("Attendance shifted up after cycle 1 in")
    assert "the shift is a signal in 3" in sentence


def test_suppression_hides_small_points_and_their_limits() -> None:
    data = _network()
    data.loc[data["week"] == 5, "n"] = 8
    data.loc[data["week"] == 5, "y"] = 7
    res = qic(data, "week", "y", "n", chart="p", facets="school").suppress(10)
    points = res.tidy()
    hidden = points[points["x"] == 5]
    assert hidden[["y", "n", "lcl", "ucl"]].isna().all().all()
    assert not hidden["sigma.signal"].any()
    assert "not shown" in res.summary() and "limits" in res.suppression_note
    res.plot()


def test_fail_well_messages() -> None:
    data = _network()
    with pytest.raises(DataError, match="zero or negative"):
        qic(data.assign(n=0), "week", "y", "n", chart="p")
    with pytest.raises(DataError, match="negative"):
        qic(data.assign(y=-1), "week", "y", "n", chart="p")
    with pytest.raises(DataError, match="larger than the denominator"):
        qic(data.assign(y=data["n"] + 1), "week", "y", "n", chart="p")
    dates = pd.DataFrame(
        {"date": pd.date_range("2024-09-02", periods=20, freq="7D"), "y": np.arange(20.0)}
    )
    gappy = dates.drop(index=[5, 6])
    res = qic(gappy, "date", "y", chart="i")
    assert any("not regular" in w for w in res.warnings)
    short = qic(dates.head(8), "date", "y")
    assert any("fewer than 12" in w for w in short.warnings)
