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


def test_subgroup_means_of_few_records_are_hidden() -> None:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(2)
    sizes = [12] * 10 + [4] + [12] * 9
    rows = [{"week": w + 1, "score": s} for w, k in enumerate(sizes) for s in rng.normal(0, 1, k)]
    res = qic(pd.DataFrame(rows), "week", "score", chart="xbar").suppress(10)
    hidden = res.tidy().iloc[10]
    assert np.isnan(hidden["y"]) and np.isnan(hidden["ucl"]) and res.suppression_note
