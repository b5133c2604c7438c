"""qic() against R qicharts2 0.8.1 on qicharts2's own data sets.

The references are stored in ``tests/reference/qicharts2/`` (made by
``tests/reference/make_qicharts2_references.R``; the first five came with the issue). Every
centre line and limit must match to 1e-9 and every signal and run count exactly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from improve.qi import crossings_min, longest_run_max, qic

REF = Path(__file__).resolve().parents[1] / "reference" / "qicharts2"
LINES = ["y", "n", "cl", "lcl", "ucl", "lcl.95", "ucl.95"]
EXACT = [
    "sigma.signal",
    "runs.signal",
    "longest.run",
    "longest.run.max",
    "n.crossings",
    "n.crossings.min",
    "part",
]
DATE_COLUMNS = ("month", "date")

NHS = ("data_nhs_accidents.csv", {"x": "i", "y": "r"})
CDI = ("data_cdi.csv", {"x": "month", "y": "n"})
CABG = "data_cabg_month.csv"
HAI = "data_hospital_infections.csv"


def _mont(table: str) -> str:
    """The data file of a Montgomery table as stored by the reference script."""
    return f"data_mont_tbl_{table}.csv"


CASES: dict[str, tuple[str, dict[str, Any], str | None]] = {
    "run_nhs_accidents": (NHS[0], NHS[1], None),
    "i_nhs_accidents": (NHS[0], {**NHS[1], "chart": "i"}, None),
    "c_cdi": (CDI[0], {**CDI[1], "chart": "c"}, None),
    "u_cdi": (CDI[0], {**CDI[1], "n": "days", "chart": "u", "multiply": 10000}, None),
    "xbar_age": (CABG, {"x": "month", "y": "age", "chart": "xbar"}, None),
    "p_readmission": (CABG, {"x": "month", "y": "readmitted", "n": "one", "chart": "p"}, None),
    "pp_readmission": (CABG, {"x": "month", "y": "readmitted", "n": "one", "chart": "pp"}, None),
    "pp_nhs_accidents": (NHS[0], {**NHS[1], "n": "n", "chart": "pp"}, None),
    "p_nhs_accidents": (NHS[0], {**NHS[1], "n": "n", "chart": "p"}, None),
    "up_cdi": (CDI[0], {**CDI[1], "n": "days", "chart": "up", "multiply": 10000}, None),
    "mr_nhs_accidents": (NHS[0], {**NHS[1], "chart": "mr"}, None),
    "s_age": (CABG, {"x": "month", "y": "age", "chart": "s"}, None),
    "t_deaths": ("data_cabg_deaths.csv", {"x": "i", "y": "days_between", "chart": "t"}, None),
    "g_between_deaths": (
        "data_cabg_between_deaths.csv",
        {"x": "i", "y": "surgeries", "chart": "g"},
        None,
    ),
    "run_los_median": (CABG, {"x": "month", "y": "los", "agg_fun": "median"}, None),
    "i_los_sum": (CABG, {"x": "month", "y": "los", "chart": "i", "agg_fun": "sum"}, None),
    "u_cdi_part_labels": (
        CDI[0],
        {**CDI[1], "n": "days", "chart": "u", "part": "period", "multiply": 10000},
        None,
    ),
    "i_nhs_part": (NHS[0], {**NHS[1], "chart": "i", "part": [6, 13]}, None),
    "c_cdi_freeze": (CDI[0], {**CDI[1], "chart": "c", "freeze": 24, "notes": "notes"}, None),
    "i_nhs_exclude": (NHS[0], {**NHS[1], "chart": "i", "exclude": [4, 11]}, None),
    "run_cdi_exclude_part": (CDI[0], {**CDI[1], "exclude": [3, 30], "part": 24}, None),
    "u_hai_facets": (
        HAI,
        {
            "x": "month",
            "y": "n",
            "n": "days",
            "chart": "u",
            "multiply": 10000,
            "facets": ["infection", "hospital"],
        },
        None,
    ),
    "up_bac_facet": (
        HAI,
        {
            "x": "month",
            "y": "n",
            "n": "days",
            "chart": "up",
            "multiply": 10000,
            "facets": "hospital",
            "part": 12,
        },
        "bac",
    ),
    "up_bac_hospitals": (
        HAI,
        {"x": "hospital", "y": "n", "n": "days", "chart": "up", "multiply": 10000},
        "bac",
    ),
    "pp_readmission_gender": (
        CABG,
        {"x": "gender", "y": "readmitted", "n": "one", "chart": "pp"},
        None,
    ),
    "i_bac_yneg": (HAI, {"x": "month", "y": "n", "chart": "i", "y_neg": False}, "bac_ahh"),
    "c_complaints": ("data_complaints.csv", {"x": "month", "y": "complaints", "chart": "c"}, None),
    "i_nhs_fixed_cl": (NHS[0], {**NHS[1], "chart": "i", "cl": 265000}, None),
    "g_fixed_cl": (
        "data_cabg_between_deaths.csv",
        {"x": "i", "y": "surgeries", "chart": "g", "cl": 50},
        None,
    ),
    "i_nhs_unscreened": (NHS[0], {**NHS[1], "chart": "i", "screened_mr": False}, None),
    "i_cdi_unscreened": (CDI[0], {**CDI[1], "chart": "i", "screened_mr": False}, None),
    "i_cdi_screened": (CDI[0], {**CDI[1], "chart": "i"}, None),
    "pp_nhs_unscreened": (
        NHS[0],
        {**NHS[1], "n": "n", "chart": "pp", "screened_mr": False},
        None,
    ),
    "mont_6.3_xbar": (_mont("06.03"), {"x": "sample", "y": "obs", "chart": "xbar"}, None),
    "mont_6.3_s": (_mont("06.03"), {"x": "sample", "y": "obs", "chart": "s"}, None),
    "mont_6.4_xbar": (_mont("06.04"), {"x": "sample", "y": "obs", "chart": "xbar"}, None),
    "mont_6.4_s": (_mont("06.04"), {"x": "sample", "y": "obs", "chart": "s"}, None),
    "mont_6.5_i": (_mont("06.07"), {"x": "weeks", "y": "cost", "chart": "i", "freeze": 20}, None),
    "mont_6.5_mr": (_mont("06.07"), {"x": "weeks", "y": "cost", "chart": "mr", "freeze": 20}, None),
    "mont_7.1_p": (
        _mont("07.03"),
        {
            "x": "sample",
            "y": "count",
            "n": "size",
            "notes": "note",
            "chart": "p",
            "exclude": [15, 23],
            "part": 30,
        },
        None,
    ),
    "mont_7.4_p": (_mont("07.04"), {"x": "sample", "y": "count", "n": "size", "chart": "p"}, None),
    "mont_7.3_c": (
        _mont("07.08"),
        {"x": "sample", "y": "count", "chart": "c", "exclude": [6, 20], "freeze": 26},
        None,
    ),
    "mont_7.4_u": (_mont("07.10"), {"x": "sample", "y": "count", "n": "size", "chart": "u"}, None),
    "mont_7.5_u": (
        _mont("07.11"),
        {"x": "roll", "y": "count", "n": "meters", "chart": "u", "multiply": 50},
        None,
    ),
    "mont_7.6_t": (_mont("07.14"), {"x": "failure", "y": "hours", "chart": "t"}, None),
    "mont_na_xbar": ("data_mont_NA_test.csv", {"x": "sample", "y": "obs", "chart": "xbar"}, None),
    "xbar_los_freeze": (CABG, {"x": "month", "y": "los", "chart": "xbar", "freeze": 12}, None),
}


def _load(name: str, subset: str | None) -> pd.DataFrame:
    data = pd.read_csv(REF / name)
    for col in DATE_COLUMNS:
        if col in data.columns and not pd.api.types.is_numeric_dtype(data[col]):
            data[col] = pd.to_datetime(data[col])
    if subset in ("bac", "bac_ahh"):
        data = data[data["infection"] == "BAC"]
    if subset == "bac_ahh":
        data = data[data["hospital"] == "AHH"]
    return data


def _reference(case: str) -> pd.DataFrame:
    ref = pd.read_csv(REF / f"{case}.csv")
    for col in ("facet1", "facet2"):
        ref[col] = ref[col].astype(str) if col in ref.columns else "1"
    return ref.sort_values(["facet1", "facet2"], kind="stable").reset_index(drop=True)


@pytest.mark.parametrize("case", sorted(CASES))
def test_matches_qicharts2(case: str) -> None:
    name, kwargs, subset = CASES[case]
    ours = qic(_load(name, subset), **kwargs).tidy()
    ref = _reference(case)
    assert len(ours) == len(ref)
    for col in ("facet1", "facet2"):
        np.testing.assert_array_equal(ours[col].astype(str), ref[col], err_msg=col)
    if pd.api.types.is_numeric_dtype(ref["x"]):
        np.testing.assert_array_equal(ours["x"].to_numpy(float), ref["x"], err_msg="x")
    else:
        np.testing.assert_array_equal(
            ours["x"].astype(str).str[:10], ref["x"].astype(str), err_msg="x"
        )
    for col in [c for c in LINES if c in ref.columns]:
        np.testing.assert_allclose(
            ours[col].to_numpy(float),
            ref[col].to_numpy(float),
            rtol=0,
            atol=1e-9,
            equal_nan=True,
            err_msg=col,
        )
    for col in EXACT:
        if col in ref.columns:
            np.testing.assert_array_equal(
                ours[col].to_numpy(float), ref[col].to_numpy(float), err_msg=col
            )
    if "n.obs" in ref.columns:
        np.testing.assert_array_equal(ours["n.useful"].to_numpy(float), ref["n.useful"])
    if ref["notes"].notna().any():
        np.testing.assert_array_equal(
            ours["notes"].fillna("").astype(str), ref["notes"].fillna("").astype(str)
        )


def test_anhoej_thresholds_match_r() -> None:
    table = pd.read_csv(REF / "anhoej_thresholds.csv")
    assert [longest_run_max(n) for n in table["n"]] == table["longest.run.max"].tolist()
    assert [crossings_min(n) for n in table["n"]] == table["n.crossings.min"].tolist()
