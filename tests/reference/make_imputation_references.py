"""Regenerate the peer references for ``improve.did.imputation`` and ``improve.did.two_stage``.

Run in the *reference* virtualenv (it needs ``diff-diff`` and ``pyfixest``), never from the
project's own environment::

    /tmp/refvenv/bin/python tests/reference/make_imputation_references.py

It writes ``imputation_references.json`` next to this file. Peers (neither shares code with
``improve``):

* ``diff_diff.ImputationDiD`` (3.13) -- BJS imputation, Theorem-3 conservative SEs with the
  default cohort x horizon auxiliary partition (R ``didimputation`` parity), no leave-one-out.
  Overall ATT and ``aggregate("event_study")``.
* ``diff_diff.TwoStageDiD`` (3.13) -- Gardner two-stage, GMM sandwich SEs. Overall ATT and
  event study.
* ``diff_diff.ImputationDiD`` with ``survey_design=SurveyDesign(weights="w", psu=unit)``
  for sampling weights (its only weighted path). Its SE is the Taylor-linearised survey
  variance of the same per-unit scores: ``n/(n-1) * sum_c (s_c - mean(s))^2``; the raw
  numbers are stored and the test applies that conversion to ``EventStudyResult.scores``.
* ``pyfixest.did2s`` (0.60) -- port of R ``did2s``: static (``~ treat``) and event study
  (``~ i(rel_year, ref=-1.0)``, never-treated rows coded ``rel_year = -1`` so they carry no
  indicator, exactly as ``ref=c(-1, Inf)`` in R).
* ``pyfixest.feols`` on the untreated observations -- BJS Test 1 (pre-trend leads
  ``-k..-1`` with unit and year effects), CRV1 clustered by unit with fixest's default
  small-sample correction, singletons kept (``fixef_rm="none"``).

pyfixest's ``feols`` drops singleton fixed effects by default, which breaks ``did2s`` on
mpdta (see ``_patch_did2s_singletons``); the script keeps them, as R ``fixest``/``did2s``.

Data (stored in the JSON so the tests never depend on a random-number stream):

* ``mpdta.csv`` (R ``did``), cluster ``state = countyreal // 1000`` (the county FIPS code's
  state part) and weights ``w = 0.5 + (countyreal % 7) / 6`` -- the rules are repeated in the
  tests.
* ``sim``: a simulated staggered panel (seed 20240601): 240 units, periods 1..10, cohorts
  {0, 3, 5, 7} (never-treated included), unit and period effects, effects that grow with
  exposure and differ by cohort, about 4% of rows dropped (unbalanced), 24 clusters.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent


def simulate(seed: int = 20240601) -> pd.DataFrame:
    """Unbalanced staggered panel with heterogeneous, dynamic effects."""
    rng = np.random.default_rng(seed)
    n_units, periods = 240, np.arange(1, 11)
    cohorts = rng.choice([0, 3, 5, 7], size=n_units, p=[0.3, 0.25, 0.25, 0.2])
    alpha = rng.normal(0, 1, n_units)
    lam = np.cumsum(rng.normal(0.1, 0.2, periods.size))
    rows = []
    for i in range(n_units):
        g = cohorts[i]
        for t in periods:
            e = t - g
            effect = 0.0
            if g > 0 and e >= 0:
                effect = (0.5 + 0.2 * e) * (1.0 + 0.3 * (g == 3)) + rng.normal(0, 0.1)
            y = alpha[i] + lam[t - 1] + effect + rng.normal(0, 0.5)
            rows.append((i + 1, int(t), int(g), (i % 24) + 1, float(np.round(y, 6))))
    df = pd.DataFrame(rows, columns=["id", "period", "cohort", "cl", "y"])
    keep = rng.random(len(df)) > 0.04
    return df[keep].reset_index(drop=True)


def mpdta() -> pd.DataFrame:
    df = pd.read_csv(HERE / "mpdta.csv")
    df["state"] = df["countyreal"] // 1000
    df["w"] = 0.5 + (df["countyreal"] % 7) / 6.0
    return df


def _es(res) -> dict:
    es = res.aggregate("event_study")
    keep = ~np.asarray(es.is_reference)
    return {
        "event_time": [int(v) for v in np.asarray(es.event_time)[keep]],
        "att": [float(v) for v in np.asarray(es.att)[keep]],
        "se": [float(v) for v in np.asarray(es.se)[keep]],
    }


def run_diff_diff(df: pd.DataFrame, cols: dict, cluster: str | None) -> dict:
    from diff_diff import ImputationDiD, TwoStageDiD

    out = {}
    for name, cls in (("imputation", ImputationDiD), ("two_stage", TwoStageDiD)):
        res = cls(cluster=cluster).fit(
            df,
            outcome=cols["y"],
            unit=cols["unit"],
            time=cols["time"],
            first_treat=cols["cohort"],
        )
        out[name] = {"overall": [float(res.overall_att), float(res.overall_se)], **_es(res)}
    return out


def _patch_did2s_singletons() -> None:
    """Make ``pf.did2s``'s first stage keep singleton fixed effects (as R ``did2s``/fixest).

    pyfixest's ``feols`` drops singleton fixed-effect levels by default; in the untreated
    sample of mpdta the 2004 cohort has a single untreated year, so did2s cannot predict
    their unit effect and its vcov step fails on mismatched lengths. A singleton's unit
    effect only fits its own row, so keeping it changes no estimate (R fixest keeps it).
    The demeaning tolerance (1e-6 -> 1e-12) and the LSQR tolerances of ``Feols.fixef``
    (1e-6 -> 1e-13), which recover the unit and year effects did2s predicts with, are also
    tightened: with the defaults the unbalanced simulated panel and the weighted mpdta
    case carry errors of about 5e-6 in the estimates.
    """
    import functools
    import importlib
    import sys

    importlib.import_module("pyfixest.did.did2s")
    d2 = sys.modules["pyfixest.did.did2s"]  # the package re-exports a function of that name

    if not isinstance(d2.feols, functools.partial):
        d2.feols = functools.partial(d2.feols, fixef_rm="none", fixef_tol=1e-12)
        from pyfixest.estimation.models.feols_ import Feols

        lsqr_fixef = Feols.fixef

        def tight_fixef(self, atol: float = 1e-13, btol: float = 1e-13):
            return lsqr_fixef(self, atol=atol, btol=btol)

        Feols.fixef = tight_fixef


def run_diff_diff_weighted(df: pd.DataFrame, cols: dict, weights: str) -> dict:
    """ImputationDiD with sampling weights, via its survey module (pweights, PSU = unit)."""
    from diff_diff import ImputationDiD
    from diff_diff.survey import SurveyDesign

    res = ImputationDiD().fit(
        df,
        outcome=cols["y"],
        unit=cols["unit"],
        time=cols["time"],
        first_treat=cols["cohort"],
        survey_design=SurveyDesign(weights=weights, psu=cols["unit"]),
    )
    return {"overall": [float(res.overall_att), float(res.overall_se)], **_es(res)}


def run_pyfixest(df: pd.DataFrame, cols: dict, cluster: str, weights: str | None) -> dict:
    import pyfixest as pf

    _patch_did2s_singletons()

    d = df.copy()
    g, t = d[cols["cohort"]], d[cols["time"]]
    d["treat"] = ((g > 0) & (t >= g)).astype(int)
    d["rel_year"] = np.where(g > 0, t - g, -1).astype(float)
    fs = f"~ 0 | {cols['unit']} + {cols['time']}"
    static = pf.did2s(
        d,
        yname=cols["y"],
        first_stage=fs,
        second_stage="~ treat",
        treatment="treat",
        cluster=cluster,
        weights=weights,
    )
    dyn = pf.did2s(
        d,
        yname=cols["y"],
        first_stage=fs,
        second_stage="~ i(rel_year, ref=-1.0)",
        treatment="treat",
        cluster=cluster,
        weights=weights,
    )
    td = dyn.tidy()
    ev = [float(str(n).split("::")[1].rstrip("]").rstrip(")")) for n in td.index]
    return {
        "static": [float(static.coef().iloc[0]), float(static.se().iloc[0])],
        "event_time": [int(v) for v in ev],
        "att": [float(v) for v in td["Estimate"]],
        "se": [float(v) for v in td["Std. Error"]],
    }


def run_pretrends(df: pd.DataFrame, cols: dict, k: int) -> dict:
    import pyfixest as pf

    g, t = df[cols["cohort"]], df[cols["time"]]
    d = df[~((g > 0) & (t >= g))].copy()
    e = np.where(d[cols["cohort"]] > 0, d[cols["time"]] - d[cols["cohort"]], 99)
    names = []
    for lead in range(-k, 0):
        name = f"lead{-lead}"
        d[name] = (e == lead).astype(float)
        names.append(name)
    fit = pf.feols(
        f"{cols['y']} ~ {' + '.join(names)} | {cols['unit']} + {cols['time']}",
        data=d,
        vcov={"CRV1": cols["unit"]},
        fixef_rm="none",
        fixef_tol=1e-12,
    )
    return {
        "event_time": list(range(-k, 0)),
        "att": [float(v) for v in fit.coef()[names]],
        "se": [float(v) for v in fit.se()[names]],
    }


def main() -> None:
    warnings.simplefilter("ignore")
    import diff_diff
    import pyfixest

    m = mpdta()
    sim = simulate()
    mcols = {"y": "lemp", "unit": "countyreal", "time": "year", "cohort": "first_treat"}
    scols = {"y": "y", "unit": "id", "time": "period", "cohort": "cohort"}
    out = {
        "versions": {"diff_diff": diff_diff.__version__, "pyfixest": pyfixest.__version__},
        "sim_data": {c: sim[c].tolist() for c in sim.columns},
        "cases": {
            "mpdta": {
                "diff_diff": run_diff_diff(m, mcols, None),
                "pyfixest": run_pyfixest(m, mcols, "countyreal", None),
                "pretrends3": run_pretrends(m, mcols, 3),
            },
            "mpdta_state": {
                "diff_diff": run_diff_diff(m, mcols, "state"),
                "pyfixest": run_pyfixest(m, mcols, "state", None),
            },
            "mpdta_weighted": {
                "pyfixest": run_pyfixest(m, mcols, "countyreal", "w"),
                "diff_diff_survey": run_diff_diff_weighted(m, mcols, "w"),
            },
            "sim": {
                "diff_diff": run_diff_diff(sim, scols, None),
                "pyfixest": run_pyfixest(sim, scols, "id", None),
                "pretrends3": run_pretrends(sim, scols, 3),
            },
            "sim_cl": {
                "diff_diff": run_diff_diff(sim, scols, "cl"),
                "pyfixest": run_pyfixest(sim, scols, "cl", None),
            },
        },
    }
    path = HERE / "imputation_references.json"
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
