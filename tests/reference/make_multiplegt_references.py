"""Stored references for improve.did.did_multiplegt_dyn (de Chaisemartin-D'Haultfoeuille).

Runs moderndid 0.2.0 ``did_multiplegt`` and diff-diff 3.13 ``ChaisemartinDHaultfoeuille`` on
R DIDmultiplegtDYN's ``favara_imbs`` example and on simulated on/off panels (binary and
non-binary treatment) and writes ``multiplegt_references.json``. See multiplegt_README.md.

    python tests/reference/make_multiplegt_references.py
"""

from __future__ import annotations

import json
import warnings
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent
OUT = HERE / "multiplegt_references.json"
SIM_PANELS = HERE / "multiplegt_sim_panels.csv"


def simulate(
    seed: int, n: int = 120, t: int = 8, levels: tuple[int, ...] = (1,), exit_: bool = False
) -> pd.DataFrame:
    """Groups switch on at a random date; a third switch off again two periods later
    (``exit_``: every group starts treated and some stop)."""
    rng = np.random.default_rng(seed)
    start = np.ones(n, dtype=int) if exit_ else rng.integers(3, t + 3, n)  # > t: never
    stop = np.where(rng.random(n) < 0.35, start + 2, 10**6)
    if exit_:
        stop = np.where(rng.random(n) < 0.6, rng.integers(3, t + 1, n), 10**6)
    level = rng.choice(levels, n)
    rows = []
    fe = rng.normal(0, 1, n)
    for g in range(n):
        for p in range(1, t + 1):
            d = level[g] * float(start[g] <= p < stop[g])
            y = fe[g] + 0.3 * p + 1.5 * d + (0.5 if p >= stop[g] else 0.0) + rng.normal()
            rows.append((g, p, d, y, g % 15, 0.5 + (g % 4) / 4))
    return pd.DataFrame(rows, columns=["g", "t", "d", "y", "cl", "w"])


def with_controls(df: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Adds time-varying controls ``x1`` (trending differently by group), ``x2`` (noise), an
    outcome ``yx`` that depends on them, and a time-invariant ``region``: the columns the R
    references (``make_multiplegt_r_references.R``) use for ``controls`` and
    ``trends_nonparam``."""
    rng = np.random.default_rng(seed)
    slope = rng.normal(0, 1, df["g"].max() + 1)[df["g"]]
    x1 = slope * df["t"] + 0.5 * df["d"] + rng.normal(0, 1, len(df))
    x2 = rng.normal(0, 1, len(df))
    return df.assign(region=df["g"] % 3, x1=x1, x2=x2, yx=df["y"] + 0.8 * x1 - 0.5 * x2)


def write_sim_panels(sims: dict[str, pd.DataFrame]) -> None:
    """The simulated panels with controls, for R (``multiplegt_sim_panels.csv``)."""
    frames = [
        with_controls(df, 100 + i).assign(panel=name) for i, (name, df) in enumerate(sims.items())
    ]
    pd.concat(frames).to_csv(SIM_PANELS, index=False, float_format="%.17g")


def moderndid_case(df: pd.DataFrame, **kw: object) -> dict[str, object]:
    from moderndid.didinter import did_multiplegt

    r = did_multiplegt(df, **kw)
    out: dict[str, object] = {
        "options": {k: v for k, v in kw.items() if k not in ("data",)},
        "effects": r.effects.estimates.tolist(),
        "effects_se": r.effects.std_errors.tolist(),
        "n_switchers": r.effects.n_switchers.tolist(),
    }
    if r.placebos is not None:
        out["placebos"] = r.placebos.estimates.tolist()
        out["placebos_se"] = r.placebos.std_errors.tolist()
    return out


def diffdiff_case(
    df: pd.DataFrame, L: int, outcome: str = "y", covariates: list[str] | None = None
) -> dict[str, object]:
    from diff_diff import ChaisemartinDHaultfoeuille

    est = ChaisemartinDHaultfoeuille(twfe_diagnostic=False, drop_larger_lower=True)
    extra = {"covariates": covariates} if covariates else {}
    r = est.fit(df, outcome=outcome, unit="g", time="t", treatment="d", L_max=L, **extra)
    es = r.event_study_effects
    return {
        "L_max": L,
        "outcome": outcome,
        "covariates": covariates or [],
        "effects": [float(es[h]["effect"]) for h in range(1, L + 1)],
        "effects_se": [float(es[h]["se"]) for h in range(1, L + 1)],
    }


def main() -> None:
    warnings.simplefilter("ignore")
    fav = pd.read_csv(HERE / "favara_imbs.csv")
    base = dict(yname="Dl_vloans_b", tname="year", idname="county", dname="inter_bra")
    cases = {
        "favara": moderndid_case(fav, **base, effects=8, placebo=3),
        "favara_weighted": moderndid_case(fav, **base, weightsname="w1", effects=8, placebo=3),
        "favara_normalized": moderndid_case(fav, **base, effects=5, placebo=2, normalized=True),
        "favara_in": moderndid_case(fav, **base, effects=4, placebo=1, switchers="in"),
        "favara_never": moderndid_case(fav, **base, effects=4, only_never_switchers=True),
        "favara_clustered": moderndid_case(fav, **base, cluster="state_n", effects=3),
        "favara_same_switchers": moderndid_case(fav, **base, effects=8, same_switchers=True),
    }
    sims = {
        "binary": simulate(1),
        "nonbinary": simulate(2, levels=(1, 2, 3)),
        "exit": simulate(3, exit_=True),
    }
    write_sim_panels(sims)
    peers: dict[str, object] = {}
    for name, df in sims.items():
        sb = dict(yname="y", tname="t", idname="g", dname="d")
        cases[f"{name}"] = moderndid_case(df, **sb, effects=4, placebo=2)
        if name == "exit":
            cases[f"{name}_out"] = moderndid_case(df, **sb, effects=3, placebo=1, switchers="out")
        cases[f"{name}_weighted"] = moderndid_case(df, **sb, weightsname="w", effects=3, placebo=1)
        cases[f"{name}_same_switchers"] = moderndid_case(
            df, **sb, effects=4, placebo=1, same_switchers=True
        )
        cases[f"{name}_trends_lin"] = moderndid_case(df, **sb, effects=3, trends_lin=True)
        cases[f"{name}_trends_nonparam"] = moderndid_case(
            df.assign(region=df["g"] % 3), **sb, effects=3, placebo=1, trends_nonparam=["region"]
        )
        peers[name] = diffdiff_case(df, 3)
    # DID^X (controls): diff-diff residualises as R; on the exit panel no group switches
    # twice, so its drop_larger_lower leaves the sample as R's
    exit_x = with_controls(sims["exit"], 102)
    peers["exit_controls"] = diffdiff_case(exit_x, 3, "yx", ["x1", "x2"])
    payload = {
        "versions": {"moderndid": version("moderndid"), "diff-diff": version("diff-diff")},
        "moderndid": cases,
        "diff_diff": peers,
        "simulated": {k: v.to_dict(orient="list") for k, v in sims.items()},
    }
    OUT.write_text(json.dumps(payload, indent=1) + "\n")


if __name__ == "__main__":
    main()
