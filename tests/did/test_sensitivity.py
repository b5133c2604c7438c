"""HonestDiD-style sensitivity: the published Medicaid-expansion example and API checks.

References (``tests/reference/sensitivity_references.json``, made by
``tests/reference/make_sensitivity_references.py``): the numbers printed in the HonestDiD
README, and moderndid 0.2.0's port run on the same TWFE event study of the ``ehec`` data.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib
import numpy as np
import pytest

from improve.did.sensitivity import HonestDiDResult, honest_did, original_ci
from improve.errors import SpecError
from improve.report.sensitivity_figures import plot_sensitivity

REF = json.loads(
    (Path(__file__).parents[1] / "reference" / "sensitivity_references.json").read_text()
)
B = np.array(REF["betahat"])
V = np.array(REF["sigma"])
PUB = REF["published"]
MDD = REF["moderndid"]


@pytest.fixture(scope="module")
def sd_result() -> HonestDiDResult:
    return honest_did(B, V, 5, 2, method="smoothness", m_grid=PUB["smoothness_flci"]["m"])


@pytest.fixture(scope="module")
def rm_result() -> HonestDiDResult:
    return honest_did(
        B, V, 5, 2, method="relative_magnitudes", mbar_grid=PUB["relative_magnitudes_clf"]["mbar"]
    )


def test_smoothness_matches_published_to_3_decimals(sd_result: HonestDiDResult) -> None:
    ref = PUB["smoothness_flci"]
    np.testing.assert_allclose(sd_result.m, ref["m"])
    # published values are printed to 3 significant figures; 3 decimals = within 5e-4
    np.testing.assert_allclose(sd_result.lower, ref["lb"], atol=5e-4, rtol=0)
    np.testing.assert_allclose(sd_result.upper, ref["ub"], atol=5e-4, rtol=0)
    assert list(sd_result.tidy()["method"].unique()) == ["FLCI"]


def test_smoothness_matches_moderndid_closely(sd_result: HonestDiDResult) -> None:
    ref = MDD["smoothness_flci"]
    np.testing.assert_allclose(sd_result.lower, ref["lb"], atol=1e-5, rtol=0)
    np.testing.assert_allclose(sd_result.upper, ref["ub"], atol=1e-5, rtol=0)


def test_smoothness_average_effect_matches_moderndid() -> None:
    ref = MDD["smoothness_flci_average"]
    res = honest_did(B, V, 5, 2, m_grid=ref["m"], l_vec=ref["l_vec"])
    np.testing.assert_allclose(res.lower, ref["lb"], atol=1e-5, rtol=0)
    np.testing.assert_allclose(res.upper, ref["ub"], atol=1e-5, rtol=0)


def test_relative_magnitudes_matches_published_to_2_decimals(rm_result: HonestDiDResult) -> None:
    ref = PUB["relative_magnitudes_clf"]
    np.testing.assert_allclose(rm_result.m, ref["mbar"])
    np.testing.assert_allclose(rm_result.lower, ref["lb"], atol=5e-3, rtol=0)
    np.testing.assert_allclose(rm_result.upper, ref["ub"], atol=5e-3, rtol=0)
    # in fact much closer than that (the residual is the LF critical value's simulation noise)
    np.testing.assert_allclose(rm_result.lower, ref["lb"], atol=1e-3, rtol=0)
    np.testing.assert_allclose(rm_result.upper, ref["ub"], atol=1e-3, rtol=0)
    assert list(rm_result.tidy()["method"].unique()) == ["C-LF"]


def test_relative_magnitudes_matches_moderndid(rm_result: HonestDiDResult) -> None:
    ref = MDD["relative_magnitudes_clf"]
    np.testing.assert_allclose(rm_result.lower, ref["lb"], atol=1e-4, rtol=0)
    np.testing.assert_allclose(rm_result.upper, ref["ub"], atol=1e-4, rtol=0)


def test_original_ci_and_breakdown(sd_result: HonestDiDResult, rm_result: HonestDiDResult) -> None:
    lo, hi = original_ci(B, V, 5, 2)
    assert lo == pytest.approx(MDD["original"]["lb"], abs=1e-10)
    assert hi == pytest.approx(MDD["original"]["ub"], abs=1e-10)
    assert sd_result.original_ci == (lo, hi)
    # published README: significant up to M = 0.02 (smoothness) and Mbar = 1.5 (RM)
    assert sd_result.breakdown() == pytest.approx(0.02)
    assert rm_result.breakdown() == pytest.approx(1.5)
    # robust intervals widen with M and contain the M = 0 interval
    assert np.all(np.diff(sd_result.upper - sd_result.lower) > 0)


def test_tidy_shape(sd_result: HonestDiDResult) -> None:
    t = sd_result.tidy()
    assert list(t.columns) == [
        "term",
        "m",
        "lower",
        "upper",
        "method",
        "delta",
        "conf_low",
        "conf_high",
    ]
    assert len(t) == 6 and t["term"].iloc[1] == "M=0.01"
    t2 = sd_result.tidy(include_original=True)
    assert len(t2) == 7 and t2["method"].iloc[0] == "Original"
    assert "DeltaSD" in sd_result.summary()


def test_accepts_event_study_result() -> None:
    class _ES:
        estimate = B
        vcov = V
        event_time = np.array([-6, -5, -4, -3, -2, 0, 1])

    res = honest_did(_ES(), m_grid=[0.0, 0.01])
    direct = honest_did(B, V, 5, 2, m_grid=[0.0, 0.01])
    np.testing.assert_allclose(res.lower, direct.lower)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"method": "nope"},
        {"l_vec": [1.0, 0.0, 0.0]},
        {"m_grid": [-1.0]},
        {"mbar_grid": [1.0]},
        {"alpha": 1.5},
    ],
)
def test_bad_inputs_raise_spec_error(kwargs: dict) -> None:
    with pytest.raises(SpecError):
        honest_did(B, V, 5, 2, **kwargs)


def test_shape_mismatch_raises() -> None:
    with pytest.raises(SpecError, match="num_post_periods"):
        honest_did(B, V, 5, 3)
    with pytest.raises(SpecError, match="sigma"):
        honest_did(B, V[:6, :6], 5, 2)


def test_plot_sensitivity(sd_result: HonestDiDResult, rm_result: HonestDiDResult) -> None:
    matplotlib.use("Agg")
    for res in (sd_result, rm_result):
        fig = plot_sensitivity(res, outcome_label="Insurance coverage (share)")
        ax = fig.axes[0]
        assert ax.get_xticklabels()[0].get_text() == "Original"
        assert ax.get_ylabel() == "Insurance coverage (share)"
        matplotlib.pyplot.close(fig)
