"""did_multiplegt_dyn against R DIDmultiplegtDYN itself (stored by
``tests/reference/make_multiplegt_r_references.R``; see ``multiplegt_README.md``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from improve.did import _multiplegt_controls as controls_module
from improve.did.multiplegt import did_multiplegt_dyn

REF = Path(__file__).parents[1] / "reference"
R_CASES = json.loads((REF / "multiplegt_r_references.json").read_text())["cases"]
FAV = pd.read_csv(REF / "favara_imbs.csv")
SIMS = pd.read_csv(REF / "multiplegt_sim_panels.csv")
TOL = 1e-8


def _vector(value: object) -> np.ndarray:
    # jsonlite writes a one-element vector as a scalar and NA as null
    return np.atleast_1d(np.asarray(value, dtype=float))


def _fit(name: str, case: dict):
    opts = dict(case["options"])
    cols = [opts.pop(k) for k in ("outcome", "group", "time", "treatment")]
    if isinstance(opts.get("controls"), str):
        opts["controls"] = [opts["controls"]]
    data = FAV if name.startswith("favara") else SIMS[SIMS["panel"] == name.split("_")[0]]
    return did_multiplegt_dyn(data, *cols, **opts)


def _r220_unweighted_first_stage(monkeypatch: pytest.MonkeyPatch) -> None:
    """R 2.2.0 fits the controls' period-effects regression for the variance without the
    weights (``feols(..., weights = weight_XX)`` finds the NULL global ``weight_XX``);
    2.3.x passes ``data_reg$weight_XX``, as we do. Reproduce 2.2.0 to compare with it."""
    fit = controls_module._time_fe_fit
    monkeypatch.setattr(
        controls_module, "_time_fe_fit", lambda dy, dx, w, rows: fit(dy, dx, np.ones_like(w), rows)
    )


@pytest.mark.parametrize("name", sorted(R_CASES))
def test_matches_r_did_multiplegt_dyn(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    case = R_CASES[name]
    weighted_controls = "controls" in case["options"] and "weight" in case["options"]
    if weighted_controls:
        default = _fit(name, case)
        _r220_unweighted_first_stage(monkeypatch)
    res = _fit(name, case)
    if weighted_controls:
        # the weighted first stage (R 2.3) moves the SEs by under 5%, not the estimates
        np.testing.assert_allclose(default.estimate, res.estimate, rtol=0, atol=1e-12)
        np.testing.assert_allclose(default.std_error, res.std_error, rtol=0.05)
        assert not np.allclose(default.std_error, res.std_error, rtol=0, atol=1e-8)
    eff = res.horizons > 0
    np.testing.assert_allclose(res.estimate[eff], _vector(case["effects"]), rtol=0, atol=TOL)
    np.testing.assert_allclose(res.std_error[eff], _vector(case["effects_se"]), rtol=0, atol=TOL)
    if not case["options"].get("trends_lin"):
        # with trends_lin R's switcher counts are those of its last pass (the switchers of
        # the last effect) for every effect; ours are each effect's own
        np.testing.assert_array_equal(res.n_switchers[eff], _vector(case["n_switchers"]))
    if "placebos" in case:
        pl = res.horizons < 0
        np.testing.assert_allclose(res.estimate[pl], _vector(case["placebos"]), atol=TOL)
        np.testing.assert_allclose(res.std_error[pl], _vector(case["placebos_se"]), atol=TOL)
    ate = _vector(case["ate"])[0]
    if np.isfinite(ate):
        assert res.av_tot_eff == pytest.approx(ate, abs=TOL)
        assert res.av_tot_eff_se == pytest.approx(_vector(case["ate_se"])[0], abs=TOL)
    else:  # R does not compute it with trends_lin
        assert np.isnan(res.av_tot_eff)
    if "p_equality_effects" in case:
        assert res.equality_test[2] == pytest.approx(case["p_equality_effects"], abs=TOL)
    if "p_jointplacebo" in case:
        assert res.placebo_test[2] == pytest.approx(case["p_jointplacebo"], abs=TOL)
