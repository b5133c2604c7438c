"""A formula change as a continuous treatment: the district-by-year panel it needs.

When a state changes its funding formula, districts gain different amounts of formula
funding per pupil. :func:`formula_panel` builds one row per district and year with formula
funding per pupil (in thousands of dollars) and enrollment-weighted outcomes, ready for a
fixed-effects regression with district and year effects (``improve.fe.panel_regression``
with the funding as the dose, as in Papke's 2005 Michigan study). With district effects
the coefficient is identified by the change in each district's funding over time.
:func:`formula_change_groups` describes the same change without a model: districts
grouped by how much their funding per pupil changed, outcomes before and after.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from improve.errors import DataError
from improve.finance.perpupil import district_table

#: Name of the dose column: formula funding per pupil in thousands of dollars.
DOSE = "formula_per_pupil_k"


def formula_panel(schools: pd.DataFrame, outcomes: list[str] | tuple[str, ...]) -> pd.DataFrame:
    """District × year: ``district, year, enrollment, formula_per_pupil_k, per_pupil_k``,
    the outcomes.

    Raises
    ------
    improve.errors.DataError
        No formula funding column, or a single year.
    """
    if "formula_per_pupil" not in schools.columns:
        raise DataError("the formula-change analysis needs formula_funding in the column map")
    if schools["year"].nunique() < 2:
        raise DataError("the formula-change analysis needs at least two years of data")
    districts = district_table(schools)
    panel = districts[["district", "year", "enrollment"]].copy()
    panel[DOSE] = districts["formula_per_pupil"] / 1000.0
    panel["per_pupil_k"] = districts["per_pupil"] / 1000.0
    for outcome in outcomes:
        panel[outcome] = districts[outcome]
    return panel


def formula_change_groups(
    panel: pd.DataFrame, outcome: str, change_year: Any, groups: int = 3
) -> pd.DataFrame:
    """Districts in ``groups`` by the change in formula funding per pupil (mean after minus
    mean before ``change_year``), with outcome means before and after.

    Raises
    ------
    improve.errors.DataError
        No years before or after ``change_year``.
    """
    before = panel.loc[panel["year"] < change_year]
    after = panel.loc[panel["year"] >= change_year]
    if before.empty or after.empty:
        raise DataError(
            f"the formula change year {change_year} must have years of data before and after it"
        )
    means = pd.DataFrame(
        {
            "dose_before": before.groupby("district")[DOSE].mean(),
            "dose_after": after.groupby("district")[DOSE].mean(),
            "outcome_before": before.groupby("district")[outcome].mean(),
            "outcome_after": after.groupby("district")[outcome].mean(),
        }
    ).dropna()
    means["dose_change"] = means["dose_after"] - means["dose_before"]
    ranks = means["dose_change"].rank(method="first")
    means["funding_change_group"] = np.ceil(ranks / len(means) * groups).astype(int)
    table = (
        means.groupby("funding_change_group")
        .agg(
            districts=("dose_change", "size"),
            funding_change_k=("dose_change", "mean"),
            outcome_before=("outcome_before", "mean"),
            outcome_after=("outcome_after", "mean"),
        )
        .reset_index()
    )
    table["outcome_change"] = table["outcome_after"] - table["outcome_before"]
    return table


def largest_change(panel: pd.DataFrame) -> float:
    """The largest change in formula funding per pupil (thousands) within one district:
    the range of doses worth drawing in a dose-response figure."""
    spread = panel.groupby("district")[DOSE].agg(lambda s: s.max() - s.min())
    return float(spread.max())
