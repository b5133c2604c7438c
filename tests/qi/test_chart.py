"""qic(): argument checks, the result's tables and the figure."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from improve.errors import DataError, SpecError
from improve.qi import qic, runs_analysis


def _series(n: int = 24, shift: float = 0.0, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = rng.normal(10, 1, n)
    y[n // 2 :] += shift
    return pd.DataFrame({"week": np.arange(1, n + 1), "y": y})


def test_runs_analysis_by_hand() -> None:
    y = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10.0])
    res = runs_analysis(y, np.full(10, 5.5))
    assert (res.longest_run, res.n_crossings, res.n_useful) == (5, 1, 10)
    assert res.longest_run_max == 6 and res.n_crossings_min == 2 and res.runs_signal


def test_shift_gives_runs_signal_and_phases_remove_it() -> None:
    data = _series(shift=4)
    assert qic(data, "week", "y").tidy()["runs.signal"].all()
    phased = qic(data, "week", "y", chart="i", part=12).tidy()
    assert phased["part"].tolist() == [1] * 12 + [2] * 12
    assert phased.groupby("part")["cl"].first().diff().iloc[1] > 3


def test_parts_summary_and_text() -> None:
    res = qic(_series(), "week", "y", chart="i", freeze=12)
    parts = res.parts()
    assert list(parts["part"]) == [1] and "I chart of y" in res.summary()
    assert res.tidy()["baseline"].sum() == 12


def test_bad_arguments_name_the_fix() -> None:
    data = _series()
    with pytest.raises(SpecError, match="denominator"):
        qic(data, "week", "y", chart="p")
    with pytest.raises(SpecError, match="not in the data"):
        qic(data, "week", "missing")
    with pytest.raises(SpecError, match="chart must be one of"):
        qic(data, "week", "y", chart="z")
    with pytest.raises(DataError, match="greater than zero"):
        qic(data.assign(y=0.0), "week", "y", chart="t")


def test_plot_draws_one_panel_per_facet() -> None:
    data = pd.concat([_series(seed=s).assign(school=f"S{s}") for s in range(3)])
    fig = qic(data, "week", "y", chart="i", facets="school", part=12).plot()
    assert len([ax for ax in fig.axes if ax.get_visible()]) == 3


def test_notes_and_target_are_drawn() -> None:
    data = _series().assign(note="", goal=10.5)
    data.loc[5, "note"] = "new schedule"
    fig = qic(data, "week", "y", chart="i", notes="note", target="goal").plot()
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "new schedule" in texts
    frozen = qic(data, "week", "y", chart="i", freeze=12).plot()
    assert any("baseline" in t.get_text() for t in frozen.axes[0].texts)
