"""Sun-Abraham event study and Goodman-Bacon decomposition against stored peer results.

References (``tests/reference/sunab_bacon_references.json``, made by
``tests/reference/make_sunab_bacon_references.py``):

* ``sunab``: pyfixest 0.60's saturated event study (``event_study(estimator="saturated")`` /
  ``feols("y ~ i(rel_time, cohort, ref=-1, ref2=0) | unit + time")``), CRV1 SEs with the
  fixest small-sample factor. Coefficients, SEs, event-time aggregates and the overall ATT
  agree to <= 1.6e-13 on every case; the tolerance is 1e-10 (absolute).
* ``bacon``: diff-diff 3.13 ``bacon_decompose(weights="exact")``. 2x2 estimates and weights
  agree to <= 1e-13; tolerance 1e-10. diff-diff puts always-treated units in the never-treated
  bucket, improve reports them as a separate "later vs always treated" comparison: the two are
  the same decomposition (weights add, estimates average by weight), which the ``sim`` case
  checks.
"""

from __future__ import annotations

import json
import warnings
from types import SimpleNamespace

import matplotlib
import numpy as np
import pandas as pd
import pytest

from improve.data.spec import PanelSpec
from improve.demo.schools import simulate_schools
from improve.did.bacon import (
    EARLIER_VS_LATER,
    LATER_VS_ALWAYS,
    LATER_VS_EARLIER,
    TREATED_VS_NEVER,
    bacon,
)
from improve.did.sunab import sunab
from improve.did.twfe import twfe
from improve.errors import EstimationError, SpecError
from improve.report.bacon_figures import plot_bacon
from improve.report.did_figures import plot_event_study

matplotlib.use("Agg")

REF_PATH = __import__("pathlib").Path(__file__).resolve().parents[1] / "reference"
TOL = 1e-10
MPDTA = dict(outcome="lemp", unit="countyreal", time="year", cohort="first_treat")
SCHOOLS = dict(outcome="math_ss", unit="school_id", time="school_year", cohort="first_grant_year")
SIM = dict(outcome="y", unit="id", time="period", cohort="first_treat")


@pytest.fixture(scope="module")
def refs() -> dict:
    return json.loads((REF_PATH / "sunab_bacon_references.json").read_text())


@pytest.fixture(scope="module")
def schools() -> pd.DataFrame:
    return simulate_schools(seed=3)


@pytest.fixture(scope="module")
def sim(refs: dict) -> pd.DataFrame:
    return pd.DataFrame(refs["sim_data"])


def staggered(seed: int, *, noise: float = 0.3, never: int = 15, always: int = 0) -> pd.DataFrame:
    """Small balanced staggered panel with cohort- and exposure-dependent effects."""
    rng = np.random.default_rng(seed)
    groups = [0] * never + [1] * always + [3] * 12 + [4] * 10 + [6] * 14 + [99] * 4
    rows = []
    gamma = rng.normal(0, 1, 8).cumsum()
    for i, g in enumerate(groups):
        a = rng.normal()
        for t in range(1, 9):
            eff = (1.0 + 0.5 * (t - g) + 0.1 * g) if 0 < g <= t else 0.0
            rows.append((i, t, g, a + gamma[t - 1] + eff + noise * rng.normal()))
    return pd.DataFrame(rows, columns=["id", "period", "first_treat", "y"])


# ----------------------------------------------------------------------------- sunab


def sunab_case(name: str, mpdta: pd.DataFrame, schools: pd.DataFrame):
    if name == "base":
        return sunab(mpdta, **MPDTA)
    if name == "state":
        return sunab(mpdta.assign(state=mpdta["countyreal"] // 1000), **MPDTA, cluster="state")
    if name == "weighted":
        w = 0.5 + (mpdta["countyreal"] % 7) / 6.0
        return sunab(mpdta.assign(w=w), **MPDTA, weights="w")
    if name == "unbalanced":
        drop = ((mpdta["countyreal"] * 7 + mpdta["year"]) % 11) == 0
        return sunab(mpdta[~drop], **MPDTA)
    if name == "lastcohort":
        # no never-treated units: cohort 2007 becomes the comparison group, 2007 is dropped
        return sunab(mpdta[mpdta["first_treat"] > 0], **MPDTA)
    if name == "schools":
        with pytest.warns(UserWarning, match="2021"):  # its reference year 2020 has no rows
            return sunab(schools, **SCHOOLS, cluster="district_id")
    raise AssertionError(name)


@pytest.mark.parametrize(
    "name", ["base", "state", "weighted", "unbalanced", "lastcohort", "schools"]
)
def test_sunab_matches_pyfixest(name: str, mpdta, schools, refs) -> None:
    res = sunab_case(name, mpdta, schools)
    ref = refs["sunab"][name]
    assert res.n_obs == ref["n_obs"]
    cells = res.tidy("cohort").set_index(["cohort", "event_time"])
    want = pd.DataFrame(ref["coefficients"]).set_index(["cohort", "event_time"])
    assert len(cells) == len(want)
    got = cells.loc[want.index]
    np.testing.assert_allclose(got["estimate"], want["estimate"], rtol=0, atol=TOL)
    np.testing.assert_allclose(got["std_error"], want["std_error"], rtol=0, atol=TOL)
    ev = res.tidy()
    np.testing.assert_array_equal(ev["event_time"], ref["event"]["event_time"])
    np.testing.assert_allclose(ev["estimate"], ref["event"]["estimate"], rtol=0, atol=TOL)
    np.testing.assert_allclose(ev["std_error"], ref["event"]["std_error"], rtol=0, atol=TOL)
    assert res.overall_estimate == pytest.approx(ref["att"]["estimate"], abs=TOL)
    assert res.overall_std_error == pytest.approx(ref["att"]["std_error"], abs=TOL)


def test_sunab_matches_pyfixest_period_aggregate(mpdta, refs) -> None:
    """pyfixest's own ``.aggregate(agg="period")`` output (not recomputed by the generator)."""
    res = sunab(mpdta, **MPDTA)
    agg = refs["sunab"]["base"]["pyfixest_period_aggregate"]
    np.testing.assert_array_equal(res.event_time, agg["event_time"])
    np.testing.assert_allclose(res.estimate, agg["estimate"], rtol=0, atol=TOL)
    np.testing.assert_allclose(res.std_error, agg["std_error"], rtol=0, atol=TOL)


def test_sunab_tidy_shape_and_plot(mpdta) -> None:
    res = sunab(mpdta, **MPDTA)
    tidy = res.tidy()
    assert list(tidy.columns) == [
        "term",
        "event_time",
        "estimate",
        "std_error",
        "statistic",
        "p_value",
        "conf_low",
        "conf_high",
    ]
    assert tidy["term"].tolist() == ["e=-4", "e=-3", "e=-2", "e=0", "e=1", "e=2", "e=3"]
    assert -1 not in tidy["event_time"].to_numpy()
    assert (tidy["conf_low"] < tidy["estimate"]).all()
    assert (tidy["estimate"] < tidy["conf_high"]).all()
    np.testing.assert_allclose(res.aggregation.sum(axis=1), 1.0)
    overall = res.tidy("overall")
    assert overall["term"].tolist() == ["ATT"]
    assert "Sun-Abraham" in res.summary() and "ATT" in res.summary()
    assert "<table>" in res._repr_html_()
    fig = plot_event_study(tidy, reference_period=-1)
    assert fig.axes and len(fig.axes[0].get_xticks()) == 8
    assert res.plot() is not None
    with pytest.raises(SpecError, match="level"):
        res.tidy("nope")  # type: ignore[arg-type]


def test_sunab_recovers_heterogeneous_dynamic_effects() -> None:
    """Noise-free data with cohort-specific effects: SA is exact, dynamic TWFE is not."""
    df = staggered(1, noise=0.0)
    res = sunab(df, **SIM)
    ev = res.tidy().set_index("event_time")
    cells = res.tidy("cohort")
    truth = np.where(
        cells["event_time"] >= 0, 1.0 + 0.5 * cells["event_time"] + 0.1 * cells["cohort"], 0.0
    )
    np.testing.assert_allclose(cells["estimate"], truth, atol=1e-9)
    # event-time truth: cohort-share-weighted average of the cell truths
    for e, row in ev.iterrows():
        m = (cells["event_time"] == e).to_numpy()
        w = res.cell_size[m] / res.cell_size[m].sum()
        assert row["estimate"] == pytest.approx(float(w @ truth[m]), abs=1e-9)
    # cohort 99 starts after the panel: never treated here, and for TWFE too
    dyn = twfe(df.replace({"first_treat": {99: 0}}), **SIM, dynamic=True)
    dyn = dyn.tidy().set_index("event_time")
    assert np.max(np.abs(dyn.loc[ev.index, "estimate"] - ev["estimate"])) > 0.05


def test_sunab_panel_input_and_binning(mpdta) -> None:
    spec = PanelSpec(unit="countyreal", time="year", cohort="first_treat", outcomes=("lemp",))
    panel = SimpleNamespace(data=mpdta, spec=spec)
    a = sunab(panel)
    b = sunab(mpdta, **MPDTA)
    np.testing.assert_array_equal(a.estimate, b.estimate)
    binned = sunab(mpdta, **MPDTA, min_e=-2, max_e=1)
    assert binned.event_time.tolist() == [-2, 0, 1]
    # the e=1 bin of cohort 2004 pools its e=1..3 rows: 3 years x 20 counties
    cells = binned.tidy("cohort").set_index(["cohort", "event_time"])
    assert cells.loc[(2004.0, 1.0), "cell_size"] == 60


def test_sunab_always_treated_dropped_with_warning() -> None:
    df = staggered(2, always=5)
    with pytest.warns(UserWarning, match="first period"):
        res = sunab(df, **SIM)
    assert res.n_units == df["id"].nunique() - 5
    assert res.dropped


def test_sunab_errors(mpdta) -> None:
    with pytest.raises(EstimationError, match="no treated"):
        sunab(mpdta.assign(first_treat=0), **MPDTA)
    with pytest.raises(SpecError, match="share a"):
        sunab(pd.concat([mpdta, mpdta.head(3)]), **MPDTA)
    with pytest.raises(SpecError, match="not found"):
        sunab(mpdta, "nope", unit="countyreal", time="year", cohort="first_treat")
    with pytest.raises(SpecError, match="cohort"):
        sunab(mpdta, "lemp", unit="countyreal", time="year")
    with pytest.raises(EstimationError, match="comparison group"):
        sunab(mpdta[mpdta["first_treat"] == 2004], **MPDTA)
    with pytest.raises(SpecError, match="min_e"):
        sunab(mpdta, **MPDTA, min_e=1, max_e=3)


# ----------------------------------------------------------------------------- bacon


DD_TYPE = {
    "treated_vs_never": TREATED_VS_NEVER,
    "earlier_vs_later": EARLIER_VS_LATER,
    "later_vs_earlier": LATER_VS_EARLIER,
}


def _bacon_data(name: str, mpdta, schools, sim) -> tuple[pd.DataFrame, dict]:
    return {
        "mpdta": (mpdta, MPDTA),
        "sim": (sim, SIM),
        "schools": (schools, SCHOOLS),
        "staggered": (staggered(3), SIM),
        "staggered_always_no_never": (staggered(4, never=0, always=6), SIM),
        "staggered_no_never": (staggered(5, never=0), SIM),
    }[name]


@pytest.mark.parametrize(
    "name",
    ["mpdta", "sim", "schools", "staggered", "staggered_always_no_never", "staggered_no_never"],
)
def test_bacon_weighted_sum_equals_twfe(name: str, mpdta, schools, sim) -> None:
    df, kw = _bacon_data(name, mpdta, schools, sim)
    res = bacon(df, **kw)
    coef = twfe(df, **kw).estimate[0]
    assert res.weighted_sum == pytest.approx(coef, abs=1e-10)
    assert res.twfe_estimate == pytest.approx(coef, abs=1e-10)
    assert res.weight.sum() == pytest.approx(1.0, abs=1e-12)
    assert (res.weight > 0).all()
    by = res.by_type()
    assert by["weight"].sum() == pytest.approx(1.0, abs=1e-12)
    assert by["contribution"].sum() == pytest.approx(coef, abs=1e-10)


def _keyed(res) -> pd.DataFrame:
    tidy = res.tidy()
    tidy["t"] = res.treated_cohort
    tidy["c"] = res.control_cohort
    return tidy


@pytest.mark.parametrize("name", ["mpdta", "schools"])
def test_bacon_matches_diff_diff(name: str, mpdta, schools, sim, refs) -> None:
    df, kw = _bacon_data(name, mpdta, schools, sim)
    res = bacon(df, **kw)
    ref = refs["bacon"][name]
    assert res.twfe_estimate == pytest.approx(ref["twfe_estimate"], abs=TOL)
    tidy = _keyed(res)
    assert len(tidy) == len(ref["comparisons"])
    for comp in ref["comparisons"]:
        ctrl = np.isnan(tidy["c"]) if comp["control"] == "never" else tidy["c"] == comp["control"]
        row = tidy[(tidy["t"] == comp["treated"]) & ctrl]
        assert len(row) == 1, comp
        assert row["type"].iloc[0] == DD_TYPE[comp["type"]]
        assert row["estimate"].iloc[0] == pytest.approx(comp["estimate"], abs=TOL)
        assert row["weight"].iloc[0] == pytest.approx(comp["weight"], abs=TOL)


def test_bacon_matches_diff_diff_with_always_treated(sim, refs) -> None:
    """diff-diff pools always-treated with never-treated units; pooling ours gives its rows."""
    res = bacon(sim, **SIM)
    ref = refs["bacon"]["sim"]
    assert ref["n_always_treated_remapped"] == 10
    tidy = _keyed(res)
    assert set(tidy["type"]) == {
        TREATED_VS_NEVER,
        EARLIER_VS_LATER,
        LATER_VS_EARLIER,
        LATER_VS_ALWAYS,
    }
    for comp in ref["comparisons"]:
        if comp["type"] == "treated_vs_never":
            rows = tidy[
                (tidy["t"] == comp["treated"])
                & tidy["type"].isin([TREATED_VS_NEVER, LATER_VS_ALWAYS])
            ]
            assert len(rows) == 2
        else:
            rows = tidy[(tidy["t"] == comp["treated"]) & (tidy["c"] == comp["control"])]
            assert len(rows) == 1
        w = rows["weight"].sum()
        assert w == pytest.approx(comp["weight"], abs=TOL)
        assert float(rows["weight"] @ rows["estimate"]) / w == pytest.approx(
            comp["estimate"], abs=TOL
        )


def test_bacon_types_and_forbidden_sign() -> None:
    """Growing effects: the later-vs-earlier 2x2s are pulled down (Goodman-Bacon's point)."""
    res = bacon(staggered(6, noise=0.0), **SIM)
    by = res.by_type().set_index("type")
    assert by.loc[LATER_VS_EARLIER, "estimate"] < by.loc[EARLIER_VS_LATER, "estimate"]
    assert by.loc[LATER_VS_EARLIER, "estimate"] < by.loc[TREATED_VS_NEVER, "estimate"]
    text = res.summary()
    for kind in (TREATED_VS_NEVER, EARLIER_VS_LATER, LATER_VS_EARLIER):
        assert kind in text
    assert "<table>" in res._repr_html_()


def test_bacon_schools_same_observed_start_is_skipped(schools) -> None:
    res = bacon(schools, **SCHOOLS)
    pairs = set(zip(res.treated, res.control, strict=True))
    assert ("2021", "2020") not in pairs and ("2020", "2021") not in pairs
    assert any("2020 and 2021" in n for n in res.notes)


def test_bacon_errors(mpdta) -> None:
    with pytest.raises(EstimationError, match="balanced"):
        bacon(mpdta.iloc[1:], **MPDTA)
    with pytest.raises(EstimationError, match="balanced"):
        bacon(mpdta.assign(lemp=mpdta["lemp"].where(mpdta.index != 7)), **MPDTA)
    with pytest.raises(EstimationError, match="does not vary"):
        bacon(mpdta.assign(first_treat=0), **MPDTA)
    changing = mpdta.copy()
    changing.loc[0, "first_treat"] = 2005
    with pytest.raises(EstimationError, match="changes within"):
        bacon(changing, **MPDTA)
    with pytest.raises(SpecError, match="outcome"):
        bacon(mpdta, unit="countyreal", time="year", cohort="first_treat")


def test_plot_bacon(mpdta) -> None:
    res = bacon(mpdta, **MPDTA)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = plot_bacon(res.tidy(), twfe_estimate=res.twfe_estimate, outcome_label="Log teen emp.")
    ax = fig.axes[0]
    assert len(ax.collections) == 3  # one scatter per comparison type
    ys = [line.get_ydata()[0] for line in ax.get_lines()]
    assert any(y == pytest.approx(res.twfe_estimate) for y in ys)
    assert ax.get_xlabel() and ax.get_ylabel() == "Log teen emp."
    assert res.plot() is not None
