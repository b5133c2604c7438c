"""Regenerate the continuous-treatment DiD references (moderndid 0.2.0 ``cont_did``, diff-diff
``ContinuousDiD``) stored in ``continuous_references.json``, on the peers' own simulated panels
stored beside it (``continuous_md_sim.csv``, ``continuous_dd_sim.csv``).

Run from the repository root with the ``reference`` extra installed:
``python tests/reference/make_continuous_references.py``. Every peer gets the same dose grid
(``dvals``: improve's default, quantiles 0.10..0.99 of the treated doses). moderndid 0.2.0
fails under polars >= 2 (``is_in`` of a float column against an integer list in
``_build_pte_params``); the script makes that one ``np.arange`` return floats, which changes
nothing else.
"""

from __future__ import annotations

import json
import types
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
CONFIGS = [  # (degree, num_knots, control_group, base_period, anticipation)
    (1, 0, "notyettreated", "varying", 0),
    (3, 0, "notyettreated", "varying", 0),
    (3, 0, "nevertreated", "varying", 0),
    (2, 2, "notyettreated", "varying", 0),
    (3, 1, "nevertreated", "universal", 0),
]
#: anticipation needs a period before g - 1 for some cohort: only the moderndid panel
ANTICIPATION_CONFIGS = [(3, 0, "notyettreated", "varying", 1), (2, 0, "nevertreated", "varying", 1)]
DD_CONTROL = {"notyettreated": "not_yet_treated", "nevertreated": "never_treated"}


def _patch_moderndid() -> None:
    from moderndid.didcont.estimation import process_panel

    shim = types.SimpleNamespace(**{k: getattr(np, k) for k in dir(np) if not k.startswith("__")})
    shim.arange = lambda *a, **k: np.arange(*a, **k).astype(float)
    process_panel.np = shim


def _grid(df: pd.DataFrame) -> np.ndarray:
    unit = df.groupby("id")[["G", "D"]].first()
    dose = unit.loc[(unit["G"] > 0) & (unit["D"] > 0), "D"].to_numpy(dtype=float)
    return np.quantile(dose, np.arange(0.10, 0.99 + 0.005, 0.01))


def _moderndid(df: pd.DataFrame, grid: np.ndarray, cfg: tuple) -> dict:
    import moderndid

    deg, nk, cg, bp, ant = cfg
    md = df.copy()
    md["G"] = md["G"].replace(0, np.inf)
    kw = dict(
        yname="Y",
        tname="time_period",
        idname="id",
        gname="G",
        dname="D",
        degree=deg,
        num_knots=nk,
        control_group=cg,
        base_period=bp,
        anticipation=ant,
        biters=100,
        random_state=1,
    )
    dose = moderndid.cont_did(data=md, dvals=grid, **kw)
    out = {
        "overall_att": float(dose.overall_att),
        "overall_acrt": float(dose.overall_acrt),
        "att_d": list(map(float, dose.att_d)),
        "acrt_d": list(map(float, dose.acrt_d)),
    }
    for target in ("level", "slope"):
        es = moderndid.cont_did(data=md, aggregation="eventstudy", target_parameter=target, **kw)
        out[f"event_{target}"] = {
            "event_time": list(map(float, es.event_study.event_times)),
            "estimate": list(map(float, es.event_study.att_by_event)),
        }
    return out


def _diff_diff(df: pd.DataFrame, grid: np.ndarray, cfg: tuple, discrete: bool = False) -> dict:
    from diff_diff import ContinuousDiD

    deg, nk, cg, bp, ant = cfg
    est = ContinuousDiD(
        anticipation=ant,
        degree=deg,
        num_knots=nk,
        control_group=DD_CONTROL[cg],
        base_period=bp,
        dvals=None if discrete else grid,
        treatment_type="discrete" if discrete else "continuous",
    )
    fit = est.fit(df, outcome="Y", unit="id", time="time_period", first_treat="G", dose="D")
    curve_att = fit.dose_response_att.to_dataframe()
    curve_acrt = fit.dose_response_acrt.to_dataframe()
    es = fit.aggregate("event_study").to_dataframe()
    return {
        "overall_att": float(fit.overall_att),
        "overall_att_se": float(fit.overall_att_se),
        "overall_acrt": float(fit.overall_acrt),
        "overall_acrt_se": float(fit.overall_acrt_se),
        "dose": curve_att["dose"].astype(float).tolist(),
        "att_d": curve_att["effect"].astype(float).tolist(),
        "att_d_se": curve_att["se"].astype(float).tolist(),
        "acrt_d": curve_acrt["effect"].astype(float).tolist(),
        "acrt_d_se": curve_acrt["se"].astype(float).tolist(),
        "event_att": {
            "event_time": es["event_time"].astype(float).tolist(),
            "estimate": es["att"].astype(float).tolist(),
            "std_error": es["se"].astype(float).tolist(),
        },
    }


def _datasets() -> dict[str, pd.DataFrame]:
    import moderndid
    from diff_diff import generate_continuous_did_data

    md = moderndid.gen_cont_did_data(n=500, seed=42).to_pandas()
    md["G"] = md["G"].replace(np.inf, 0).astype("int64")
    dd = generate_continuous_did_data(n_units=400, n_periods=5, att_function="quadratic", seed=7)
    dd = dd.rename(
        columns={
            "unit": "id",
            "period": "time_period",
            "first_treat": "G",
            "dose": "D",
            "outcome": "Y",
        }
    )[["id", "time_period", "G", "D", "Y"]]
    levels = dd.copy()
    treated = levels["D"] > 0
    cuts = np.quantile(levels.loc[treated, "D"], [1 / 3, 2 / 3])
    levels.loc[treated, "D"] = 1.0 + np.searchsorted(cuts, levels.loc[treated, "D"])
    return {"md_sim": md, "dd_sim": dd, "dd_levels": levels}


def main() -> None:
    warnings.filterwarnings("ignore")
    _patch_moderndid()
    data = _datasets()
    refs: dict = {"datasets": {}, "configs": []}
    for name, df in data.items():
        df.to_csv(HERE / f"continuous_{name}.csv", index=False, float_format="%.17g")
        refs["datasets"][name] = f"continuous_{name}.csv"
    for name in ("md_sim", "dd_sim"):
        grid = _grid(data[name])
        for cfg in CONFIGS + (ANTICIPATION_CONFIGS if name == "md_sim" else []):
            refs["configs"].append(
                {
                    "dataset": name,
                    "degree": cfg[0],
                    "num_knots": cfg[1],
                    "control_group": cfg[2],
                    "base_period": cfg[3],
                    "anticipation": cfg[4],
                    "treatment_type": "continuous",
                    "dvals": grid.tolist(),
                    "moderndid": _moderndid(data[name], grid, cfg),
                    "diff_diff": _diff_diff(data[name], grid, cfg),
                }
            )
    for cg in ("notyettreated", "nevertreated"):
        cfg = (1, 0, cg, "varying", 0)
        refs["configs"].append(
            {
                "dataset": "dd_levels",
                "degree": 1,
                "num_knots": 0,
                "control_group": cg,
                "base_period": "varying",
                "anticipation": 0,
                "treatment_type": "discrete",
                "dvals": None,
                "diff_diff": _diff_diff(data["dd_levels"], None, cfg, discrete=True),
            }
        )
    (HERE / "continuous_references.json").write_text(json.dumps(refs, indent=1) + "\n")


if __name__ == "__main__":
    main()
