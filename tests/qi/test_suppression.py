"""Small denominators: points, n and limits hidden, note on the chart."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from improve.qi import qic


def test_suppression_hides_small_points_and_their_limits(network) -> None:
    data = network
    data.loc[data["week"] == 5, "n"] = 8
    data.loc[data["week"] == 5, "y"] = 7
    res = qic(data, "week", "y", "n", chart="p", facets="school").suppress(10)
    points = res.tidy()
    hidden = points[points["x"] == 5]
    assert hidden[["y", "n", "lcl", "ucl"]].isna().all().all()
    assert not hidden["sigma.signal"].any()
    assert "not shown" in res.summary() and "limits" in res.suppression_note
    res.plot()
