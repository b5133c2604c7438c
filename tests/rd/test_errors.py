"""Threshold designs fail well: plain sentences saying what is wrong and what to do."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from improve.errors import DataError, EstimationError, SpecError
from improve.rd import load_cross_section, local_randomization, rd_estimate


def _frame(n: int = 600, seed: int = 1, discrete: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.integers(-4, 4, n).astype(float) if discrete else rng.uniform(-50, 50, n)
    treated = (x >= 0).astype(float)
    y = 0.05 * x + 2.0 * treated + rng.normal(0, 1, n)
    return pd.DataFrame({"x": x, "y": y, "t": treated})


def test_too_few_observations_near_the_cutoff():
    data = _frame()
    with pytest.raises(EstimationError, match=r"only \d+ observations have x at or above"):
        rd_estimate(data, "y", "x", 49.5)


def test_few_mass_points_offers_local_randomisation():
    data = _frame(discrete=True)
    with pytest.raises(EstimationError, match="local randomisation") as info:
        rd_estimate(data, "y", "x", 0.0)
    assert "distinct values" in str(info.value)
    result = local_randomization(data, "y", "x", 0.0, wl=-1.0, wr=1.0, reps=200)
    assert result.n[0] > 0 and result.n[1] > 0
    assert result.estimate == pytest.approx(
        data.loc[data.x.between(0, 1), "y"].mean() - data.loc[data.x.between(-1, -0.5), "y"].mean()
    )


def test_heaping_at_the_cutoff_is_warned():
    data = _frame(2000)
    heap = pd.DataFrame({"x": 0.0, "y": 2.0, "t": 1.0}, index=range(60))
    data = pd.concat([data.assign(x=data.x.round()), heap], ignore_index=True)
    with pytest.warns(UserWarning, match="exactly at the cutoff"):
        rd_estimate(data, "y", "x", 0.0)


def test_treatment_that_does_not_change_at_the_cutoff():
    data = _frame().assign(t=lambda d: (np.arange(len(d)) % 2).astype(float))
    with pytest.raises(EstimationError, match="does not change detectably at the cutoff"):
        rd_estimate(data, "y", "x", 0.0, fuzzy="t")
    with pytest.raises(EstimationError, match="takes one value only"):
        rd_estimate(data.assign(t=1.0), "y", "x", 0.0, fuzzy="t")


def test_weak_first_stage_is_warned():
    rng = np.random.default_rng(3)
    data = _frame(3000)
    data["t"] = (rng.random(len(data)) < 0.30 + 0.20 * (data.x >= 0)).astype(float)
    with pytest.warns(UserWarning, match="first stage is weak"):
        rd_estimate(data, "y", "x", 0.0, fuzzy="t")


def test_bad_option_and_bad_column_are_sentences():
    data = _frame()
    with pytest.raises(EstimationError, match="could not be computed: kernel"):
        rd_estimate(data, "y", "x", 0.0, kernel="gaussian")
    with pytest.raises(SpecError, match="column 'score' is not in the data"):
        rd_estimate(data, "score", "x", 0.0)
    with pytest.raises(DataError, match="not numbers"):
        rd_estimate(data.assign(y=data.y.astype(str).where(data.index > 0, "n/a")), "y", "x")


def test_missing_rows_are_dropped_with_a_note():
    data = _frame().astype({"y": float})
    data.loc[:9, "y"] = np.nan
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = rd_estimate(data, "y", "x", 0.0)
    assert sum(result.n) == len(data) - 10
    assert any("10 rows with a missing y" in str(w.message) for w in caught)


def test_column_map_errors(tmp_path):
    data = _frame()
    with pytest.raises(SpecError, match="either 'cutoff: 800'"):
        load_cross_section(data, {"running": "x", "outcomes": ["y"]})
    with pytest.raises(SpecError, match="did you mean 'running'"):
        load_cross_section(data, {"runing": "x", "cutoff": 0, "outcomes": ["y"]})
    with pytest.raises(DataError, match="'score' named in the column map"):
        load_cross_section(data, {"running": "x", "cutoff": 0, "outcomes": ["score"]})


def test_few_observations_within_the_bandwidth_are_warned():
    data = _frame(400)
    with pytest.warns(UserWarning, match="lie within the bandwidth"):
        rd_estimate(data, "y", "x", 0.0, h=2.0)
