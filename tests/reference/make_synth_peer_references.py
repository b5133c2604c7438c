"""Peer references for ``improve.synth``: diff-diff and pysyncon on California Prop 99.

Writes ``synth_peer_references.json`` (and ``synth_staggered_panel.csv`` if it is missing) next
to this file. Run with an interpreter that has the ``reference`` extra (diff-diff 3.13,
pysyncon 1.7)::

    PYTHONPATH=src python tests/reference/make_synth_peer_references.py

Nothing here calls an ``improve`` estimator; ``improve.demo.states`` is imported only to write
the simulated staggered panel the first time (the CSV is then the input, byte for byte).
Cases (see ``synth_README.md``, section "Peers"):

* diff-diff ``SyntheticDiD`` (its own port of R ``synthdid``): one treated (California) and
  three treated (California, Alabama, Arkansas from 1989); estimates, all weights, the
  regularisation; jackknife SE; placebo / bootstrap SEs for a few seeds; a covariate
  (residualised by two-way fixed effects, diff-diff's method); each cohort of a staggered panel.
* diff-diff's placebo SE fed the 200 donor orders R draws after ``set.seed(12345)`` (made
  with ``Rscript``, stored), so the SE is comparable with R's and improve's draw for draw.
* diff-diff's in-time placebo (``results.in_time_placebo()``) at every fake adoption year.
* diff-diff ``DifferenceInDifferences``: the 2x2 DID of R ``did_estimate``.
* diff-diff ``SyntheticControl`` and pysyncon ``Synth`` (Abadie-Diamond-Hainmueller synthetic
  control): on every pre-period outcome as a predictor, once with V fixed to the identity on
  the raw outcomes (the unpenalised simplex least squares R ``sc_estimate`` approximates) and
  once with V chosen by the nested optimisation (diff-diff only: pysyncon's nested search
  is too slow to run here).
"""

from __future__ import annotations

import json
import subprocess
import time
import warnings
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
OUT = HERE / "synth_peer_references.json"
PANEL = HERE / "synth_staggered_panel.csv"
POST = list(range(1989, 2001))
PLACEBO_SEEDS = list(range(1, 31))
BOOTSTRAP_SEEDS = list(range(1, 11))
REPLICATIONS = 200
STAGGERED = {"n_states": 40, "adoption": {"AL": 2015, "AK": 2015, "AZ": 2019}, "seed": 7}


def prop99(several: bool) -> pd.DataFrame:
    """Prop 99 with ``ever`` (treated unit indicator) and ``d`` (treated unit-period)."""
    data = pd.read_csv(HERE / "california_prop99.csv", sep=";")
    treated = ["California", "Alabama", "Arkansas"] if several else ["California"]
    data["ever"] = data["State"].isin(treated).astype(int)
    data["d"] = (data["ever"] == 1) & (data["Year"] >= 1989)
    data["d"] = data["d"].astype(int)
    data["post"] = (data["Year"] >= 1989).astype(int)
    return data


def _floats(mapping) -> dict:
    return {str(k): float(v) for k, v in mapping.items()}


def sdid_fit(data: pd.DataFrame, post: list, covariates=None, **options) -> dict:
    """One diff-diff SyntheticDiD fit: estimate, SE, weights, regularisation."""
    from diff_diff import SyntheticDiD

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = SyntheticDiD(**options).fit(
            data,
            "PacksPerCapita" if "PacksPerCapita" in data else "math_g4",
            "ever",
            "State" if "State" in data else "state",
            "Year" if "Year" in data else "year",
            post_periods=post,
            covariates=covariates,
        )
    se = float(res.se)
    return {
        "estimate": float(res.att),
        "se": None if np.isnan(se) else se,
        "omega": _floats(res.unit_weights),
        "lambda": _floats(res.time_weights),
        "zeta_omega": float(res.zeta_omega),
        "zeta_lambda": float(res.zeta_lambda),
        "noise_level": float(res.noise_level),
    }


def in_time_placebos(data: pd.DataFrame) -> dict:
    """diff-diff's in-time placebo SDID at every feasible fake adoption year (pre-period data
    only, the actual fit's zetas: R ``synthdid_placebo``'s convention)."""
    from diff_diff import SyntheticDiD

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = SyntheticDiD(variance_method="jackknife").fit(
            data, "PacksPerCapita", "ever", "State", "Year", post_periods=POST
        )
        table = res.in_time_placebo()
    years, estimates = table["fake_treatment_period"], table["att"]
    return {str(int(y)): float(a) for y, a in zip(years, estimates, strict=True)}


def seeded_se(data: pd.DataFrame, method: str, seeds: list[int]) -> dict:
    """diff-diff SEs over seeds (its own random stream: compare spreads, not draws)."""
    values = [
        sdid_fit(data, POST, variance_method=method, n_bootstrap=REPLICATIONS, seed=s)["se"]
        for s in seeds
    ]
    return {
        "seeds": seeds,
        "replications": REPLICATIONS,
        "se": values,
        "mean": float(np.mean(values)),
        "sd": float(np.std(values, ddof=1)),
        "min": min(values),
        "max": max(values),
    }


def r_permutations(n0: int, replications: int, seed: int) -> list[list[int]]:
    """The donor orders R ``vcov(method = "placebo")`` draws after ``set.seed(seed)``:
    ``replicate(replications, sample(1:N0))`` (0-based; needs ``Rscript``)."""
    code = f"set.seed({seed}); cat(replicate({replications}, sample(1:{n0})) - 1L)"
    text = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True, check=True)
    values = np.array(text.stdout.split(), dtype=int)
    return values.reshape(replications, n0).tolist()


def placebo_with_r_draws(data: pd.DataFrame, permutations: list[list[int]]) -> dict:
    """diff-diff's placebo SE fed R's permutations (its ``_placebo_indices`` seam)."""
    from diff_diff import SyntheticDiD

    class WithRDraws(SyntheticDiD):
        def _placebo_variance_se(self, *args, **kwargs):
            kwargs["_placebo_indices"] = np.asarray(permutations)
            return super()._placebo_variance_se(*args, **kwargs)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = WithRDraws(variance_method="placebo", n_bootstrap=len(permutations), seed=0).fit(
            data, "PacksPerCapita", "ever", "State", "Year", post_periods=POST
        )
    return {
        "se": float(res.se),
        "seed": 12345,
        "replications": len(permutations),
        "permutations": permutations,
    }


def covariate_frame(data: pd.DataFrame) -> pd.DataFrame:
    """The covariate of the R reference: x = Y(1970) * t / 31, t = 1..31 the year index."""
    out = data.copy()
    first = out.groupby("State")["PacksPerCapita"].transform("first")
    out["x"] = first * (out["Year"] - 1969) / 31
    return out


def did_2x2(data: pd.DataFrame) -> float:
    """diff-diff's 2x2 DifferenceInDifferences (treated x post)."""
    from diff_diff import DifferenceInDifferences

    res = DifferenceInDifferences().fit(
        data, outcome="PacksPerCapita", treatment="ever", post="post"
    )
    return float(res.att)


def diffdiff_sc(data: pd.DataFrame, identity: bool) -> dict:
    """diff-diff SyntheticControl on every pre-period outcome."""
    from diff_diff import SyntheticControl

    options = (
        {"standardize": "none", "v_method": "custom", "custom_v": np.ones(19)}
        if identity
        else {"seed": 1}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = SyntheticControl(**options).fit(
            data, "PacksPerCapita", "d", "State", "Year", pre_period_outcomes="all"
        )
    donors = sorted(data.loc[data["ever"] == 0, "State"].unique())
    weights = {d: float(res.donor_weights.get(d, 0.0)) for d in donors}
    return {
        "estimate": float(res.att),
        "omega": weights,
        "pre_rmspe": float(res.pre_rmspe),
        "options": {
            k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in options.items()
        },
    }


def pysyncon_sc(data: pd.DataFrame, identity: bool) -> dict:
    """pysyncon Synth on every pre-period outcome (one special predictor per year).

    ``identity=False`` (the nested V search: Nelder-Mead, up to 1000 steps, each an SLSQP
    weight fit) ran over 8 minutes here without finishing, so the stored file has only the
    identity-V fit.
    """
    from pysyncon import Dataprep, Synth

    pre = list(range(1970, 1989))
    donors = sorted(data.loc[data["ever"] == 0, "State"].unique())
    prep = Dataprep(
        foo=data,
        predictors=[],
        predictors_op="mean",
        dependent="PacksPerCapita",
        unit_variable="State",
        time_variable="Year",
        special_predictors=[("PacksPerCapita", [y], "mean") for y in pre],
        treatment_identifier="California",
        controls_identifier=donors,
        time_predictors_prior=pre,
        time_optimize_ssr=pre,
    )
    synth = Synth()
    if identity:
        # pysyncon divides each predictor row by its sd across units; V = sd^2 undoes that,
        # so the fit is the identity V on the raw pre-period outcomes.
        x0, x1 = prep.make_covariate_mats()
        sd = pd.concat([x0, x1], axis=1).std(axis=1).to_numpy()
        synth.fit(dataprep=prep, custom_V=sd**2)
    else:
        synth.fit(dataprep=prep)
    wide = data.pivot(index="Year", columns="State", values="PacksPerCapita")
    weights = pd.Series(synth.W, index=donors)
    gap = wide["California"] - wide[donors] @ weights
    return {
        "estimate": float(gap.loc[POST].mean()),
        "omega": _floats(weights),
        "loss_V": float(synth.loss_V),
        "options": {
            "custom_V": "sd^2 (identity on raw outcomes)" if identity else None,
            "optim_method": "Nelder-Mead",
            "optim_initial": "equal",
        },
    }


def staggered_panel() -> pd.DataFrame:
    """The simulated state panel with two adoption years (written once, then read)."""
    if not PANEL.exists():
        from improve.demo.states import simulate_state_panel

        simulate_state_panel(**STAGGERED).data.to_csv(PANEL, index=False)
    return pd.read_csv(PANEL)


def staggered_sdid(panel: pd.DataFrame) -> dict:
    """diff-diff SyntheticDiD per cohort (cohort + never treated), averaged by treated cells."""
    years = sorted(panel["year"].unique())
    cohorts = {}
    for cohort in sorted(c for c in panel["mandate_year"].unique() if c > 0):
        part = panel[panel["mandate_year"].isin([0, cohort])].copy()
        part["ever"] = (part["mandate_year"] == cohort).astype(int)
        post = [y for y in years if y >= cohort]
        fit = sdid_fit(part, post, variance_method="jackknife")
        n1 = int(part.loc[part["ever"] == 1, "state"].nunique())
        cohorts[str(int(cohort))] = {
            **fit,
            "n_treated": n1,
            "post_periods": len(post),
            "cells": n1 * len(post),
        }
    cells = sum(c["cells"] for c in cohorts.values())
    for c in cohorts.values():
        c["weight"] = c["cells"] / cells
    average = sum(c["weight"] * c["estimate"] for c in cohorts.values())
    return {"cohorts": cohorts, "estimate": float(average)}


def main() -> None:
    timings: dict[str, float] = {}
    out: dict = {}

    def timed(name, func, *args, **kwargs):
        start = time.perf_counter()
        value = func(*args, **kwargs)
        timings[name] = round(time.perf_counter() - start, 2)
        print(f"{name}: {timings[name]} s", flush=True)
        return value

    one, several = prop99(False), prop99(True)
    out["one_treated"] = {
        "sdid": timed("sdid one", sdid_fit, one, POST, variance_method="jackknife"),
        "sdid_placebo_se": timed("placebo se", seeded_se, one, "placebo", PLACEBO_SEEDS),
        "sdid_placebo_r_draws": timed(
            "placebo r draws", placebo_with_r_draws, one, r_permutations(38, REPLICATIONS, 12345)
        ),
        "sdid_in_time_placebo": timed("in-time placebo", in_time_placebos, one),
        "sdid_covariate": timed(
            "covariate",
            sdid_fit,
            covariate_frame(one),
            POST,
            covariates=["x"],
            variance_method="jackknife",
        ),
        "did": {"estimate": did_2x2(one)},
        "sc_identity": {
            "diff_diff": timed("dd sc identity", diffdiff_sc, one, True),
            "pysyncon": timed("ps sc identity", pysyncon_sc, one, True),
        },
        "sc_nested": {"diff_diff": timed("dd sc nested", diffdiff_sc, one, False)},
    }
    out["several_treated"] = {
        "sdid": timed("sdid several", sdid_fit, several, POST, variance_method="jackknife"),
        "sdid_bootstrap_se": timed(
            "bootstrap se", seeded_se, several, "bootstrap", BOOTSTRAP_SEEDS
        ),
        "sdid_covariate": timed(
            "covariate several",
            sdid_fit,
            covariate_frame(several),
            POST,
            covariates=["x"],
            variance_method="jackknife",
        ),
        "did": {"estimate": did_2x2(several)},
    }
    out["staggered"] = timed("staggered", staggered_sdid, staggered_panel())
    out["meta"] = {
        "diff_diff": version("diff-diff"),
        "pysyncon": version("pysyncon"),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scipy": version("scipy"),
        "data": "california_prop99.csv (one treated: California from 1989; several treated: "
        "also Alabama and Arkansas from 1989); synth_staggered_panel.csv",
        "staggered_panel": {"generator": "improve.demo.states.simulate_state_panel", **STAGGERED},
        "sdid_options": "diff_diff.SyntheticDiD defaults (zeta from the noise level as R), "
        "variance_method jackknife for the point fits; placebo (one treated) / "
        f"bootstrap (several) with n_bootstrap={REPLICATIONS}, seeds 1-30 / 1-10",
        "covariate": "x = Y(1970) * (Year - 1969) / 31; diff-diff residualises the outcome on "
        "x with unit and year fixed effects (all cells) before SDID",
    }
    OUT.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    print(json.dumps(timings))


if __name__ == "__main__":
    main()
