"""Golden tests of every equity index: hand-worked examples, a published example and
second implementations."""

from __future__ import annotations

import math

import numpy as np
import pytest

from improve.finance.indices import (
    coefficient_of_variation,
    federal_range_ratio,
    mcloone,
    restricted_range,
    value_range,
    verstegen,
    weighted_mean,
    weighted_quantile,
)
from improve.finance.inequality import gini, gini_mean_difference, theil, theil_decomposition

# Four schools: $8,000 / 9,000 / 10,000 / 12,000 per pupil with 100 / 200 / 300 / 400 pupils.
X = np.array([8000.0, 9000.0, 10000.0, 12000.0])
W = np.array([100.0, 200.0, 300.0, 400.0])


def test_hand_worked_pupil_weighted_example() -> None:
    # cumulative pupil shares 0.1, 0.3, 0.6, 1.0: the 5th percentile is reached at the first
    # school, the median at the third, the 95th at the fourth
    assert weighted_mean(X, W) == pytest.approx(10_400.0, abs=1e-9)
    assert weighted_quantile(X, W, 0.05) == 8000.0
    assert weighted_quantile(X, W, 0.5) == 10000.0
    assert weighted_quantile(X, W, 0.95) == 12000.0
    assert value_range(X, W) == 4000.0
    assert restricted_range(X, W) == 4000.0
    assert federal_range_ratio(X, W) == pytest.approx(0.5, abs=1e-15)
    # variance: (100*2400^2 + 200*1400^2 + 300*400^2 + 400*1600^2) / 1000 = 2,040,000
    assert coefficient_of_variation(X, W) == pytest.approx(math.sqrt(2_040_000) / 10_400, 1e-14)
    # below or at the median: (800,000 + 1,800,000 + 3,000,000) / (10,000 * 600)
    assert mcloone(X, W) == pytest.approx(5_600_000 / 6_000_000, abs=1e-15)
    # at or above the median: (3,000,000 + 4,800,000) / (10,000 * 700)
    assert verstegen(X, W) == pytest.approx(7_800_000 / 7_000_000, abs=1e-15)
    # pairs: sum over i<j of w_i w_j |x_i - x_j| = 7.8e8; G = 2 * 7.8e8 / (2 * 1000^2 * 10,400)
    assert gini(X, W) == pytest.approx(0.075, abs=1e-15)
    assert gini_mean_difference(X, W) == pytest.approx(0.075, abs=1e-15)
    expected_theil = sum(
        (w / 1000) * (x / 10_400) * math.log(x / 10_400) for x, w in zip(X, W, strict=True)
    )
    assert theil(X, W) == pytest.approx(expected_theil, abs=1e-15)


def test_mcloone_conventions_by_hand() -> None:
    # The median school (10,000, pupils 301-600) straddles the middle pupil (500): "half"
    # counts its first 200 pupils only: (800,000 + 1,800,000 + 200 * 10,000) / (10,000 * 500)
    assert mcloone(X, W, below="half") == pytest.approx(4_600_000 / 5_000_000, abs=1e-15)
    assert mcloone(X, W, below="at_or_below") == mcloone(X, W)
    # no school straddles the middle pupil: both conventions agree (2 * 1,000 / 4 = 500)
    even = np.array([100.0, 400.0, 300.0, 200.0])
    assert mcloone(X, even, below="half") == pytest.approx(
        (100 * 8000 + 400 * 9000) / (9000 * 500), abs=1e-15
    )
    assert mcloone(X, even, below="half") == pytest.approx(mcloone(X, even), abs=1e-15)
    with pytest.raises(ValueError, match="below must be"):
        mcloone(X, W, below="under")


def test_mcloone_half_equals_the_lower_half_of_a_pupil_level_file() -> None:
    # second implementation: one row per pupil, the lower half taken by sorting the pupils
    rng = np.random.default_rng(3)
    x = rng.uniform(6000, 15000, 25).round()
    w = rng.integers(20, 90, 25).astype(float)
    pupils = np.sort(np.repeat(x, w.astype(int)))
    if pupils.size % 2:  # an even number of pupils, so "half" is a whole number of pupils
        pupils, x, w = pupils, np.append(x, x.max()), np.append(w, 1.0)
        pupils = np.sort(np.append(pupils, x.max()))
    lower = pupils[: pupils.size // 2]
    expected = lower.sum() / (weighted_quantile(x, w, 0.5) * lower.size)
    assert mcloone(x, w, below="half") == pytest.approx(expected, abs=1e-12)


def test_unweighted_differs_from_pupil_weighted() -> None:
    assert weighted_mean(X) == pytest.approx(9750.0)
    assert weighted_quantile(X, None, 0.5) == 9000.0  # two of four schools reach 50%
    assert mcloone(X) == pytest.approx((8000 + 9000) / (2 * 9000))
    assert gini(X) != pytest.approx(gini(X, W))


def test_federal_range_ratio_on_the_published_example() -> None:
    """34 CFR Part 222, Subpart K, Appendix, paragraph 1: counting pupils in ascending order
    of expenditure, the 5th percentile is reached at LEA A ($820) and the 95th at LEA B
    ($1,000); the disparity is 22 percent ($180 / $820). The LEAs around them are made up
    so that the percentiles fall where the example says."""
    spending = np.array([700.0, 820.0, 900.0, 1000.0, 1200.0])
    pupils = np.array([300.0, 500.0, 8400.0, 500.0, 300.0])  # shares 3, 5, 84, 5, 3 %
    assert weighted_quantile(spending, pupils, 0.05) == 820.0
    assert weighted_quantile(spending, pupils, 0.95) == 1000.0
    ratio = federal_range_ratio(spending, pupils)
    assert ratio == pytest.approx(180 / 820, abs=1e-15)
    assert round(100 * ratio) == 22


def test_gini_two_ways_agree_on_random_data() -> None:
    rng = np.random.default_rng(7)
    for _ in range(20):
        n = int(rng.integers(2, 60))
        x = np.round(rng.lognormal(9.3, 0.3, n), int(rng.integers(0, 3)))
        w = rng.integers(1, 900, n).astype(float)
        assert abs(gini(x, w) - gini_mean_difference(x, w)) < 1e-12


def test_gini_with_ties_and_zero_weights() -> None:
    x = np.array([5.0, 5.0, 7.0, 9.0, 100.0])
    w = np.array([1.0, 2.0, 3.0, 4.0, 0.0])  # a zero-weight school is not a pupil
    assert gini(x, w) == pytest.approx(gini_mean_difference(x, w), abs=1e-14)
    assert gini(x, w) == pytest.approx(gini(x[:4], w[:4]), abs=1e-15)


def test_equal_amounts_are_perfectly_equal() -> None:
    x = np.full(6, 11_000.0)
    w = np.arange(1.0, 7.0)
    assert gini(x, w) == pytest.approx(0.0, abs=1e-15)
    assert theil(x, w) == pytest.approx(0.0, abs=1e-15)
    assert coefficient_of_variation(x, w) == pytest.approx(0.0, abs=1e-15)
    assert mcloone(x, w) == 1.0 and verstegen(x, w) == 1.0
    assert federal_range_ratio(x, w) == 0.0


def test_theil_within_plus_between_equals_total() -> None:
    rng = np.random.default_rng(3)
    for _ in range(20):
        n = int(rng.integers(3, 80))
        x = rng.lognormal(9.4, 0.25, n)
        w = rng.integers(50, 1500, n).astype(float)
        groups = rng.integers(0, int(rng.integers(1, 8)), n)
        parts = theil_decomposition(x, w, groups)
        assert abs(parts.within + parts.between - parts.total) < 1e-12
        assert abs(parts.total - theil(x, w)) < 1e-15
        # the between part is the Theil index of the group means with group pupils
        means = np.array(parts.group_mean)
        pupils = np.array([w[groups.astype(str) == g].sum() for g in parts.groups])
        assert abs(parts.between - theil(means, pupils)) < 1e-12
        assert sum(parts.money_share) == pytest.approx(1.0, abs=1e-12)


def test_theil_hand_worked_decomposition() -> None:
    # district A: schools 8,000 and 12,000 with 100 pupils each; district B: one school
    # at 10,000 with 200 pupils. Means are equal, so all inequality is within districts.
    parts = theil_decomposition([8000, 12000, 10000], [100, 100, 200], ["A", "A", "B"])
    within_a = 0.5 * 0.8 * math.log(0.8) + 0.5 * 1.2 * math.log(1.2)
    assert parts.between == pytest.approx(0.0, abs=1e-15)
    assert parts.within == pytest.approx(0.5 * within_a, abs=1e-15)
    assert parts.total == pytest.approx(parts.within, abs=1e-15)


def test_bad_amounts_are_refused() -> None:
    with pytest.raises(ValueError, match="positive amounts"):
        theil([0.0, 1.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="positive weight"):
        gini([1.0, 2.0], [0.0, 0.0])


def test_undefined_indices_are_missing_not_errors() -> None:
    from improve.finance.horizontal import INDICES, all_indices

    values = all_indices(np.array([0.0, 0.0, 2.0, 3.0]), np.array([10.0, 10.0, 1.0, 1.0]))
    by_name = dict(zip(INDICES, values, strict=True))
    assert np.isnan(by_name["theil"]) and np.isnan(by_name["federal_range_ratio"])
    assert by_name["gini"] == pytest.approx(gini([0.0, 0.0, 2.0, 3.0], [10, 10, 1, 1]))
