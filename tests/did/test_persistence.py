"""evaluate_persistence on the demo: effects during and after funding recover the truth."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from improve.data import load_panel
from improve.did.persistence import evaluate_persistence, treatment_histories
from improve.errors import SpecError

DEMO = Path(__file__).parents[2] / "data" / "demo"
TRUTH = json.loads((DEMO / "truth.json").read_text())["after_funding"]["outcomes"]["math_ss"]


@pytest.fixture(scope="module")
def evaluation():
    panel = load_panel(
        DEMO / "schools.csv", columns=DEMO / "columns_onoff.yaml", validate_timing=False
    )
    return evaluate_persistence(panel, "math_ss", effects=4, placebo=2, exit_effects=3)


def _covered(res, truth_rows, n):
    eff = res.effects()
    eff = eff[eff["horizon"] > 0].head(n)
    truth = np.array([r["effect"] for r in truth_rows[:n]])
    return (eff["conf_low_uniform"].to_numpy() <= truth) & (
        truth <= eff["conf_high_uniform"].to_numpy()
    )


def _z(res, truth_rows, n):
    eff = res.effects()
    eff = eff[eff["horizon"] > 0].head(n)
    truth = np.array([r["effect"] for r in truth_rows[:n]])
    return (eff["estimate"].to_numpy() - truth) / eff["std_error"].to_numpy()


def test_effects_since_start_recover_truth(evaluation) -> None:
    # In this seed's draw the untreated outcomes of funded schools drift below the
    # comparison's (the estimator run on Y(0) gives -1.04 at Effect_2), so Effect_2 of all
    # switchers is 2.55 SEs below the truth, just outside its uniform band; coverage over
    # many draws is in benchmarks/montecarlo_results/multiplegt_*.
    assert np.all(np.abs(_z(evaluation.entry, TRUTH["by_periods_since_start"]["all"], 4)) < 3)
    for name, key in (("renewed", "renewed"), ("not renewed", "not_renewed")):
        res = evaluation.by_renewal[name]
        assert _covered(res, TRUTH["by_periods_since_start"][key], 4).all(), name


def test_exit_effects_cover_truth(evaluation) -> None:
    assert _covered(evaluation.exit, TRUTH["exit_by_periods_since_end"], 3).all()


def test_verdict_is_fade_as_generated(evaluation) -> None:
    assert evaluation.funded_periods == 2
    assert evaluation.verdict == "fade"
    assert "faded" in evaluation.summary_sentence(unit_label="schools")


def test_histories_and_tests(evaluation) -> None:
    h = evaluation.histories
    assert set(h["state"]) == {"never", "not yet", "funded", "ended"}
    assert h.groupby("period")["n_units"].sum().eq(700).all()
    tests = evaluation.tests_table()
    assert {"placebos are all zero", "effects are all equal"} <= set(tests["test"])


def test_missing_treatment_is_named() -> None:
    panel = load_panel(DEMO / "schools.csv", columns=DEMO / "columns.yaml", validate_timing=False)
    with pytest.raises(SpecError, match="treatment"):
        evaluate_persistence(panel.data, "math_ss", unit="school_id", time="school_year")


def test_histories_of_a_toy_panel() -> None:
    import pandas as pd

    toy = pd.DataFrame({"u": [1, 1, 1, 2, 2, 2], "t": [1, 2, 3] * 2, "d": [0, 1, 0, 0, 0, 0]})
    h = treatment_histories(toy, "u", "t", "d").pivot(
        index="period", columns="state", values="n_units"
    )
    assert h.loc[3, "ended"] == 1 and h.loc[2, "funded"] == 1 and h.loc[1, "not yet"] == 1
