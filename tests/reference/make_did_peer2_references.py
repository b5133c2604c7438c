"""Regenerate the *second-peer* reference results for the ``improve.did`` tests.

Run in the *reference* virtualenv (it needs ``csdid`` and ``diff-diff``), never from the
project's own environment::

    /tmp/refvenv/bin/python tests/reference/make_did_peer2_references.py

It writes ``did_peer2_references.json`` next to this file with, per peer and case, the
ATT(g,t) (group, time, att, se), the pre-test Wald statistic when the peer reports one,
and the aggregations (overall att/se and the per-cohort/event/period estimates).

Peers (both independent of ``moderndid``, the first peer in ``did_peer_references.json``):

* ``csdid`` -- Python port of R ``did`` (``att_gt``/``aggte``), analytic SEs
  (``bstrap=False``). With ``clustervar`` it reports analytic cluster-robust SEs
  ``sqrt(sum_c S_c^2) / n`` (``S_c`` = influence functions summed within cluster c).
  All four aggregations.
* ``diff_diff`` -- ``diff_diff.CallawaySantAnna``, analytic SEs (``n_bootstrap=0``).
  It has no calendar-time aggregation and no ``group`` overall average, so it provides
  ATT(g,t), ``simple``, per-cohort ``group`` and ``dynamic`` (``event_study``) results.
  With ``cluster=`` its SE is CR1 (Liang-Zeger with the ``sqrt(G / (G - 1))`` factor);
  the raw diff-diff numbers are stored and the test converts conventions.

Data: ``mpdta.csv`` and the deterministic variants of ``make_did_references.variants``
(weights ``w``, unbalanced panel), plus a cluster column ``state = countyreal // 1000``.
R's mpdta has no state column; ``countyreal`` is the county FIPS code, so this integer
division is the state FIPS code (29 states, 3-46 counties each; treatment timing is
constant within state). The rule is repeated verbatim in the tests.
"""

from __future__ import annotations

import contextlib
import io
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent


def variants(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Deterministic data variants shared with the tests (``make_did_references`` + state)."""
    df = df.copy()
    df["state"] = df["countyreal"] // 1000
    weighted = df.copy()
    weighted["w"] = 0.5 + (weighted["countyreal"] % 7) / 6.0
    unbalanced = df[~(((df["countyreal"] * 7 + df["year"]) % 11) == 0)].reset_index(drop=True)
    return {"base": df, "weighted": weighted, "unbalanced": unbalanced}


CASES: dict[str, dict] = {
    "nocov": {"data": "base"},
    "notyet": {"data": "base", "control_group": "notyettreated"},
    "cov_dr": {"data": "base", "xformla": "~lpop", "est_method": "dr"},
    "cov_ipw": {"data": "base", "xformla": "~lpop", "est_method": "ipw"},
    "cov_reg": {"data": "base", "xformla": "~lpop", "est_method": "reg"},
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
    "cluster": {"data": "base", "clustervars": "state"},
    "cluster_cov_dr": {"data": "base", "clustervars": "state", "xformla": "~lpop"},
    "cluster_cov_ipw": {
        "data": "base",
        "clustervars": "state",
        "xformla": "~lpop",
        "est_method": "ipw",
    },
    "cluster_notyet": {
        "data": "base",
        "clustervars": "state",
        "control_group": "notyettreated",
    },
    "cluster_weights": {"data": "weighted", "clustervars": "state", "weightsname": "w"},
    "cluster_unbalanced": {
        "data": "unbalanced",
        "clustervars": "state",
        "allow_unbalanced_panel": True,
    },
    "cluster_rc": {"data": "base", "clustervars": "state", "panel": False},
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

#: Cases run through diff-diff (it has no sampling weights outside its survey module,
#: whose design-based variance is a different estimator, so the weighted cases are
#: csdid-only).
DIFF_DIFF_CASES = [name for name, spec in CASES.items() if "weightsname" not in spec]


def _f(v: object) -> float | None:
    if v is None:
        return None
    v = float(np.asarray(v, dtype=float).ravel()[0])
    return v if np.isfinite(v) else None


def _arr(a: object) -> list[float | None]:
    return [None if not np.isfinite(x) else float(x) for x in np.asarray(a, dtype=float).ravel()]


# ----------------------------------------------------------------------------- csdid


def run_csdid(data: pd.DataFrame, spec: dict) -> dict:
    from csdid.att_gt import ATTgt

    panel = spec.get("panel", True)
    if not panel:
        # true repeated cross-sections: every row is its own unit (R: row id)
        data = data.assign(obs_id=np.arange(len(data)))
    model = ATTgt(
        yname="lemp",
        tname="year",
        idname="countyreal" if panel else "obs_id",
        gname="first_treat",
        data=data,
        control_group=spec.get("control_group", "nevertreated"),
        xformla=spec.get("xformla"),
        panel=panel,
        allow_unbalanced_panel=spec.get("allow_unbalanced_panel", False),
        clustervar=spec.get("clustervars"),
        weights_name=spec.get("weightsname"),
        anticipation=spec.get("anticipation", 0),
        faster_mode=False,
    ).fit(
        est_method=spec.get("est_method", "dr"),
        base_period=spec.get("base_period", "varying"),
        bstrap=False,
    )
    res = model.results
    out = {
        "att_gt": {
            "group": _arr(res["group"]),
            "time": _arr(res["year"]),
            "att": _arr(res["att"]),
            "se": _arr(res["se"]),
        },
        "pretest": {"wald": _f(model.MP["W"]), "p_value": _f(model.MP["Wpval"])},
        "aggregations": {},
    }
    for ty in ("simple", "group", "dynamic", "calendar"):
        with contextlib.redirect_stdout(io.StringIO()):
            agg = model.aggte(typec=ty, na_rm=True, bstrap=False, cband=False).atte
        entry = {"att": _f(agg["overall_att"]), "se": _f(agg["overall_se"])}
        if ty != "simple":
            entry["egt"] = _arr(agg["egt"])
            entry["att_egt"] = _arr(agg["att_egt"])
            entry["se_egt"] = _arr(agg["se_egt"])
        out["aggregations"][ty] = entry
    return out


# ------------------------------------------------------------------------- diff-diff


def run_diff_diff(data: pd.DataFrame, spec: dict) -> dict:
    from diff_diff import CallawaySantAnna

    panel = spec.get("panel", True)
    unit = "countyreal"
    if not panel:
        data = data.assign(obs_id=np.arange(len(data)))
        unit = "obs_id"
    cs = CallawaySantAnna(
        control_group={"nevertreated": "never_treated", "notyettreated": "not_yet_treated"}[
            spec.get("control_group", "nevertreated")
        ],
        anticipation=spec.get("anticipation", 0),
        estimation_method=spec.get("est_method", "dr"),
        cluster=spec.get("clustervars"),
        n_bootstrap=0,
        base_period=spec.get("base_period", "varying"),
        cband=False,
        panel=panel,
        allow_unbalanced_panel=spec.get("allow_unbalanced_panel", False),
    )
    res = cs.fit(
        data,
        outcome="lemp",
        unit=unit,
        time="year",
        first_treat="first_treat",
        covariates=["lpop"] if spec.get("xformla") else None,
    )
    keys = sorted(res.group_time_effects)
    gte = res.group_time_effects
    out = {
        "n_clusters": res.n_clusters,
        "att_gt": {
            "group": _arr([k[0] for k in keys]),
            "time": _arr([k[1] for k in keys]),
            "att": _arr([gte[k]["effect"] for k in keys]),
            "se": _arr([gte[k]["se"] for k in keys]),
        },
        "aggregations": {},
    }
    simple = res.aggregate("simple").to_dataframe()
    out["aggregations"]["simple"] = {
        "att": _f(simple["att"].iloc[0]),
        "se": _f(simple["se"].iloc[0]),
    }
    for ty, dd_ty, col in (("group", "group", "label"), ("dynamic", "event_study", "event_time")):
        frame = res.aggregate(dd_ty).to_dataframe()
        # universal base: diff-diff keeps the e = -1 - anticipation reference row
        # (att 0, se NaN), as R does.
        out["aggregations"][ty] = {
            "att": None,
            "se": None,
            "egt": _arr(frame[col].astype(float)),
            "att_egt": _arr(frame["att"]),
            "se_egt": _arr(frame["se"]),
        }
    return out


def main() -> None:
    import csdid._version as csdid_version
    import diff_diff

    df = pd.read_csv(HERE / "mpdta.csv")
    data = variants(df)
    results = {
        "source": (
            "Second-peer references for improve.did on mpdta.csv and the variants in "
            "make_did_peer2_references.variants() (state = countyreal // 1000); analytic "
            "SEs, no bootstrap. Written by tests/reference/make_did_peer2_references.py."
        ),
        "peers": {
            "csdid": {
                "version": getattr(csdid_version, "__version"),
                "settings": "ATTgt(..., faster_mode=False).fit(bstrap=False); aggte(na_rm=True)",
                "cases": {},
            },
            "diff_diff": {
                "version": diff_diff.__version__,
                "settings": "CallawaySantAnna(n_bootstrap=0, pscore_trim=0.01 default)",
                "cases": {},
            },
        },
        "case_specs": CASES,
        "n_rows": {k: len(v) for k, v in data.items()},
    }
    for name, spec in CASES.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            results["peers"]["csdid"]["cases"][name] = run_csdid(data[spec["data"]], spec)
            if name in DIFF_DIFF_CASES:
                results["peers"]["diff_diff"]["cases"][name] = run_diff_diff(
                    data[spec["data"]], spec
                )
        print(f"{name}: done")
    (HERE / "did_peer2_references.json").write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
