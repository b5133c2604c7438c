"""Sentences for the resource-equity workbook that combine finance and fixed-effects results."""

from __future__ import annotations

from typing import Any

import pandas as pd


def formula_change_sentence(
    fit: pd.DataFrame, change_year: Any, outcome_label: str, confidence_level: float = 0.95
) -> str:
    """What the fixed-effects regression on formula funding per pupil says, in words.

    Parameters
    ----------
    fit : DataFrame
        Tidy table of the regression of the outcome on formula funding per pupil (in
        thousands of dollars) with district and year effects; its first row is the dose.
    change_year : int or None
        First year under the new formula (named in the sentence when given).
    outcome_label : str
        The outcome in words.
    """
    row = fit.iloc[0]
    est, low, high = float(row["estimate"]), float(row["conf_low"]), float(row["conf_high"])
    when = f" around the {change_year} formula change" if change_year else ""
    direction = "higher" if est > 0 else "lower"
    sure = (
        "the interval excludes zero"
        if low > 0 or high < 0
        else "the interval includes zero, so the data do not show that the money changed it"
    )
    return (
        f"Comparing each district with itself over time (district and year effects), "
        f"$1,000 more formula funding per pupil{when} went with {outcome_label} "
        f"{abs(est):.2f} {direction} ({confidence_level:.0%} CI {low:.2f} to {high:.2f}; "
        f"{sure}). This reads as an effect only if nothing else that changed at the same "
        "time tracked the funding change across districts."
    )
