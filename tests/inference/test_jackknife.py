"""improve.inference.jackknife: the CV3 (leave-one-cluster-out) standard error."""

from __future__ import annotations

import numpy as np
import pytest

from improve.inference import cv3_se


def test_cv3_of_leave_one_out_means_is_the_usual_standard_error() -> None:
    # for the mean, the jackknife variance equals s^2 / n exactly (Efron & Stein)
    x = np.array([3.0, 7.5, 1.25, 9.0, 4.0, 6.5])
    n = x.size
    leave_out = np.array([(x.sum() - xi) / (n - 1) for xi in x])[:, None]
    assert cv3_se(leave_out)[0] == pytest.approx(x.std(ddof=1) / np.sqrt(n), rel=1e-12)


def test_cv3_uses_only_the_fits_where_an_estimate_exists() -> None:
    fits = np.array(
        [
            [1.0, 2.0, np.nan],
            [3.0, np.nan, np.nan],
            [2.0, 5.0, 4.0],
        ]
    )
    se = cv3_se(fits)
    assert se[0] == pytest.approx(np.sqrt(2 / 3 * 2.0))  # deviations -1, 1, 0
    assert se[1] == pytest.approx(np.sqrt(1 / 2 * (1.5**2 + 1.5**2)))
    assert np.isnan(se[2])  # one fit only: no variance
