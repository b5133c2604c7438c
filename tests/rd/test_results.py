"""RD results follow the package's conventions: tidy columns, summary, plot, rich display."""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import pytest
from rdrobust import rdrobust_RDsenate

from improve.rd import density_test, local_randomization, rd_estimate
from improve.results import TIDY_COLUMNS


@pytest.fixture(scope="module")
def senate():
    return rdrobust_RDsenate()


def test_rd_result_conventions(senate):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = rd_estimate(senate, "vote", "margin", 0.0, cluster="state")
    tidy = res.tidy()
    assert list(tidy["term"]) == ["Conventional", "Bias-corrected", "Robust"]
    assert all(c in tidy.columns for c in TIDY_COLUMNS)
    assert tidy["vcov_type"].iloc[0] == "CR1" and res.n_clusters == 50
    text = res.summary()
    assert text.startswith("Sharp RD estimate of vote at margin = 0")
    assert "robust row" in text
    assert "<table" in res._repr_html_()
    fig = res.plot(senate)
    assert fig.axes[0].get_xlabel() == "margin"
    plt.close(fig)
    with pytest.raises(Exception, match="needs the data"):
        res.plot()


def test_density_and_local_randomisation_conventions(senate):
    test = density_test(senate, "margin", 0.0)
    assert all(c in test.tidy().columns for c in TIDY_COLUMNS)
    assert "no evidence" in test.summary()
    fig = test.plot(senate["margin"].dropna())
    plt.close(fig)
    lr = local_randomization(senate, "vote", "margin", 0.0, wl=-0.75, wr=0.75, reps=100)
    assert lr.n == (15, 22) and lr.window == (-0.75, 0.75)
    assert all(c in lr.tidy().columns for c in TIDY_COLUMNS)
