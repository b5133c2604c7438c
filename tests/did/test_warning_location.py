"""Cell warnings point at the caller's line on every path of ``att_gt``.

The same "small cells" warning is raised at different depths for balanced panels,
unbalanced panels and repeated cross-sections; a warning shown at a line inside ``improve``
tells the user nothing about which of their calls it concerns.
"""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from improve.did import att_gt

KEYS = dict(unit="countyreal", time="year", cohort="first_treat")


def _few_controls(mpdta: pd.DataFrame) -> pd.DataFrame:
    never = mpdta.loc[mpdta["first_treat"] == 0, "countyreal"].unique()
    keep = (mpdta["first_treat"] > 0) | mpdta["countyreal"].isin(never[:2])
    return mpdta.loc[keep].copy()


@pytest.mark.parametrize(
    "options",
    [{}, {"allow_unbalanced_panel": True, "drop_one_row": True}, {"panel": False}],
    ids=["balanced", "unbalanced", "repeated_cross_sections"],
)
@pytest.mark.parametrize("covariates", [None, ["lpop"]], ids=["closed_form", "covariates"])
def test_small_cell_warning_points_at_the_callers_line(
    mpdta: pd.DataFrame, options: dict, covariates: list[str] | None
) -> None:
    data = _few_controls(mpdta)
    options = dict(options)
    if options.pop("drop_one_row", False):
        data = data.iloc[1:]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        att_gt(
            data,
            "lemp",
            covariates=covariates,
            est_method="reg",
            control_group="notyettreated",
            **KEYS,
            **options,
        )
    small = [w for w in caught if "treated or comparison units" in str(w.message)]
    assert small, [str(w.message) for w in caught]
    assert {w.filename for w in caught if issubclass(w.category, UserWarning)} == {__file__}


@pytest.mark.parametrize(
    "options",
    [{}, {"allow_unbalanced_panel": True, "drop_one_row": True}, {"panel": False}],
    ids=["balanced", "unbalanced", "repeated_cross_sections"],
)
def test_engine_warnings_point_at_the_callers_line(mpdta: pd.DataFrame, options: dict) -> None:
    duckdb = pytest.importorskip("duckdb")
    options = dict(options)
    data = _few_controls(mpdta)
    if options.pop("drop_one_row", False):
        data = data.iloc[1:]
    relation = duckdb.connect().from_df(data.reset_index(drop=True))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        att_gt(relation, "lemp", control_group="notyettreated", **KEYS, **options)
    assert caught, "expected the small-cohort warning"
    assert {w.filename for w in caught if issubclass(w.category, UserWarning)} == {__file__}
