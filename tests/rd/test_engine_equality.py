"""improve.rd equals rdrobust / rddensity called directly with the same options.

The wrapper must hand every option to the engine unchanged: for each combination below the
wrapper's numbers (estimates, standard errors, intervals, p-values, bandwidths, effective
observations) equal a direct call, on rdrobust's bundled U.S. Senate data (Cattaneo,
Frandsen & Titiunik 2015; read from the installed package) and on the demo data. Nothing
here is a stored number: every comparison is against a direct call made in the test.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rddensity import rddensity
from rdrobust import rdrobust, rdrobust_RDsenate

from improve.rd import density_test, rd_estimate

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "demo_rd"
RTOL = 1e-10


@pytest.fixture(scope="module")
def senate() -> pd.DataFrame:
    data = rdrobust_RDsenate()
    # A fuzzy treatment for tests: the winning side, switched in every fifth election year.
    won = (data["margin"] >= 0).astype(float)
    switched = (data["year"] // 2) % 5 == 0
    data["fuzzy_t"] = np.where(switched & (data["margin"].abs() < 30), 1 - won, won)
    return data


@pytest.fixture(scope="module")
def schools() -> pd.DataFrame:
    return pd.read_csv(DEMO / "schools.csv")


@pytest.fixture(scope="module")
def grants() -> pd.DataFrame:
    return pd.read_csv(DEMO / "grants.csv")


def _direct(
    data: pd.DataFrame,
    y: str,
    x: str,
    c: float,
    fuzzy=None,
    covs=None,
    cluster=None,
    level=95,
    **options,
):
    used = [y, x, *(covs or []), *([fuzzy] if fuzzy else []), *([cluster] if cluster else [])]
    d = data.dropna(subset=used)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return rdrobust(
            d[y],
            d[x],
            c=c,
            fuzzy=d[fuzzy] if fuzzy else None,
            covs=d[covs] if covs else None,
            cluster=d[cluster] if cluster else None,
            level=level,
            **options,
        )


def _assert_same(ours, direct) -> None:
    np.testing.assert_allclose(ours.coef, direct.coef.iloc[:, 0], rtol=RTOL)
    np.testing.assert_allclose(ours.std_error, direct.se.iloc[:, 0], rtol=RTOL)
    np.testing.assert_allclose(ours.p_value, direct.pv.iloc[:, 0], rtol=1e-8, atol=1e-300)
    np.testing.assert_allclose(ours.conf_low, direct.ci.iloc[:, 0], rtol=RTOL)
    np.testing.assert_allclose(ours.conf_high, direct.ci.iloc[:, 1], rtol=RTOL)
    np.testing.assert_allclose(ours.bandwidths.to_numpy(), direct.bws.to_numpy(float), rtol=RTOL)
    assert ours.n_effective == tuple(int(v) for v in direct.N_h)
    tidy = ours.tidy()
    np.testing.assert_allclose(tidy["estimate"], direct.coef.iloc[:, 0], rtol=RTOL)
    np.testing.assert_allclose(tidy["conf_low"], direct.ci.iloc[:, 0], rtol=RTOL)
    if direct.tau_T is not None:
        np.testing.assert_allclose(ours.first_stage["estimate"], direct.tau_T.iloc[:, 0], rtol=RTOL)
        np.testing.assert_allclose(ours.first_stage["std_error"], direct.se_T.iloc[:, 0], rtol=RTOL)


SENATE_OPTIONS = [
    {},
    *(
        {"bwselect": b}
        for b in (
            "mserd",
            "msetwo",
            "msesum",
            "msecomb1",
            "msecomb2",
            "cerrd",
            "certwo",
            "cersum",
            "cercomb1",
            "cercomb2",
        )
    ),
    *({"kernel": k} for k in ("triangular", "epanechnikov", "uniform")),
    {"p": 2},
    {"p": 2, "q": 4, "kernel": "uniform"},
    *({"vce": v} for v in ("nn", "hc0", "hc1", "hc2", "hc3")),
    {"vce": "nn", "nnmatch": 5},
    {"h": 15.0},
    {"h": [12.0, 18.0], "b": [20.0, 25.0]},
    {"h": 15.0, "rho": 0.5},
    {"masspoints": "off"},
    {"bwrestrict": False, "scaleregul": 0},
    {"deriv": 1, "p": 2},
    {"level": 90},
    {"cluster": "state"},
    {"cluster": "state", "vce": "cr2"},
    {"cluster": "state", "vce": "cr3", "bwselect": "certwo"},
    {"covs": ["presdemvoteshlag1", "demvoteshlag1"]},
    {"covs": ["presdemvoteshlag1", "dopen"], "cluster": "state", "p": 2},
    {"fuzzy": "fuzzy_t"},
    {"fuzzy": "fuzzy_t", "kernel": "uniform", "vce": "hc2"},
    {"fuzzy": "fuzzy_t", "covs": ["presdemvoteshlag1"], "cluster": "state"},
    {"fuzzy": "fuzzy_t", "bwselect": "msetwo", "p": 2},
]


def _call_both(data, y, x, c, options):
    options = dict(options)
    level = options.pop("level", 95)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = rd_estimate(data, y, x, c, confidence_level=level / 100, **options)
    return ours, _direct(data, y, x, c, level=level, **options)


@pytest.mark.parametrize("options", SENATE_OPTIONS, ids=str)
def test_senate_equals_rdrobust(senate, options):
    ours, direct = _call_both(senate, "vote", "margin", 0.0, options)
    _assert_same(ours, direct)
    assert ours.options == {
        k: v for k, v in options.items() if k not in ("fuzzy", "covs", "cluster", "level")
    }


DEMO_OPTIONS = [
    {},
    {"cluster": "district_id"},
    {"covs": ["prior_math", "pct_frl"], "cluster": "district_id"},
    {"kernel": "epanechnikov", "bwselect": "cerrd", "p": 2},
    {"masspoints": "check", "vce": "hc3"},
]


@pytest.mark.parametrize("options", DEMO_OPTIONS, ids=str)
def test_demo_schools_equal_rdrobust(schools, options):
    ours, direct = _call_both(schools, "math_score", "k5_enrollment", 800.0, options)
    _assert_same(ours, direct)


@pytest.mark.parametrize("line", [68.0, 70.0, 72.0])
@pytest.mark.parametrize(
    "options", [{}, {"covs": ["prior_growth"], "cluster": "district_id"}], ids=str
)
def test_demo_grants_fuzzy_equals_rdrobust(grants, line, options):
    part = grants.loc[grants["funding_line"] == line]
    ours, direct = _call_both(
        part, "math_growth", "application_score", line, {"fuzzy": "received_grant", **options}
    )
    _assert_same(ours, direct)


DENSITY_OPTIONS = [
    {},
    {"p": 1},
    {"p": 3, "q": 4},
    {"kernel": "uniform"},
    {"kernel": "epanechnikov"},
    {"vce": "plugin"},
    {"fitselect": "restricted"},
    *({"bwselect": b} for b in ("each", "diff", "sum", "comb")),
    {"h": [15.0, 20.0]},
    {"massPoints": False},
]


@pytest.mark.parametrize("options", DENSITY_OPTIONS, ids=str)
def test_senate_density_equals_rddensity(senate, options):
    ours = density_test(senate, "margin", 0.0, **options)
    x = senate["margin"].dropna().to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        direct = rddensity(x, c=0.0, **options)
    key = "jk" if direct.vce == "jackknife" else "asy"
    assert ours.statistic == pytest.approx(float(direct.test[f"t_{key}"]), rel=RTOL)
    assert ours.p_value == pytest.approx(float(direct.test[f"p_{key}"]), rel=RTOL)
    assert ours.estimate == pytest.approx(float(direct.hat["diff"]), rel=RTOL)
    assert ours.h == pytest.approx((float(direct.h["left"]), float(direct.h["right"])), rel=RTOL)


def test_demo_density_equals_rddensity(schools):
    ours = density_test(schools, "k5_enrollment", 800.0)
    direct = rddensity(schools["k5_enrollment"].to_numpy(float), c=800.0)
    assert ours.p_value == pytest.approx(float(direct.test["p_jk"]), rel=RTOL)
    assert ours.statistic == pytest.approx(float(direct.test["t_jk"]), rel=RTOL)


@pytest.mark.parametrize(
    "options",
    [{"wl": -0.75, "wr": 0.75}, {"wl": -2.0, "wr": 2.0, "statistic": "ksmirnov"}],
    ids=str,
)
def test_senate_local_randomisation_equals_rdrandinf(senate, options):
    import contextlib
    import io

    from rdlocrand import rdrandinf

    from improve.rd import local_randomization

    ours = local_randomization(senate, "vote", "margin", 0.0, reps=200, **options)
    d = senate.dropna(subset=["vote", "margin"])
    with contextlib.redirect_stdout(io.StringIO()):
        direct = rdrandinf(
            d["vote"].to_numpy(),
            d["margin"].to_numpy(),
            cutoff=0.0,
            reps=200,
            seed=666,
            quietly=True,
            **options,
        )
    assert ours.estimate == pytest.approx(float(np.ravel(direct["obs.stat"])[0]), rel=RTOL)
    assert ours.p_value == pytest.approx(float(np.ravel(direct["p.value"])[0]), rel=RTOL)
