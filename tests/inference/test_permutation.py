"""Placebo-in-space permutation inference: hand-computed p-values, seeds, and organ_donations."""

from __future__ import annotations

import itertools
import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest

from improve.data import PanelSpec, load_panel
from improve.did import aggregate, att_gt
from improve.did.placebo import placebo_att
from improve.errors import EstimationError, SpecError
from improve.fe import panel_regression
from improve.fe.placebo import placebo_fe
from improve.inference import PermutationResult, placebo_in_space
from improve.inference.permutation import MAX_NOTES, rank_p_values

from outside_data import load


def _one_row_per_unit(values: dict[str, float], treated: dict[str, int]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit": list(values),
            "y": list(values.values()),
            "first": [treated.get(u, 0) for u in values],
        }
    )


def _mean_of_treated(rows: pd.DataFrame, timing: pd.Series) -> float:
    """The 'effect': mean outcome of the rows given a treatment timing."""
    return float(rows.loc[timing > 0, "y"].mean())


def test_p_values_by_hand_one_treated_unit():
    # A (treated) = 3; placebos B..E = 1, -4, 3, -2
    # |placebo| >= 3: C, D (tie counts against A) -> p = (1 + 2) / 5; rank 3
    # placebo >= 3: D -> (1 + 1) / 5; placebo <= 3: all four -> 5 / 5
    frame = _one_row_per_unit({"A": 3.0, "B": 1.0, "C": -4.0, "D": 3.0, "E": -2.0}, {"A": 1})
    res = placebo_in_space(frame, _mean_of_treated, unit="unit", timing="first")
    assert res.estimate == 3.0
    assert res.placebo_estimates == (1.0, -4.0, 3.0, -2.0)
    assert res.placebo_clusters == (("B",), ("C",), ("D",), ("E",))
    assert res.treated_clusters == ("A",)
    assert res.p_value == pytest.approx(3 / 5)
    assert res.p_value_greater == pytest.approx(2 / 5)
    assert res.p_value_less == pytest.approx(5 / 5)
    assert res.rank == 3
    assert res.exact and res.seed is None
    assert res.min_p_value == pytest.approx(1 / 5)
    tidy = res.tidy()
    assert list(tidy.columns) == ["term", "estimate", "abs_rank"]  # no ids unless asked
    assert res.tidy(with_clusters=True)["clusters"].tolist() == ["A", "B", "C", "D", "E"]
    assert tidy["term"].tolist() == ["actual"] + ["placebo"] * 4
    assert tidy["estimate"].tolist() == [3.0, 1.0, -4.0, 3.0, -2.0]
    assert tidy["abs_rank"].tolist() == [3, 5, 1, 2, 4]
    assert "ranks 3rd of 5" in res.sentence()


def test_most_extreme_estimate_gets_smallest_p_value():
    frame = _one_row_per_unit({"A": -9.0, "B": 1.0, "C": -4.0, "D": 3.0}, {"A": 2})
    res = placebo_in_space(frame, _mean_of_treated, unit="unit", timing="first")
    assert res.p_value == pytest.approx(1 / 4)
    assert res.p_value_less == pytest.approx(1 / 4)
    assert res.p_value_greater == pytest.approx(4 / 4)
    assert res.rank == 1


def test_rank_p_values_counts_near_ties_against_the_actual_estimate():
    # 0.1 + 0.2 is 0.30000000000000004: the placebo 0.3 is a tie, not a smaller value
    p_two, p_greater, p_less, rank = rank_p_values(0.1 + 0.2, np.array([0.3, -0.5, 0.0]))
    assert (p_two, p_greater, p_less, rank) == (0.75, 0.5, 1.0, 3)


def test_two_treated_clusters_use_every_pair_and_both_timings():
    units = ["T1", "T2", "A", "B", "C", "D"]
    frame = pd.DataFrame(
        {
            "unit": np.repeat(units, 2),
            "district": np.repeat(["d_t1", "d_t2", "d_a", "d_b", "d_c", "d_d"], 2),
            "first": np.repeat([2, 3, 0, 0, 0, 0], 2),
            "y": np.arange(12, dtype=float),
        }
    )
    seen: list[tuple[tuple[str, int], ...]] = []

    def record(rows: pd.DataFrame, timing: pd.Series) -> float:
        per_unit = timing.groupby(rows["district"]).first()
        seen.append(tuple(sorted((d, int(t)) for d, t in per_unit.items() if t > 0)))
        return float(len(seen))

    res = placebo_in_space(frame, record, unit="unit", timing="first", cluster="district")
    assert res.exact
    assert res.treated_clusters == ("d_t1", "d_t2")  # ordered by timing
    pairs = list(itertools.combinations(["d_a", "d_b", "d_c", "d_d"], 2))
    assert res.placebo_clusters == tuple(pairs)
    assert seen[0] == (("d_t1", 2), ("d_t2", 3))
    # the earlier-treated cluster's timing goes to the first cluster of each pair
    assert seen[1:] == [((a, 2), (b, 3)) for a, b in pairs]


def test_sampled_assignments_are_reproducible_with_a_seed():
    rng = np.random.default_rng(5)
    values = {f"u{i:02d}": float(v) for i, v in enumerate(rng.normal(size=32))}
    frame = _one_row_per_unit(values, {"u00": 1, "u01": 1})
    first = placebo_in_space(
        frame, _mean_of_treated, unit="unit", timing="first", max_placebos=40, seed=11
    )
    again = placebo_in_space(
        frame, _mean_of_treated, unit="unit", timing="first", max_placebos=40, seed=11
    )
    other = placebo_in_space(
        frame, _mean_of_treated, unit="unit", timing="first", max_placebos=40, seed=12
    )
    assert not first.exact and first.seed == 11
    assert first.n_placebos == 40  # C(30, 2) = 435 > 40: drawn at random
    assert first.to_dict(with_clusters=True) == again.to_dict(with_clusters=True)
    assert first.placebo_clusters != other.placebo_clusters
    assert all(
        len(set(c)) == 2 and "u00" not in c and "u01" not in c for c in first.placebo_clusters
    )
    expected = (1 + sum(abs(v) >= abs(first.estimate) for v in first.placebo_estimates)) / 41
    assert first.p_value == pytest.approx(expected)


def test_failed_placebos_are_counted_and_left_out():
    frame = _one_row_per_unit({"A": 3.0, "B": 1.0, "C": -4.0, "D": 3.0, "E": -2.0}, {"A": 1})

    def fails_on_c(rows: pd.DataFrame, timing: pd.Series) -> float:
        if rows.loc[timing > 0, "unit"].tolist() == ["C"]:
            raise EstimationError("no comparison units")
        return _mean_of_treated(rows, timing)

    res = placebo_in_space(frame, fails_on_c, unit="unit", timing="first")
    assert res.n_failed == 1 and res.n_placebos == 3
    assert res.p_value == pytest.approx((1 + 1) / 4)  # D ties; C left out
    assert any("no comparison units" in n for n in res.notes)
    assert any("1 of 4 placebo assignments could not be estimated" in n for n in res.notes)


def test_estimator_warnings_become_a_capped_list_of_notes():
    values = {f"u{i:02d}": float(i) for i in range(15)}
    frame = _one_row_per_unit(values, {"u00": 1})

    def noisy(rows: pd.DataFrame, timing: pd.Series) -> float:
        estimate = _mean_of_treated(rows, timing)
        warnings.warn(f"small cell in {estimate:g}", UserWarning, stacklevel=2)
        return estimate

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = placebo_in_space(frame, noisy, unit="unit", timing="first")
    assert res.notes[:2] == ("small cell in 0", "small cell in 1")
    assert len(res.notes) == MAX_NOTES + 1
    assert res.notes[-1] == f"{15 - MAX_NOTES} further estimator warnings not shown"


def test_every_unit_of_a_partly_treated_cluster_is_left_out_of_the_placebos():
    frame = pd.DataFrame(
        {
            "unit": ["a1", "a2", "b1", "b2", "c1", "c2"],
            "district": ["A", "A", "B", "B", "C", "C"],
            "first": [3, 0, 0, 0, 0, 0],
            "y": [4.0, 1.0, 2.0, 0.0, -1.0, 5.0],
        }
    )
    used: list[list[str]] = []

    def mean_treated(rows: pd.DataFrame, timing: pd.Series) -> float:
        used.append(sorted(rows["unit"]))
        return _mean_of_treated(rows, timing)

    res = placebo_in_space(frame, mean_treated, unit="unit", timing="first", cluster="district")
    assert used[1:] == [["b1", "b2", "c1", "c2"]] * 2
    assert res.placebo_clusters == (("B",), ("C",))
    assert res.placebo_estimates == (1.0, 2.0)  # means of B's and C's two schools


def test_estimator_receives_a_panel_when_given_one():
    frame = pd.DataFrame(
        {
            "unit": np.repeat(list("ABCD"), 3),
            "year": np.tile([2018, 2019, 2020], 4),
            "first": np.repeat([2019, 0, 0, 0], 3),
            "y": np.arange(12, dtype=float),
        }
    )
    panel = load_panel(
        frame,
        spec=PanelSpec(unit="unit", time="year", cohort="first", outcomes=("y",)),
        validate_timing=False,
    )
    kinds: list[tuple[str, int]] = []

    def estimator(data, timing: pd.Series) -> float:
        kinds.append((type(data).__name__, len(data.data)))
        assert timing.index.equals(data.data.index)
        return float(data.data.loc[timing > 0, "y"].sum())

    res = placebo_in_space(panel, estimator)
    assert kinds == [("Panel", 12), ("Panel", 9), ("Panel", 9), ("Panel", 9)]
    assert res.estimate == pytest.approx(0 + 1 + 2)
    assert res.placebo_estimates == pytest.approx((12.0, 21.0, 30.0))


def test_errors_say_what_is_wrong():
    frame = _one_row_per_unit({"A": 1.0, "B": 2.0}, {})
    with pytest.raises(EstimationError, match="no treated unit"):
        placebo_in_space(frame, _mean_of_treated, unit="unit", timing="first")
    frame = _one_row_per_unit({"A": 1.0, "B": 2.0, "C": 0.0}, {"A": 1, "B": 1})
    with pytest.raises(EstimationError, match="only 1 never-treated"):
        placebo_in_space(frame, _mean_of_treated, unit="unit", timing="first")
    with pytest.raises(SpecError, match="needs the unit"):
        placebo_in_space(frame, _mean_of_treated)
    with pytest.raises(SpecError, match="not in the data"):
        placebo_in_space(frame, _mean_of_treated, unit="unit", timing="cohort")


def test_result_is_frozen_and_serialisable():
    frame = _one_row_per_unit({"A": 3.0, "B": 1.0, "C": -4.0}, {"A": 1})
    res = placebo_in_space(frame, _mean_of_treated, unit="unit", timing="first")
    assert isinstance(res, PermutationResult)
    with pytest.raises(AttributeError):
        res.p_value = 0.0  # type: ignore[misc]
    data = json.loads(json.dumps(res.to_dict()))
    assert data["p_value"] == pytest.approx(res.p_value)
    assert "treated_clusters" not in data and "A" not in json.dumps(data)
    assert json.loads(json.dumps(res.to_dict(with_clusters=True)))["treated_clusters"] == ["A"]
    html = res._repr_html_()
    assert "<table" in html and "permutation p" in html.lower()


@pytest.fixture(scope="module")
def organ_donations():
    return load("organ_donations")


def test_organ_donations_did_permutation_p_value(organ_donations):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # estimator warnings become notes, not warnings
        res = placebo_att(organ_donations)
    assert res.treated_clusters == ("California",)
    assert res.exact and res.n_placebos == 26 and res.n_failed == 0
    assert res.estimate == pytest.approx(-0.0213410, abs=1e-6)
    assert 0.1 < res.p_value < 0.3
    assert res.rank == 4 and res.p_value == pytest.approx(4 / 27)
    # the analytic p-value of the same estimate is what the design check rules out
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        analytic = aggregate(att_gt(organ_donations), "simple").tidy()["p_value"].iloc[0]
    assert analytic < 0.001
    # each placebo is att_gt without California, one other state given its timing
    frame = organ_donations.data
    for state in ("Alaska", "Colorado", "Wisconsin"):
        rows = frame[frame["State"] != "California"]
        rows = rows.assign(first_treated=np.where(rows["State"] == state, 4, 0))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            by_hand = aggregate(
                att_gt(rows, "Rate", unit="State", time="Quarter_Num", cohort="first_treated"),
                "simple",
            ).estimate
        assert res.placebo_estimates[res.placebo_clusters.index((state,))] == pytest.approx(
            by_hand, abs=1e-12
        )
    not_yet = placebo_att(organ_donations, control_group="notyettreated")
    assert not_yet.estimate == pytest.approx(res.estimate)
    assert 0.1 < not_yet.p_value < 0.3


def test_organ_donations_fixed_effects_permutation_p_value(organ_donations):
    res = placebo_fe(organ_donations)
    frame = organ_donations.data
    rows = frame[frame["State"] != "California"]
    on = (rows["State"] == "Colorado").to_numpy() & (rows["Quarter_Num"] >= 4).to_numpy()
    rows = rows.assign(on=on.astype(float))
    by_hand = panel_regression(rows, "Rate", "on", unit="State", time="Quarter_Num", se="hc1")
    colorado = res.placebo_estimates[res.placebo_clusters.index(("Colorado",))]
    assert colorado == pytest.approx(float(by_hand.estimate[0]), abs=1e-12)
    assert res.estimate == pytest.approx(-0.0224590, abs=1e-6)
    assert res.rank == 5 and res.p_value == pytest.approx(5 / 27)  # California 5th of 27
    assert 0.1 < res.p_value < 0.3
    assert math.isclose(
        res.p_value_less, 1 / 27 * (1 + sum(v <= res.estimate for v in res.placebo_estimates))
    )
