"""improve.did.continuous against stored moderndid ``cont_did`` and diff-diff ``ContinuousDiD``.

References: ``tests/reference/continuous_references.json`` (made by
``make_continuous_references.py``). Where the peers disagree with each other the test pins
the side that is right, for the reason written in ``tests/reference/continuous_README.md``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from improve.did._continuous_aggregate import overall_weights
from improve.did._continuous_prepare import prepare_dose_panel
from improve.did.continuous import _basis, _fit_cells, cont_did

REF = Path(__file__).resolve().parents[1] / "reference"
REFS = json.loads((REF / "continuous_references.json").read_text())
TOL = 1e-8


def _data(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / REFS["datasets"][name])


def _ours(cfg: dict):
    return cont_did(
        _data(cfg["dataset"]),
        "Y",
        dose="D",
        unit="id",
        time="time_period",
        cohort="G",
        degree=cfg["degree"],
        num_knots=cfg["num_knots"],
        control_group=cfg["control_group"],
        base_period=cfg["base_period"],
        anticipation=cfg["anticipation"],
        treatment_type=cfg["treatment_type"],
        dvals=cfg["dvals"],
        biters=0,
    )


CONTINUOUS = [c for c in REFS["configs"] if c["treatment_type"] == "continuous"]
IDS = [
    f"{c['dataset']}-deg{c['degree']}-k{c['num_knots']}-{c['control_group']}-{c['base_period']}"
    f"-ant{c['anticipation']}"
    for c in CONTINUOUS
]


@pytest.mark.parametrize("cfg", CONTINUOUS, ids=IDS)
def test_matches_diff_diff_points_and_standard_errors(cfg: dict) -> None:
    res, ref = _ours(cfg), cfg["diff_diff"]
    _check_event_att(res, ref, cfg)
    if cfg["anticipation"]:  # diff-diff also averages the anticipation cells (README)
        return
    assert res.overall_att == pytest.approx(ref["overall_att"], abs=TOL)
    assert res.overall_acrt == pytest.approx(ref["overall_acrt"], abs=TOL)
    assert res.overall_att_se == pytest.approx(ref["overall_att_se"], abs=TOL)
    np.testing.assert_allclose(res.curves["att"], ref["att_d"], atol=TOL)
    np.testing.assert_allclose(res.curves["acrt"], ref["acrt_d"], atol=TOL)
    np.testing.assert_allclose(res.curves["att_se"], ref["att_d_se"], atol=TOL)
    np.testing.assert_allclose(res.curves["acrt_se"], ref["acrt_d_se"], atol=TOL)


def _check_event_att(res, ref: dict, cfg: dict) -> None:
    es = pd.DataFrame(ref["event_att"]).set_index("event_time")
    if cfg["base_period"] == "universal":  # diff-diff lists the reference period e = -1 as 0
        assert es.loc[-1.0, "estimate"] == 0.0
        es = es.drop(index=-1.0)
    mine = res.event.set_index("event_time").loc[es.index]
    np.testing.assert_allclose(mine["att"], es["estimate"], atol=TOL)
    np.testing.assert_allclose(mine["att_se"], es["std_error"], atol=TOL)


NO_ANTICIPATION = [c for c in CONTINUOUS if c["anticipation"] == 0]
NO_ANTICIPATION_IDS = [i for i, c in zip(IDS, CONTINUOUS, strict=True) if c["anticipation"] == 0]


@pytest.mark.parametrize("cfg", NO_ANTICIPATION, ids=NO_ANTICIPATION_IDS)
def test_acrt_overall_se_adds_the_dose_spread_term_diff_diff_leaves_out(cfg: dict) -> None:
    panel = prepare_dose_panel(
        _data(cfg["dataset"]),
        "t",
        outcome="Y",
        dose="D",
        unit="id",
        time="time_period",
        cohort="G",
        cluster=None,
    )
    basis = _basis(panel, "continuous", cfg["degree"], cfg["num_knots"], 5)
    cells, _ = _fit_cells(
        panel,
        basis,
        np.asarray(cfg["dvals"]),
        cfg["control_group"],
        cfg["base_period"],
        cfg["anticipation"],
    )
    w = overall_weights(cells)
    without = sum(
        wi * (c.if_acrt_glob - c.if_acrt_glob_dose) for c, wi in zip(cells, w, strict=True)
    )
    se_without = float(np.sqrt(np.sum(without**2)) / panel.n_units)
    assert se_without == pytest.approx(cfg["diff_diff"]["overall_acrt_se"], abs=TOL)
    assert _ours(cfg).overall_acrt_se >= se_without - TOL


@pytest.mark.parametrize("cfg", CONTINUOUS, ids=IDS)
def test_matches_moderndid_where_it_follows_r(cfg: dict) -> None:
    if cfg["anticipation"] and cfg["control_group"] == "notyettreated":
        pytest.skip("moderndid's not-yet-treated comparison ignores anticipation (README)")
    res, ref = _ours(cfg), cfg["moderndid"]
    assert res.overall_att == pytest.approx(ref["overall_att"], abs=TOL)
    if cfg["num_knots"] == 0:  # interior knots: moderndid places them differently (README)
        slope = ref["event_slope"]
        mine = res.event.set_index("event_time").loc[slope["event_time"]]
        np.testing.assert_allclose(mine["acrt"], slope["estimate"], atol=TOL)
        assert res.overall_acrt == pytest.approx(ref["overall_acrt"], abs=TOL)
        np.testing.assert_allclose(res.curves["att"], ref["att_d"], atol=TOL)
        np.testing.assert_allclose(res.curves["acrt"], ref["acrt_d"], atol=TOL)


@pytest.mark.parametrize("cfg", [c for c in REFS["configs"] if c["treatment_type"] == "discrete"])
def test_discrete_dose_matches_diff_diff(cfg: dict) -> None:
    res, ref = _ours(cfg), cfg["diff_diff"]
    np.testing.assert_allclose(res.dose, ref["dose"], atol=TOL)
    np.testing.assert_allclose(res.curves["att"], ref["att_d"], atol=TOL)
    np.testing.assert_allclose(res.curves["acrt"], ref["acrt_d"], atol=TOL)
    np.testing.assert_allclose(res.curves["att_se"], ref["att_d_se"], atol=TOL)
    assert res.overall_att == pytest.approx(ref["overall_att"], abs=TOL)
    assert res.overall_acrt == pytest.approx(ref["overall_acrt"], abs=TOL)


@pytest.mark.parametrize(
    "cfg", [c for c in CONTINUOUS if c["num_knots"] > 0 and c["base_period"] == "varying"]
)
def test_moderndid_difference_is_its_knot_rule(cfg: dict) -> None:
    """With moderndid's knots (quantiles of post-treatment rows, not of units) we match it."""
    from improve.did._continuous_aggregate import combine
    from improve.did._continuous_basis import DoseBasis

    df = _data(cfg["dataset"])
    panel = prepare_dose_panel(
        df, "t", outcome="Y", dose="D", unit="id", time="time_period", cohort="G", cluster=None
    )
    rows = df.loc[(df["G"] > 0) & (df["time_period"] >= df["G"]) & (df["D"] > 0), "D"]
    deg, nk = cfg["degree"], cfg["num_knots"]
    interior = np.quantile(rows.to_numpy(), np.linspace(0, 1, nk + 2)[1:-1])
    td = panel.treated_doses
    knots = np.concatenate([np.repeat(td.min(), deg + 1), interior, np.repeat(td.max(), deg + 1)])
    cells, _ = _fit_cells(
        panel,
        DoseBasis("bspline", knots, deg),
        np.asarray(cfg["dvals"]),
        cfg["control_group"],
        cfg["base_period"],
        cfg["anticipation"],
    )
    att = combine(cells, overall_weights(cells), "att_d").estimate
    np.testing.assert_allclose(att, cfg["moderndid"]["att_d"], atol=TOL)


@pytest.mark.parametrize("cfg", [c for c in CONTINUOUS if c["anticipation"]])
def test_diff_diff_with_anticipation_averages_anticipation_cells_too(cfg: dict) -> None:
    """diff-diff counts cells with g - anticipation <= t < g as post-treatment; R did and
    contdid (and improve) average only t >= g. With diff-diff's rule we match it."""
    from improve.did._continuous_aggregate import combine

    panel = prepare_dose_panel(
        _data(cfg["dataset"]),
        "t",
        outcome="Y",
        dose="D",
        unit="id",
        time="time_period",
        cohort="G",
        cluster=None,
    )
    basis = _basis(panel, "continuous", cfg["degree"], cfg["num_knots"], 5)
    cells, _ = _fit_cells(
        panel,
        basis,
        np.asarray(cfg["dvals"]),
        cfg["control_group"],
        cfg["base_period"],
        cfg["anticipation"],
    )
    post = [c.time >= c.group - cfg["anticipation"] for c in cells]
    size = {c.group: c.n_treated for c, p in zip(cells, post, strict=True) if p}
    count = {
        g: sum(1 for c, p in zip(cells, post, strict=True) if p and c.group == g) for g in size
    }
    w = np.array(
        [
            size[c.group] / sum(size.values()) / count[c.group] if p else 0.0
            for c, p in zip(cells, post, strict=True)
        ]
    )
    ref = cfg["diff_diff"]
    assert combine(cells, w, "att_glob").estimate[0] == pytest.approx(ref["overall_att"], abs=TOL)
    np.testing.assert_allclose(combine(cells, w, "att_d").estimate, ref["att_d"], atol=TOL)
