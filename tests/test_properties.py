"""Property-based checks (hypothesis) on the loader and the estimators.

Estimates must not depend on row order or on how units are named; adding a constant to the
outcome leaves effects unchanged; scaling the outcome scales effects and standard errors;
dropping one never-treated unit changes estimates only slightly and never crashes.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from improve.data import load_panel
from improve.did import aggregate, att_gt, imputation, sunab
from improve.fe import panel_regression

from sample_data import SCHOOL_MAP, make_school_panel

BASE = make_school_panel(n_schools=48, seed=21)
SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _estimates(frame) -> dict[str, tuple[float, float]]:
    panel = load_panel(frame, columns=SCHOOL_MAP)
    cs = aggregate(att_gt(panel, "math_ss", covariates=[]), type="simple")
    sa = sunab(panel, "math_ss")
    bjs = imputation(panel, "math_ss").tidy().set_index("term").loc["ATT"]
    fe = (
        panel_regression(
            panel.data.assign(
                dose=(panel.data["first_grant_year"] > 0)
                * (panel.data["school_year"] >= panel.data["first_grant_year"])
                * 1.0
            ),
            "math_ss",
            "dose",
            unit="school_id",
            time="school_year",
            cluster="district_id",
            se="cr1",
        )
        .tidy()
        .iloc[0]
    )
    return {
        "cs": (cs.estimate, cs.std_error),
        "sunab": (sa.overall_estimate, sa.overall_std_error),
        "imputation": (float(bjs["estimate"]), float(bjs["std_error"])),
        "fe": (float(fe["estimate"]), float(fe["std_error"])),
    }


REFERENCE = _estimates(BASE)


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), prefix=st.sampled_from(["", "9", "A-", "0"]))
def test_row_order_and_id_names_do_not_matter(seed, prefix):
    rng = np.random.default_rng(seed)
    frame = BASE.sample(frac=1.0, random_state=rng.integers(2**31)).reset_index(drop=True)
    mapping = {
        u: f"{prefix}{rng.integers(10**9):09d}{i}"
        for i, u in enumerate(frame["school_id"].unique())
    }
    frame = frame.assign(school_id=frame["school_id"].map(mapping))
    got = _estimates(frame)
    for name, (est, se) in REFERENCE.items():
        assert got[name][0] == pytest.approx(est, rel=1e-9, abs=1e-9), name
        assert got[name][1] == pytest.approx(se, rel=1e-9, abs=1e-9), name


@SETTINGS
@given(shift=st.floats(-1e3, 1e3, allow_nan=False), scale=st.floats(0.01, 100.0))
def test_shift_leaves_effects_and_scale_scales_them(shift, scale):
    got = _estimates(BASE.assign(math_ss=BASE["math_ss"] * scale + shift))
    for name, (est, se) in REFERENCE.items():
        assert got[name][0] == pytest.approx(est * scale, rel=1e-6, abs=1e-6), name
        assert got[name][1] == pytest.approx(se * abs(scale), rel=1e-6, abs=1e-6), name


@SETTINGS
@given(which=st.integers(0, 10**6))
def test_dropping_a_never_treated_unit_changes_little(which):
    never = sorted(BASE.loc[BASE["first_grant_year"] == 0, "school_id"].unique())
    dropped = never[which % len(never)]
    got = _estimates(BASE.loc[BASE["school_id"] != dropped])
    for name, (est, se) in REFERENCE.items():
        assert np.isfinite(got[name][0]) and np.isfinite(got[name][1]), name
        assert abs(got[name][0] - est) < 1.5 * se, name
