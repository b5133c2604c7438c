"""Regenerate the peer reference results for the ``improve.did`` tests.

Run in the *reference* virtualenv (it needs ``moderndid``, a Python port of R ``did``
validated against R), never from the project's own environment::

    /tmp/refvenv/bin/python tests/reference/make_did_references.py

It writes ``did_peer_references.json`` next to this file: for each case the ATT(g,t)
(group, time, att, se), the pre-test and the four aggregations (overall att/se and the
per-cohort/event/period estimates). The data variants (weights, unbalanced panel) are
derived from ``mpdta.csv`` by the deterministic rules in :func:`variants`, which the tests
repeat verbatim.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent


def variants(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Deterministic data variants shared with the tests."""
    weighted = df.copy()
    weighted["w"] = 0.5 + (weighted["countyreal"] % 7) / 6.0
    unbalanced = df[~(((df["countyreal"] * 7 + df["year"]) % 11) == 0)].reset_index(drop=True)
    return {"base": df, "weighted": weighted, "unbalanced": unbalanced}


CASES: dict[str, dict] = {
    "cov_dr": {"data": "base", "xformla": "~lpop", "est_method": "dr"},
    "cov_ipw": {"data": "base", "xformla": "~lpop", "est_method": "ipw"},
    "cov_reg": {"data": "base", "xformla": "~lpop", "est_method": "reg"},
    "notyet": {"data": "base", "control_group": "notyettreated"},
    "notyet_cov_dr": {"data": "base", "xformla": "~lpop", "control_group": "notyettreated"},
    "universal": {"data": "base", "base_period": "universal"},
    "universal_cov_dr": {"data": "base", "xformla": "~lpop", "base_period": "universal"},
    "anticipation1": {"data": "base", "anticipation": 1},
    "anticipation1_notyet": {
        "data": "base",
        "anticipation": 1,
        "control_group": "notyettreated",
    },
    "weights": {"data": "weighted", "weightsname": "w"},
    "weights_cov_dr": {"data": "weighted", "weightsname": "w", "xformla": "~lpop"},
    "unbalanced": {"data": "unbalanced", "allow_unbalanced_panel": True},
    "unbalanced_cov_dr": {
        "data": "unbalanced",
        "allow_unbalanced_panel": True,
        "xformla": "~lpop",
    },
    "rc_dr": {"data": "base", "panel": False},
    "rc_cov_dr": {"data": "base", "panel": False, "xformla": "~lpop"},
    "rc_cov_ipw": {"data": "base", "panel": False, "xformla": "~lpop", "est_method": "ipw"},
    "rc_cov_reg": {"data": "base", "panel": False, "xformla": "~lpop", "est_method": "reg"},
}


def _f(v: object) -> float | None:
    v = float(np.asarray(v, dtype=float).ravel()[0]) if v is not None else None
    return None if v is None or not np.isfinite(v) else v


def _arr(a: object) -> list[float | None]:
    return [None if not np.isfinite(x) else float(x) for x in np.asarray(a, dtype=float).ravel()]


def run_case(md, data: pd.DataFrame, spec: dict) -> dict:
    kwargs = {k: v for k, v in spec.items() if k != "data"}
    kwargs.setdefault("est_method", "dr")
    if kwargs.get("allow_unbalanced_panel"):
        # moderndid 0.2.0 crashes on panel=True + allow_unbalanced_panel=True with an
        # unbalanced panel; panel=False + allow_unbalanced_panel=True runs its R-equivalent
        # unbalanced path (RC estimators, influence functions summed by unit id).
        kwargs["panel"] = False
    # true repeated cross-sections have no unit id (R replaces it by a row id)
    unbalanced = bool(kwargs.get("allow_unbalanced_panel"))
    idname = "countyreal" if kwargs.get("panel", True) or unbalanced else None
    if kwargs.get("weightsname"):
        # moderndid 0.2.0 only passes sampling weights on to aggte (R: weights.ind) when the
        # weight column is literally named "weights"; otherwise its aggregations silently
        # ignore the weights, unlike R.
        data = data.rename(columns={kwargs["weightsname"]: "weights"})
        kwargs["weightsname"] = "weights"
    res = md.att_gt(
        data,
        yname="lemp",
        tname="year",
        idname=idname,
        gname="first_treat",
        boot=False,
        cband=False,
        **kwargs,
    )
    if unbalanced:
        # moderndid 0.2.0 returns the unit cohorts (G) of an unbalanced panel ordered by
        # cohort while the influence-function rows are ordered by unit id, which misaligns
        # the weight-estimation term of aggte. Re-align them (R aggregates by id).
        by_id = data.groupby(idname)["first_treat"].first().sort_index()
        res = res._replace(G=by_id.to_numpy(), weights_ind=np.ones(len(by_id)))
    out = {
        "spec": spec,
        "n_rows": len(data),
        "att_gt": {
            "group": _arr(res.groups),
            "time": _arr(res.times),
            "att": _arr(res.att_gt),
            "se": _arr(res.se_gt),
        },
        "pretest": {"wald": _f(res.wald_stat), "p_value": _f(res.wald_pvalue)},
        "aggregations": {},
    }
    for ty in ("simple", "group", "dynamic", "calendar"):
        try:
            agg = md.aggte(res, type=ty, na_rm=True, cband=False, boot=False)
        except Exception as exc:  # moderndid 0.2.0 cannot aggregate unbalanced panels
            out["aggregations"][ty] = {"error": f"{type(exc).__name__}: {exc}"}
            continue
        entry = {"att": _f(agg.overall_att), "se": _f(agg.overall_se)}
        if ty != "simple":
            entry["egt"] = _arr(agg.event_times)
            entry["att_egt"] = _arr(agg.att_by_event)
            entry["se_egt"] = _arr(agg.se_by_event)
        out["aggregations"][ty] = entry
    return out


def main() -> None:
    import moderndid as md

    df = pd.read_csv(HERE / "mpdta.csv")
    data = variants(df)
    results = {
        "source": (
            f"moderndid {md.__version__} (Python port of R did, validated against R) on "
            "mpdta.csv and the variants in make_did_references.variants(); analytic SEs, "
            "no bootstrap."
        ),
        "cases": {},
    }
    for name, spec in CASES.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            results["cases"][name] = run_case(md, data[spec["data"]], spec)
        print(f"{name}: done")
    (HERE / "did_peer_references.json").write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
