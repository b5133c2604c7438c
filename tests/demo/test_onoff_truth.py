"""Post-funding truths of the demo: what the on/off estimators estimate on noise-free data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from improve.demo import schools as s
from improve.did.multiplegt import did_multiplegt_dyn, exit_event_study

TRUTH = json.loads((Path(__file__).parents[2] / "data" / "demo" / "truth.json").read_text())


@pytest.fixture(scope="module")
def effects_frame():
    df, y0, y1 = s._simulate_panel(s.DEFAULT_SEED, 60, 700, range(2014, 2025), (2020,), 0.0, 1.0)
    return df.assign(effect=y1["math_ss"] - y0["math_ss"])


def _values(rows, n):
    return np.array([r["effect"] for r in rows[:n]])


def test_entry_effects_on_true_effects_equal_truth(effects_frame) -> None:
    truth = TRUTH["after_funding"]["outcomes"]["math_ss"]["by_periods_since_start"]["all"]
    res = did_multiplegt_dyn(
        effects_frame, "effect", "school_id", "school_year", "grant_active", effects=5
    )
    np.testing.assert_allclose(res.estimate, _values(truth, 5), atol=1e-5)


def test_exit_effects_on_true_effects_near_truth(effects_frame) -> None:
    truth = TRUTH["after_funding"]["outcomes"]["math_ss"]["exit_by_periods_since_end"]
    res = exit_event_study(
        effects_frame, "effect", "school_id", "school_year", "grant_active", effects=4
    )
    # comparison schools' dose differs a little from the non-renewed schools' own dose
    np.testing.assert_allclose(res.estimate, _values(truth, 4), atol=0.3)


def test_truth_says_gains_fade_after_funding() -> None:
    math = TRUTH["after_funding"]["outcomes"]["math_ss"]
    remaining = _values(math["remaining_by_periods_since_end"], 4)
    assert np.all(np.diff(remaining) < 0) and remaining[0] > 0
    assert TRUTH["after_funding"]["n_not_renewed"] == 126
