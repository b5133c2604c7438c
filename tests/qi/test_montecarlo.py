"""False signals on in-control processes: a small, seeded version of benchmarks/qi_montecarlo.py."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from improve.qi import qic

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "qi_montecarlo.py"


@pytest.fixture(scope="module")
def mc():
    spec = importlib.util.spec_from_file_location("qi_montecarlo", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_exact_rate_by_enumeration(mc) -> None:
    """The dynamic programme equals brute-force enumeration of all 2^n sign sequences."""
    from itertools import product

    from improve.qi.anhoej import runs_analysis

    for n in (8, 10, 12):
        signals = sum(
            runs_analysis(np.array(s, float), np.zeros(n)).runs_signal
            for s in product((-1, 1), repeat=n)
        )
        assert mc.exact_anhoej_rate(n) == pytest.approx(signals / 2**n, abs=1e-12)


def test_direct_chart_calls_equal_qic(mc) -> None:
    rng = np.random.default_rng(3)
    for chart in ("i", "c", "p", "u", "g", "t"):
        g = mc._draw(chart, 24, rng)
        lim = mc.CHARTS[chart](g, True)
        frame = pd.DataFrame(
            {"x": np.arange(24), "y": g.y_sum if chart in "cpu" else g.y, "n": g.n}
        )
        res = qic(frame, "x", "y", "n" if chart in ("p", "u") else None, chart=chart).tidy()
        np.testing.assert_allclose(res["ucl"], lim.ucl, rtol=1e-12, equal_nan=True)
        np.testing.assert_allclose(res["cl"], lim.cl, rtol=1e-12)


@pytest.mark.slow
def test_false_signal_rates_near_published_values(mc) -> None:
    result = mc.study(1500, seed=11, lengths=(12, 24, 50), charts=("i", "p", "c"))
    for k, row in result["runs"].items():
        se = np.sqrt(row["exact_true_median"] * (1 - row["exact_true_median"]) / 1500)
        assert abs(row["true_median"] - row["exact_true_median"]) < 4 * se, (k, row)
        assert 0.01 < row["sample_median"] < 0.09, (k, row)  # "around 5%" (Anhøj 2014)
    for chart, by_n in result["sigma"].items():
        assert 0.0005 < by_n["50"]["per_point"] < 0.008, (chart, by_n)
