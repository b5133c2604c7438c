"""Response rates: who was invited, who answered, by group."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from improve.errors import DataError
from improve.results import Result
from improve.survey.load import SurveyData


@dataclass(frozen=True)
class ResponseRates(Result):
    """Invited, responded and response rate per group category, with a total row per
    grouping (``grouping, term, invited, n, estimate``; ``estimate`` = rate)."""

    table: pd.DataFrame

    def tidy(self) -> pd.DataFrame:
        return self.table.copy()

    def summary(self) -> str:
        total = self.table.loc[self.table["term"] == "Total"].iloc[0]
        return (
            "Response rates by group\n"
            f"Overall {int(total['n'])} of {int(total['invited'])} invited answered "
            f"({total['estimate']:.0%})."
        )

    def plot(self, **kwargs: object):
        """Bars of response rates (:func:`improve.report.survey_figures.plot_response_rates`)."""
        from improve.report.survey_figures import plot_response_rates

        return plot_response_rates(self.table, **kwargs)


def read_population(path_or_frame: str | pd.DataFrame) -> dict[str, dict[str, float]]:
    """Population counts per group from a CSV with columns ``group, category, count``."""
    frame = (
        path_or_frame
        if isinstance(path_or_frame, pd.DataFrame)
        else pd.read_csv(path_or_frame, dtype={"group": str, "category": str})
    )
    missing = {"group", "category", "count"} - set(frame.columns)
    if missing:
        raise DataError(
            f"population margins need columns group, category, count; "
            f"missing {', '.join(sorted(missing))}"
        )
    return {
        str(g): {str(c): float(n) for c, n in zip(part["category"], part["count"], strict=True)}
        for g, part in frame.groupby("group", sort=False)
    }


def response_rates(data: SurveyData, invited: Mapping[str, Mapping[str, float]]) -> ResponseRates:
    """Response rate per category of each grouping with known invitation counts.

    Parameters
    ----------
    data : SurveyData
    invited : mapping of group name to {category: number invited}
        E.g. from :func:`read_population` (participants by role and region).
    """
    rows = []
    for group, counts in invited.items():
        if group not in data.groups.columns:
            raise DataError(
                f"population margins name group '{group}', which is not under "
                "'groups:' in the survey map"
            )
        answered = data.groups[group].value_counts()
        for category, n_invited in counts.items():
            n = int(answered.get(category, 0))
            rows.append(
                {
                    "grouping": group,
                    "term": str(category),
                    "invited": int(n_invited),
                    "n": n,
                    "estimate": n / n_invited if n_invited else np.nan,
                }
            )
        unknown = int(data.groups[group].isna().sum()) + int(
            answered[~answered.index.isin(list(counts))].sum()
        )
        total_invited = int(sum(counts.values()))
        rows.append(
            {
                "grouping": group,
                "term": "Total",
                "invited": total_invited,
                "n": int(answered.sum()) + int(data.groups[group].isna().sum()),
                "estimate": data.n / total_invited,
                "not_matched": unknown,
            }
        )
    table = pd.DataFrame(rows)
    table["not_matched"] = table.get("not_matched", pd.Series(dtype=float)).fillna(0).astype(int)
    return ResponseRates(table)
