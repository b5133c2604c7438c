"""Permutation test, in-time placebo and leave-one-donor-out for synthetic estimates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from improve.errors import EstimationError
from improve.synth import did_estimate, synthdid_estimate
from improve.synth.placebo import in_time_placebo, leave_one_donor_out, permutation_test

REFERENCE = Path(__file__).resolve().parents[1] / "reference"


def _small_panel() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    rows = []
    for u in range(8):
        level = rng.normal(0, 2)
        for t in range(6):
            effect = 3.0 if u == 7 and t >= 4 else 0.0
            rows.append({"unit": f"u{u}", "t": t, "y": level + 0.3 * t + effect + rng.normal()})
    return pd.DataFrame(rows)


def test_did_permutation_p_value_by_hand():
    """With equal weights each placebo is a plain DiD of one donor against the others."""
    df = _small_panel()
    res = did_estimate(df, "y", unit="unit", time="t", treated_units=["u7"], adoption=4)
    wide = df.pivot(index="unit", columns="t", values="y")
    donors = wide.drop(index="u7")

    def did(treated: pd.Series, comparison: pd.DataFrame) -> float:
        diff = treated - comparison.mean(axis=0)
        return float(diff[[4, 5]].mean() - diff[[0, 1, 2, 3]].mean())

    assert res.estimate == pytest.approx(did(wide.loc["u7"], donors), abs=1e-12)
    placebos = [did(donors.loc[d], donors.drop(index=d)) for d in donors.index]
    test = permutation_test(res)
    np.testing.assert_allclose(test.table["estimate"].to_numpy()[1:], placebos, atol=1e-12)
    everyone = np.abs(np.append(res.estimate, placebos))
    assert test.p_value == pytest.approx(np.mean(everyone >= abs(res.estimate)))
    assert test.rank == 1 and test.p_value == pytest.approx(1 / 8)
    assert test.p_upper == pytest.approx(1 / 8) and test.p_lower == pytest.approx(1.0)


@pytest.mark.slow
def test_prop99_permutation_and_placebos():
    df = pd.read_csv(REFERENCE / "california_prop99.csv", sep=";")
    res = synthdid_estimate(df, "PacksPerCapita", unit="State", time="Year", treatment="treated")
    test = permutation_test(res)
    assert test.n_units == 39 and test.table["treated"].sum() == 1
    # California ranks 2nd of 39 (one donor's placebo is larger): p = 2/39
    assert test.rank == 2 and test.p_value == pytest.approx(2 / 39)
    assert 0 < test.p_value_ratio <= test.p_value
    assert "ranks 2 of 39" in test.summary()
    fake = in_time_placebo(res, 1980)
    assert abs(fake.estimate) < abs(res.estimate) / 3
    with pytest.raises(EstimationError, match="placebo adoption"):
        in_time_placebo(res, 1971)
    loo = leave_one_donor_out(res)
    assert loo["dropped"].iloc[0] == "(none)" and len(loo) == 1 + (res.omega > 1e-8).sum()
    assert loo["estimate"].between(-20, -11).all()


def test_figures_draw_from_the_result_tables():
    import matplotlib

    matplotlib.use("Agg")
    df = pd.read_csv(REFERENCE / "california_prop99.csv", sep=";")
    res = synthdid_estimate(df, "PacksPerCapita", unit="State", time="Year", treatment="treated")
    fig = res.plot(outcome_label="Packs per capita", treated_label="California")
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels[:2] == ["California", "Synthetic comparison"]
    assert fig.axes[0].get_ylabel() == "Packs per capita"
    weights = res.plot("weights", unit_label="State")
    assert len(weights.axes[0].patches) == min(15, int((res.omega > 1e-8).sum()))
    assert "28 of 38" in weights.axes[0].get_title()
    test = permutation_test(res)
    assert test.gaps.shape == (39, 31)
    np.testing.assert_allclose(test.gaps.iloc[0].to_numpy(), res.trajectories()["gap"], atol=1e-9)
    spaghetti = test.plot(treated_label="California")
    assert len(spaghetti.axes[0].lines) >= 39


@pytest.mark.slow
def test_leave_one_out_batch_equals_separate_fits():
    df = pd.read_csv(REFERENCE / "california_prop99.csv", sep=";")
    res = synthdid_estimate(df, "PacksPerCapita", unit="State", time="Year", treatment="treated")
    loo = leave_one_donor_out(res, donors=["Nevada", "Utah"]).set_index("dropped")
    for state in ("Nevada", "Utah"):
        alone = synthdid_estimate(
            df,
            "PacksPerCapita",
            unit="State",
            time="Year",
            treatment="treated",
            exclude_donors=[state],
        )
        assert loo.loc[state, "estimate"] == pytest.approx(alone.estimate, abs=1e-9)


def test_several_treated_units_get_placebo_sets_of_the_same_size():
    """Two treated units among eight: each placebo treats two of the eight units (all 27
    pairs other than the actual one), against the six others, so every placebo is the same
    problem as the actual estimate; with equal weights a placebo is the DiD of the pair's
    mean against the other six units."""
    df = _small_panel()
    res = did_estimate(df, "y", unit="unit", time="t", treated_units=["u6", "u7"], adoption=4)
    test = permutation_test(res)
    assert test.n_units == 1 + 27
    wide = df.pivot(index="unit", columns="t", values="y")

    def did(treated: pd.DataFrame, comparison: pd.DataFrame) -> float:
        diff = treated.mean(axis=0) - comparison.mean(axis=0)
        return float(diff[[4, 5]].mean() - diff[[0, 1, 2, 3]].mean())

    table = test.table.set_index("unit")
    for pair in (["u0", "u3"], ["u2", "u6"]):  # a pair of donors; a donor and a treated unit
        assert table.loc[", ".join(pair), "estimate"] == pytest.approx(
            did(wide.loc[pair], wide.drop(index=pair)), abs=1e-12
        )
    assert "u6, u7" not in table.index[1:]
    assert table.iloc[0]["estimate"] == pytest.approx(
        did(wide.loc[["u6", "u7"]], wide.drop(index=["u6", "u7"])), abs=1e-12
    )
    everyone = np.abs(test.table["estimate"].to_numpy())
    assert test.p_value == pytest.approx(np.mean(everyone >= everyone[0] - 1e-12))


def test_many_possible_sets_are_drawn_with_a_seed():
    df = pd.read_csv(REFERENCE / "california_prop99.csv", sep=";")
    late = df["State"].isin(["Alabama", "Arkansas"]) & (df["Year"] >= 1989)
    df.loc[late, "treated"] = 1
    res = did_estimate(df, "PacksPerCapita", unit="State", time="Year", treatment="treated")
    first = permutation_test(res, max_sets=50, seed=1)
    again = permutation_test(res, max_sets=50, seed=1)
    assert first.n_units == 51 and first.p_value == again.p_value
    placebos = first.table["unit"].iloc[1:]
    assert placebos.is_unique and placebos.str.count(", ").eq(2).all()
