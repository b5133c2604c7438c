"""Regenerate the reference results for ``improve.did.sunab`` and ``improve.did.bacon``.

Run in the *reference* virtualenv (it needs ``pyfixest`` and ``diff-diff``), never from the
project's own environment::

    /tmp/refvenv/bin/python tests/reference/make_sunab_bacon_references.py

It writes ``sunab_bacon_references.json`` next to this file.

Sun-Abraham (pyfixest 0.60)
---------------------------
pyfixest 0.60 has no ``sunab()`` formula term; its Sun-Abraham estimator is
``pf.event_study(..., estimator="saturated")``, which fits

    y ~ i(rel_time, first_treated_period, ref=-1, ref2=0) | unit + time

with CRV1 standard errors (fixest small-sample defaults: ``G/(G-1) * (N-1)/(N-K)``, fixed
effects nested in the clusters counted once) and aggregates the cohort x relative-period
coefficients per event time with cohort-share weights treated as fixed
(``.aggregate(agg="period")``). The ``base`` case runs exactly that; the other cases call
``pf.feols`` with the same formula (so weights and other clusters can be passed) on the same
``rel_time`` / ``first_treated_period`` columns, built here from the cohort column as fixest's
``sunab(cohort, period)`` does (never treated: cohort 0, ``rel_time = inf``), with the
demeaning tolerance ``fixef_tol=1e-12`` instead of the default 1e-6 (which leaves errors of up
to 4e-9 in the unbalanced panel's SEs: the alternating projections stop early). pyfixest has no
overall ATT for this estimator; the stored ``att`` is fixest's ``summary(agg = "ATT")``
computed from pyfixest's coefficients and covariance: the average of the post-treatment
(``rel_time >= 0``) coefficients weighted by their numbers of observations, SE
``sqrt(w' V w)``.

Cases: ``base`` (mpdta, clustered by county), ``state`` (clustered by
``state = countyreal // 1000``), ``weighted`` (sampling weight
``w = 0.5 + (countyreal % 7) / 6``), ``unbalanced`` (rows with
``(countyreal * 7 + year) % 11 == 0`` dropped), ``lastcohort`` (only the treated counties,
years 2003-2006: no never-treated units, cohort 2007 is the comparison group, coded 0 for
pyfixest), ``schools`` (``improve.demo.schools.simulate_schools(seed=3)``, ``math_ss`` by
``first_grant_year``, clustered by district; rows for 2020 do not exist, so the 2020 cohort
has no ``rel_time = 0`` cell and the 2021 cohort no reference cell: it is left out, as
``improve`` drops it).

Goodman-Bacon (diff-diff 3.13)
------------------------------
``diff_diff.bacon_decompose(..., weights="exact")`` (Goodman-Bacon 2021, Theorem 1 weights)
on ``mpdta`` (``lemp``), ``sim`` (a small simulated staggered panel stored in the JSON, with
never-treated and always-treated units) and ``schools`` (``math_ss`` of
``simulate_schools(seed=3)``). Stored per comparison: treated, control, type, estimate,
weight; plus diff-diff's own TWFE estimate.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import warnings
from pathlib import Path

import diff_diff
import numpy as np
import pandas as pd
import pyfixest as pf

HERE = Path(__file__).resolve().parent
#: pyfixest's default demeaning tolerance (1e-6) moves the SEs on the unbalanced panel by up
#: to 4e-9 (the alternating projections stop early); 1e-12 makes them exact to ~1e-15.
FIXEF_TOL = 1e-12
ROOT = HERE.parents[1]


def load_simulate_schools():
    """``improve.demo.schools.simulate_schools`` without importing the whole package."""
    path = ROOT / "src" / "improve" / "demo" / "schools.py"
    spec = importlib.util.spec_from_file_location("_improve_simulate", path)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module.simulate_schools


def simulated_staggered(seed: int = 20240611) -> pd.DataFrame:
    """90 units x 8 periods: never treated, always treated (cohort 1) and cohorts 3, 5, 7."""
    rng = np.random.default_rng(seed)
    sizes = {0: 25, 1: 10, 3: 20, 5: 20, 7: 15}
    cohort = np.concatenate([np.full(n, g) for g, n in sizes.items()])
    n_units = cohort.size
    periods = np.arange(1, 9)
    alpha = rng.normal(0, 1, n_units)
    gamma = rng.normal(0, 0.5, periods.size).cumsum()
    rows = []
    for i in range(n_units):
        g = cohort[i]
        for j, t in enumerate(periods):
            treated = g > 0 and t >= g
            effect = (0.3 + 0.15 * (t - g) + 0.05 * g) if treated else 0.0
            y = alpha[i] + gamma[j] + effect + rng.normal(0, 0.4)
            rows.append((i + 1, int(t), int(g), round(float(y), 6)))
    return pd.DataFrame(rows, columns=["id", "period", "first_treat", "y"])


# ----------------------------------------------------------------------------- Sun-Abraham


def sunab_columns(df: pd.DataFrame, time: str, cohort: str) -> pd.DataFrame:
    """fixest/pyfixest coding: cohort 0 = never treated with ``rel_time = inf``."""
    out = df.copy()
    g = out[cohort].to_numpy(dtype=float)
    never = g == 0
    out["first_treated_period"] = np.where(never, 0, g).astype(int)
    out["rel_time"] = np.where(never, np.inf, out[time].to_numpy(dtype=float) - g)
    return out


def parse_coefs(fit) -> list[dict]:
    """Cohort x relative-period coefficients with their SEs, from a pyfixest fit."""
    tidy = fit.tidy().reset_index()
    parsed = tidy["Coefficient"].str.extract(r".+::(?P<e>.+):.+::(?P<g>.+)$")
    return [
        {
            "name": name,
            "cohort": float(g),
            "event_time": float(e),
            "estimate": float(b),
            "std_error": float(s),
        }
        for name, g, e, b, s in zip(
            tidy["Coefficient"],
            parsed["g"],
            parsed["e"],
            tidy["Estimate"],
            tidy["Std. Error"],
            strict=True,
        )
    ]


def aggregate_fixed_shares(fit, data: pd.DataFrame, weights: str | None) -> dict:
    """Event-time and overall aggregates with cell-size weights (fixest convention)."""
    coefs = parse_coefs(fit)
    beta = np.asarray(fit.coef(), dtype=float)
    vcov = np.asarray(fit._vcov, dtype=float)
    w = data[weights].to_numpy(dtype=float) if weights else np.ones(len(data))
    size = (
        pd.Series(w)
        .groupby([data["first_treated_period"].to_numpy(), data["rel_time"].to_numpy()])
        .sum()
    )
    n = np.array([size.loc[(int(c["cohort"]), c["event_time"])] for c in coefs])
    e = np.array([c["event_time"] for c in coefs])
    out = {"event_time": [], "estimate": [], "std_error": []}
    for k in sorted(set(e.tolist())):
        r = np.where(e == k, n, 0.0)
        r = r / r.sum()
        out["event_time"].append(float(k))
        out["estimate"].append(float(r @ beta))
        out["std_error"].append(float(np.sqrt(r @ vcov @ r)))
    r = np.where(e >= 0, n, 0.0)
    r = r / r.sum()
    att = {"estimate": float(r @ beta), "std_error": float(np.sqrt(r @ vcov @ r))}
    return {"event": out, "att": att}


def sunab_case(
    df: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    cluster: str,
    weights: str | None = None,
) -> dict:
    data = sunab_columns(df, time, cohort).reset_index(drop=True)
    fml = f"{outcome} ~ i(rel_time, first_treated_period, ref=-1, ref2=0) | {unit} + {time}"
    fit = pf.feols(fml, data=data, vcov={"CRV1": cluster}, weights=weights, fixef_tol=FIXEF_TOL)
    agg = aggregate_fixed_shares(fit, data, weights)
    return {
        "n_obs": int(fit._N),
        "coefficients": parse_coefs(fit),
        "event": agg["event"],
        "att": agg["att"],
    }


def sunab_references(mpdta: pd.DataFrame, schools: pd.DataFrame) -> dict:
    cases: dict[str, dict] = {}
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        # the packaged API, as documented for pyfixest 0.60
        fit = pf.event_study(
            mpdta,
            yname="lemp",
            idname="countyreal",
            tname="year",
            gname="first_treat",
            estimator="saturated",
            cluster="countyreal",
        )
        period = fit.aggregate(agg="period", weighting="shares")
        cases["base"] = sunab_case(
            mpdta,
            outcome="lemp",
            unit="countyreal",
            time="year",
            cohort="first_treat",
            cluster="countyreal",
        )
        same = np.max(
            np.abs(
                np.array([c["estimate"] for c in cases["base"]["coefficients"]])
                - np.asarray(fit.coef(), dtype=float)
            )
        )
        assert same < 1e-12, same
        cases["base"]["pyfixest_period_aggregate"] = {
            "event_time": [float(v) for v in period.index],
            "estimate": [float(v) for v in period["Estimate"]],
            "std_error": [float(v) for v in period["Std. Error"]],
        }

        state = mpdta.assign(state=mpdta["countyreal"] // 1000)
        cases["state"] = sunab_case(
            state,
            outcome="lemp",
            unit="countyreal",
            time="year",
            cohort="first_treat",
            cluster="state",
        )
        weighted = mpdta.assign(w=0.5 + (mpdta["countyreal"] % 7) / 6.0)
        cases["weighted"] = sunab_case(
            weighted,
            outcome="lemp",
            unit="countyreal",
            time="year",
            cohort="first_treat",
            cluster="countyreal",
            weights="w",
        )
        unbalanced = mpdta[~(((mpdta["countyreal"] * 7 + mpdta["year"]) % 11) == 0)]
        cases["unbalanced"] = sunab_case(
            unbalanced,
            outcome="lemp",
            unit="countyreal",
            time="year",
            cohort="first_treat",
            cluster="countyreal",
        )
        last = mpdta[(mpdta["first_treat"] > 0) & (mpdta["year"] < 2007)].copy()
        last["first_treat"] = last["first_treat"].replace(2007, 0)
        cases["lastcohort"] = sunab_case(
            last,
            outcome="lemp",
            unit="countyreal",
            time="year",
            cohort="first_treat",
            cluster="countyreal",
        )
        # cohort 2021's reference period (2020) has no rows: improve drops that cohort with a
        # warning, pyfixest would keep it and drop one of its cells as collinear (the 2024 one),
        # making its coefficients relative to e = 3. The reference leaves the cohort out.
        cases["schools"] = sunab_case(
            schools[schools["first_grant_year"] != 2021],
            outcome="math_ss",
            unit="school_id",
            time="school_year",
            cohort="first_grant_year",
            cluster="district_id",
        )
    return cases


# ----------------------------------------------------------------------------- Bacon


def bacon_case(df: pd.DataFrame, *, outcome: str, unit: str, time: str, cohort: str) -> dict:
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        res = diff_diff.bacon_decompose(
            df, outcome=outcome, unit=unit, time=time, first_treat=cohort, weights="exact"
        )
    comps = [
        {
            "treated": float(c.treated_group),
            "control": "never"
            if c.comparison_type == "treated_vs_never"
            else float(c.control_group),
            "type": c.comparison_type,
            "estimate": float(c.estimate),
            "weight": float(c.weight),
        }
        for c in res.comparisons
    ]
    return {
        "twfe_estimate": float(res.twfe_estimate),
        "n_always_treated_remapped": int(res.n_always_treated_remapped),
        "comparisons": comps,
    }


def main() -> None:
    mpdta = pd.read_csv(HERE / "mpdta.csv")
    schools = load_simulate_schools()(seed=3)
    sim = simulated_staggered()
    out = {
        "generated_by": "tests/reference/make_sunab_bacon_references.py",
        "versions": {
            "pyfixest": pf.__version__,
            "diff_diff": diff_diff.__version__,
            "numpy": np.__version__,
            "pandas": pd.__version__,
        },
        "sim_data": {col: sim[col].tolist() for col in sim.columns},
        "sunab": sunab_references(mpdta, schools),
        "bacon": {
            "mpdta": bacon_case(
                mpdta, outcome="lemp", unit="countyreal", time="year", cohort="first_treat"
            ),
            "sim": bacon_case(sim, outcome="y", unit="id", time="period", cohort="first_treat"),
            "schools": bacon_case(
                schools,
                outcome="math_ss",
                unit="school_id",
                time="school_year",
                cohort="first_grant_year",
            ),
        },
    }
    path = HERE / "sunab_bacon_references.json"
    path.write_text(json.dumps(out, indent=1, sort_keys=False) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
