"""Every published marker is parsed into a value, bounds and a flag, and counted."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from improve.data.suppression import parse_numeric


@pytest.mark.parametrize(
    ("raw", "flag", "lower", "upper"),
    [
        ("*", "suppressed", np.nan, np.nan),
        ("**", "suppressed", np.nan, np.nan),
        ("<10", "suppressed", np.nan, 10.0),
        ("n<10", "suppressed", np.nan, np.nan),
        ("PS", "suppressed", np.nan, np.nan),
        ("N/A", "missing", np.nan, np.nan),
        ("--", "missing", np.nan, np.nan),
        (".", "missing", np.nan, np.nan),
        ("", "missing", np.nan, np.nan),
        ("GE50", "at_least", 50.0, np.nan),
        ("LT5", "at_most", np.nan, 5.0),
        ("<5%", "at_most", np.nan, 5.0),
        (">95%", "at_least", 95.0, np.nan),
        ("11-17", "range", 11.0, 17.0),
    ],
)
def test_marker_becomes_nan_with_bounds_and_flag(raw, flag, lower, upper):
    parsed = parse_numeric(pd.Series(["12.5", raw, "40"]))
    assert np.isnan(parsed.values.iloc[1])
    assert parsed.values.iloc[0] == 12.5 and parsed.values.iloc[2] == 40.0
    assert parsed.flag.iloc[1] == flag
    assert pd.isna(parsed.flag.iloc[0])
    assert parsed.counts == {flag: 1}
    if not (np.isnan(lower) and np.isnan(upper)):
        assert parsed.lower is not None and parsed.upper is not None
        np.testing.assert_equal(parsed.lower.iloc[1], lower)
        np.testing.assert_equal(parsed.upper.iloc[1], upper)
        # a published number is its own bound
        assert parsed.lower.iloc[0] == parsed.upper.iloc[0] == 12.5


def test_negative_codes_are_missing_only_when_the_column_has_no_real_negatives():
    ccd = parse_numeric(pd.Series(["310", "-1", "-2", "-9", "250"]))
    assert ccd.values.isna().sum() == 3
    assert ccd.counts == {"missing_code": 3}
    change = parse_numeric(pd.Series(["-1", "-2.5", "3", "-9"]))
    assert change.values.notna().all()
    forced = parse_numeric(pd.Series(["-1", "-2.5"]), negative_missing_codes=True)
    assert np.isnan(forced.values.iloc[0]) and forced.values.iloc[1] == -2.5


def test_unknown_text_is_reported_not_guessed():
    parsed = parse_numeric(pd.Series(["1", "abc", "abc", "two"]))
    assert parsed.n_bad == 3
    assert parsed.bad_values == ["abc", "two"]


def test_extra_markers_and_formatting():
    parsed = parse_numeric(pd.Series(["1,234", "45%", "DS", " 7 "]), extra_markers=["ds"])
    assert parsed.values.iloc[0] == 1234.0
    assert parsed.values.iloc[1] == 45.0
    assert parsed.flag.iloc[2] == "suppressed"
    assert parsed.values.iloc[3] == 7.0


def test_typed_numeric_column_passes_through():
    parsed = parse_numeric(pd.Series([1.0, np.nan, 3.0]))
    assert parsed.values.tolist()[0] == 1.0
    assert parsed.counts == {"missing": 1}
