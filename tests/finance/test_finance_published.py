"""The federal range ratio against ratios published by NCES and the McLoone index against a
published worked example. Federal range ratio: NCES (``tests/reference/
nces_federal_range_ratio.csv``; sources in ``nces_federal_range_ratio_README.md``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from improve.finance.indices import federal_range_ratio, mcloone, weighted_quantile

PUBLISHED = pd.read_csv(
    Path(__file__).resolve().parents[1] / "reference" / "nces_federal_range_ratio.csv"
)
#: Pupil shares of five made-up districts around the published cutpoints: 3% below the 5th
#: percentile, 5% at it, 84% at the median, 5% at the 95th percentile and 3% above it.
SHARES = np.array([3.0, 5.0, 84.0, 5.0, 3.0])


def _districts(p05: float, median: float, p95: float) -> np.ndarray:
    return np.array([0.9 * p05, p05, median, p95, 1.1 * p95])


def _rounding_allowance(p05: float, p95: float) -> float:
    """How far the ratio can move when both cutpoints move by half a dollar, plus the
    rounding of the published ratio to one decimal."""
    return 0.5 * (p95 / p05**2 + 1 / p05) + 0.05 + 1e-9


@pytest.mark.parametrize("row", list(PUBLISHED.itertuples(index=False)), ids=lambda r: r.item)
def test_federal_range_ratio_matches_the_published_nces_value(row) -> None:
    spending = _districts(row.p05, row.median, row.p95)
    assert weighted_quantile(spending, SHARES, 0.05) == row.p05
    assert weighted_quantile(spending, SHARES, 0.95) == row.p95
    ratio = federal_range_ratio(spending, SHARES)
    assert abs(ratio - row.federal_range_ratio) <= _rounding_allowance(row.p05, row.p95)


def test_published_rows_with_exact_cutpoints_round_to_the_printed_ratio() -> None:
    # where the 5th percentile is large, the dollar rounding cannot move the first decimal
    large = PUBLISHED.loc[PUBLISHED["p05"] >= 1000]
    assert len(large) >= 20
    ratios = [
        federal_range_ratio(_districts(r.p05, r.median, r.p95), SHARES)
        for r in large.itertuples(index=False)
    ]
    assert np.round(ratios, 1).tolist() == large["federal_range_ratio"].tolist()
    # the ratio of the 95th to the 5th percentile (a common misreading) does not match
    assert not np.allclose(np.array(ratios) + 1, large["federal_range_ratio"], atol=0.1)


def test_mcloone_half_convention_on_the_published_example() -> None:
    """The forum's worked example (``tests/reference/mcloone_posit_forum_README.md``):
    0.7053 with exactly half of the people counted; 0.72 when everyone at the median counts."""
    example = pd.read_csv(
        Path(__file__).resolve().parents[1] / "reference" / "mcloone_posit_forum.csv"
    )
    amount, count = example["amount"].to_numpy(float), example["count"].to_numpy(float)
    assert round(mcloone(amount, count, below="half"), 4) == 0.7053
    assert mcloone(amount, count, below="half") == pytest.approx(603 / (45 * 19), abs=1e-15)
    assert mcloone(amount, count) == pytest.approx((12 * 24 + 8 * 45) / (45 * 20), abs=1e-15)
