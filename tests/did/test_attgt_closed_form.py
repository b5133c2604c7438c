"""The closed-form cells of unbalanced panels and repeated cross-sections without covariates
(cohort x period sums, :mod:`improve.did._cell_sums`) equal the row-level estimator.

``estimate_cells(..., closed_form=False)`` runs the row-level 2x2 estimator of every cell
(``unconditional_rc``, influence functions summed within unit), the path validated against
R ``did``, moderndid and diff-diff. Every result of ``att_gt`` and ``aggregate`` -- estimates,
influence functions, standard errors (unit-level, clustered, CR2), counts, failed and small
cells, warnings -- must agree to 1e-12 on random unbalanced panels with units seen once,
gaps, weights, clusters that change within unit, and on repeated cross-sections.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pandas as pd
import pytest

from improve.did import aggregate, att_gt
from improve.did import attgt as attgt_module
from improve.did._cells import estimate_cells

TOL = 1e-12


def _unbalanced(seed: int, n_units: int = 400, n_periods: int = 7) -> pd.DataFrame:
    """Random unbalanced panel: units seen in one period only, gaps, weights constant within
    unit, a cluster that changes for some units, string ids, unequal cohort sizes."""
    rng = np.random.default_rng(seed)
    cohorts = np.array([0, 0, 3, 4, 6, 9])  # 9 > last period: never treated
    g = rng.choice(cohorts, size=n_units, p=[0.3, 0.1, 0.2, 0.2, 0.15, 0.05])
    seen = rng.random((n_units, n_periods)) < rng.uniform(0.2, 0.95, size=(n_units, 1))
    single = rng.random(n_units) < 0.15  # units observed once
    one = rng.integers(0, n_periods, size=n_units)
    seen[single] = False
    seen[single, one[single]] = True
    seen[~seen.any(axis=1), 0] = True
    unit, per = np.nonzero(seen)
    t = per + 1
    district = rng.integers(0, 12, size=n_units)
    cl = district[unit].copy()
    moves = rng.random(unit.size) < 0.05  # cluster changes within unit
    cl[moves] = rng.integers(0, 12, size=int(moves.sum()))
    gg = g[unit]
    tau = np.where((gg > 0) & (t >= gg), 1.0 + 0.3 * (t - gg), 0.0)
    y = rng.normal(size=n_units)[unit] + 0.2 * t + tau + rng.normal(size=unit.size)
    return pd.DataFrame(
        {
            "id": np.char.add("s", unit.astype(str)),
            "t": t,
            "g": gg,
            "y": y,
            "w": rng.uniform(0.5, 2.0, size=n_units)[unit],
            "district": np.char.add("d", cl.astype(str)),
        }
    ).sample(frac=1.0, random_state=seed)  # rows in no particular order


def _both(monkeypatch: pytest.MonkeyPatch, data: pd.DataFrame, **kwargs: object):
    """(closed form, row level) results of att_gt with the same arguments, plus warnings."""
    out = []
    for closed in (True, False):
        with monkeypatch.context() as m:
            m.setattr(
                attgt_module,
                "estimate_cells",
                functools.partial(estimate_cells, closed_form=closed),
            )
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                res = att_gt(data, "y", time="t", cohort="g", **kwargs)
        out.append((res, sorted(str(w.message) for w in caught)))
    return out


def _close(a: np.ndarray, b: np.ndarray) -> None:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape
    fin = np.isfinite(b)
    assert np.array_equal(np.isfinite(a), fin)
    assert np.array_equal(a[~fin], b[~fin], equal_nan=True)  # NaN and inf where the other has
    scale = max(1.0, float(np.abs(b[fin]).max()) if fin.any() else 1.0)
    assert np.max(np.abs(a[fin] - b[fin]), initial=0.0) <= TOL * scale


def _same(new, old) -> None:
    (rn, wn), (ro, wo) = new, old
    assert wn == wo
    for name in ("estimate", "std_error", "inf_func", "vcov", "df"):
        _close(getattr(rn, name), getattr(ro, name))
    for name in ("n_treated", "n_control", "groups", "times"):
        assert np.array_equal(getattr(rn, name), getattr(ro, name))
    assert rn.small_cells == ro.small_cells
    assert rn.failed_cells == ro.failed_cells
    assert (rn.pretrend_stat is None) == (ro.pretrend_stat is None)
    if ro.pretrend_stat is not None:
        assert abs(rn.pretrend_stat - ro.pretrend_stat) <= 1e-9 * max(1.0, ro.pretrend_stat)
    if ro.cr2 is not None:
        for name in ("correction", "share_treated", "share_control"):
            _close(getattr(rn.cr2, name), getattr(ro.cr2, name))
    for kind in ("simple", "dynamic", "group", "calendar"):
        an, ao = aggregate(rn, kind, na_rm=True), aggregate(ro, kind, na_rm=True)
        cols = ["estimate", "std_error"]
        _close(an.tidy()[cols].to_numpy(), ao.tidy()[cols].to_numpy())


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("control_group", ["nevertreated", "notyettreated"])
def test_unbalanced_panel_closed_form_equals_row_level(
    monkeypatch: pytest.MonkeyPatch, seed: int, control_group: str
) -> None:
    df = _unbalanced(seed)
    rng = np.random.default_rng(100 + seed)
    opts = {
        "est_method": ["reg", "dr", "ipw"][seed % 3],
        "base_period": ["varying", "universal"][seed % 2],
        "anticipation": int(rng.integers(0, 2)),
        "weights": "w" if seed % 2 else None,
        "cluster": "district" if seed % 3 != 1 else None,
    }
    new, old = _both(
        monkeypatch,
        df,
        unit="id",
        control_group=control_group,
        allow_unbalanced_panel=True,
        **opts,
    )
    assert new[0].unbalanced
    _same(new, old)


@pytest.mark.parametrize("seed", range(3))
def test_repeated_cross_sections_closed_form_equals_row_level(
    monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    df = _unbalanced(seed, n_units=250)
    new, old = _both(
        monkeypatch,
        df,
        panel=False,
        control_group="notyettreated",
        est_method=["dr", "reg", "ipw"][seed],
        weights="w",
        cluster="district" if seed != 2 else None,
    )
    _same(new, old)


def test_failed_cells_have_the_same_reasons(monkeypatch: pytest.MonkeyPatch) -> None:
    """A cohort missing from the base period and a comparison group that disappears."""
    df = _unbalanced(3, n_units=300)
    df = df[~((df["g"] == 4) & (df["t"] == 2))]
    df = df[~((df["g"].isin([0, 9])) & (df["t"] == 6))]
    new, old = _both(
        monkeypatch, df, unit="id", allow_unbalanced_panel=True, control_group="nevertreated"
    )
    assert new[0].failed_cells
    _same(new, old)


def test_student_panel_closed_form_equals_row_level(monkeypatch: pytest.MonkeyPatch) -> None:
    """The project's student generator: students in one to three tested grades, gap years,
    school (and district) changes; cohort of the first observed year."""
    from improve.demo.schools import simulate_schools, simulate_students

    stu = simulate_students(simulate_schools(), n_rows=30_000, seed=7)
    stu["g"] = stu.groupby("student_id", sort=False)["first_grant_year"].transform("first")
    df = stu.rename(columns={"school_year": "t", "math_ss": "y"})
    assert (df.groupby("student_id")["district_id"].nunique() > 1).any()
    assert (df.groupby("student_id")["t"].size() == 1).any()
    new, old = _both(
        monkeypatch,
        df,
        unit="student_id",
        control_group="notyettreated",
        est_method="reg",
        allow_unbalanced_panel=True,
        cluster="district_id",
    )
    _same(new, old)
