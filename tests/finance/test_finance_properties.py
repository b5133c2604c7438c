"""Properties every index must have: scale invariance, replication invariance and the
Pigou–Dalton transfer principle (Berne & Stiefel 1984, ch. 2)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from improve.finance.horizontal import INDICES, all_indices

#: Indices that do not change when every amount is multiplied by the same factor.
RELATIVE = [
    "federal_range_ratio", "coefficient_of_variation", "mcloone", "verstegen", "gini", "theil",
]  # fmt: skip
#: Indices that must fall (or not rise) when money moves from a richer to a poorer school.
TRANSFER_SENSITIVE = ["coefficient_of_variation", "gini", "theil"]

schools = st.integers(min_value=2, max_value=25).flatmap(
    lambda n: st.tuples(
        st.lists(st.floats(5_000, 30_000, allow_nan=False), min_size=n, max_size=n),
        st.lists(st.integers(20, 2_000), min_size=n, max_size=n),
    )
)


def _position(name: str) -> int:
    return list(INDICES).index(name)


@settings(max_examples=60, deadline=None)
@given(schools, st.floats(0.001, 1000.0))
def test_scaling_all_spending_leaves_relative_indices_unchanged(data, factor) -> None:
    x, w = np.array(data[0]), np.array(data[1], dtype=float)
    before, after = all_indices(x, w), all_indices(x * factor, w)
    for name in RELATIVE:
        i = _position(name)
        assert abs(after[i] - before[i]) <= 1e-9 * max(1.0, abs(before[i]))
    for name in ("mean", "range", "restricted_range"):  # these scale with the money
        i = _position(name)
        assert abs(after[i] - factor * before[i]) <= 1e-9 * max(1.0, abs(factor * before[i]))


@settings(max_examples=60, deadline=None)
@given(schools, st.integers(2, 4))
def test_duplicating_every_school_changes_nothing(data, copies) -> None:
    x, w = np.array(data[0]), np.array(data[1], dtype=float)
    before = all_indices(x, w)
    after = all_indices(np.tile(x, copies), np.tile(w, copies))
    assert np.allclose(after, before, rtol=1e-10, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(schools, st.floats(0.05, 0.45))
def test_a_transfer_from_richer_to_poorer_pupils_lowers_inequality(data, fraction) -> None:
    x, w = np.array(data[0]), np.array(data[1], dtype=float)
    rich, poor = int(np.argmax(x)), int(np.argmin(x))
    if x[rich] - x[poor] < 1.0:
        return
    # move dollars from the richest school's pupils to the poorest school's pupils, small
    # enough that the order of the two does not flip
    per_pupil_gap = x[rich] - x[poor]
    dollars = fraction * per_pupil_gap / (1 / w[rich] + 1 / w[poor])
    moved = x.copy()
    moved[rich] -= dollars / w[rich]
    moved[poor] += dollars / w[poor]
    assert moved[rich] >= moved[poor]
    before, after = all_indices(x, w), all_indices(moved, w)
    assert abs(after[_position("mean")] - before[_position("mean")]) < 1e-6
    for name in TRANSFER_SENSITIVE:
        i = _position(name)
        assert after[i] < before[i] + 1e-15
