"""A formula change as a continuous treatment: the district-by-year panel it needs.

When a state changes its funding formula, districts gain different amounts of formula
funding per pupil. :func:`formula_panel` builds one row per district and year with formula
funding per pupil (in thousands of dollars) and enrollment-weighted outcomes, ready for a
fixed-effects regression with district and year effects (``improve.fe.panel_regression``
with the funding as the dose, as in Papke's 2005 Michigan study). With district effects
the coefficient is identified by the change in each district's funding over time.
:func:`formula_change_groups` describes the same change without a model: districts
grouped by how much their funding per pupil changed, outcomes before and after.
:func:`formula_doses` gives each district's change in funding per pupil (the dose of the
dose-response DiD, 0 for districts whose funding did not change), :func:`dose_bins` counts
districts by size of change, and :func:`dose_panel` adds the dose and the first treated year
to the panel for :func:`improve.formula_change.formula_dose_response`.
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


#: Name of the time-invariant dose of the dose-response DiD: the change in formula funding
#: per pupil (thousands of dollars) from the last year before the change to the years after.
DOSE_CHANGE = "formula_change_k"
#: Width of the dose bins counted by the design check (thousands of dollars).
DOSE_BIN_WIDTH = 1.0


def formula_doses(panel: pd.DataFrame, change_year: Any) -> pd.DataFrame:
    """One row per district: formula funding per pupil (thousands) in the last year before
    ``change_year``, its mean from ``change_year`` on, and the change between them
    (``formula_change_k``, rounded to the dollar so funding held at its old amount is 0).

    Raises
    ------
    improve.errors.DataError
        No years before or after ``change_year``.
    """
    years = sorted(panel["year"].unique())
    before = [y for y in years if y < change_year]
    if not before or not any(y >= change_year for y in years):
        raise DataError(
            f"the formula change year {change_year} must have years of data before and after it"
        )
    base = panel.loc[panel["year"] == before[-1]].set_index("district")[DOSE]
    after = panel.loc[panel["year"] >= change_year].groupby("district")[DOSE].mean()
    doses = pd.DataFrame({"funding_before_k": base, "funding_after_k": after}).dropna()
    doses[DOSE_CHANGE] = np.round(doses["funding_after_k"] - doses["funding_before_k"], 3)
    return doses.rename_axis("district").reset_index()


def dose_bins(doses: pd.DataFrame, width: float = DOSE_BIN_WIDTH) -> pd.DataFrame:
    """Districts by change in formula funding per pupil: ``no change`` (dose 0), ``lost``
    (negative) and bins of ``width`` thousand dollars; columns ``change_k``, ``districts``."""
    change = doses[DOSE_CHANGE].to_numpy(dtype=float)
    low = np.floor(change / width) * width
    label = np.where(
        change == 0,
        "no change",
        np.where(change < 0, "lost funding", [f"+{a:g}k to +{a + width:g}k" for a in low]),
    )
    order = np.where(change < 0, -2.0, np.where(change == 0, -1.0, low))
    table = (
        pd.DataFrame({"change_k": label, "order": order})
        .groupby(["order", "change_k"], sort=True)
        .size()
        .rename("districts")
        .reset_index()
    )
    return table[["change_k", "districts"]]


def dose_panel(panel: pd.DataFrame, change_year: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The district panel with ``formula_change_k`` (time-invariant dose) and ``cohort``
    (``change_year`` for districts whose funding rose, 0 for those with no change), and the
    doses table. Districts whose funding fell are left out (a dose cannot be negative).
    """
    doses = formula_doses(panel, change_year)
    keep = doses.loc[doses[DOSE_CHANGE] >= 0, ["district", DOSE_CHANGE]]
    out = panel.merge(keep, on="district", how="inner")
    out["cohort"] = np.where(out[DOSE_CHANGE] > 0, change_year, 0)
    return out, doses
