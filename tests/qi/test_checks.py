"""Fail well: zero denominators, negative counts, irregular dates, short series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from improve.errors import DataError
from improve.qi import qic


def test_fail_well_messages(network) -> None:
    data = network
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
