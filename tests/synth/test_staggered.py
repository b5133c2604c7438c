"""Staggered synthetic DiD: cohort estimates averaged over treated unit-periods."""

from __future__ import annotations

import numpy as np
import pytest

from improve.demo.states import simulate_state_panel
from improve.errors import EstimationError
from improve.synth import staggered_synthdid, synthdid_estimate
from improve.synth.staggered import _replicate


@pytest.fixture(scope="module")
def staggered():
    panel = simulate_state_panel(
        n_states=30, adoption={"AL": 2015, "AK": 2015, "AZ": 2018, "AR": 2022}, seed=4
    )
    return panel, staggered_synthdid(
        panel.data, "math_g4", unit="state", time="year", cohort="mandate_year"
    )


def test_cohorts_are_block_estimates_weighted_by_treated_cells(staggered):
    panel, res = staggered
    table = res.cohorts.set_index("cohort")
    assert list(table.index) == [2015, 2018, 2022]
    assert list(table["n_treated"]) == [2, 1, 1]
    # 2009-2024 without 2020: 9, 6 and 3 periods from adoption on
    assert list(table["post_periods"]) == [9, 6, 3]
    cells = np.array([2 * 9, 1 * 6, 1 * 3])
    np.testing.assert_allclose(table["weight"], cells / cells.sum())
    for cohort, states in ((2018, ["AZ"]), (2022, ["AR"])):
        others = panel.data[
            ~panel.data["state"].isin(["AL", "AK", "AZ", "AR"]) | panel.data["state"].isin(states)
        ]
        block = synthdid_estimate(
            others, "math_g4", unit="state", time="year", cohort="mandate_year"
        )
        assert table.loc[cohort, "estimate"] == pytest.approx(block.estimate, abs=1e-10)
    assert res.estimate == pytest.approx(float(table["weight"] @ table["estimate"]))
    assert abs(res.estimate - panel.effect) < 2.5


def test_replicating_the_actual_design_gives_the_estimate(staggered):
    _, res = staggered
    first = res.matrix.first_treated.to_numpy(float)
    rows = np.arange(first.size)
    again = _replicate(res, [(rows, first), (rows, first)])
    np.testing.assert_allclose(again, res.estimate, atol=1e-9)


@pytest.mark.slow
def test_placebo_and_bootstrap_are_seeded(staggered):
    _, res = staggered
    a = res.with_inference("placebo", replications=20, seed=1)
    b = res.with_inference("placebo", replications=20, seed=1)
    assert a.std_error == b.std_error and np.isfinite(a.std_error) and a.std_error > 0
    boot = res.with_inference("bootstrap", replications=10, seed=2)
    assert boot.draws.size == 10 and np.isfinite(boot.std_error)
    tidy = a.tidy()
    assert list(tidy["term"]) == ["cohort 2015", "cohort 2018", "cohort 2022", "ATT (sdid)"]
    assert tidy["std_error"].iloc[-1] == a.std_error and tidy["std_error"].iloc[:3].isna().all()


def test_single_treated_unit_has_no_bootstrap():
    panel = simulate_state_panel(n_states=10, seed=1)
    res = staggered_synthdid(
        panel.data, "math_g4", unit="state", time="year", cohort="mandate_year"
    )
    with pytest.raises(EstimationError, match="placebo"):
        res.with_inference("bootstrap")
