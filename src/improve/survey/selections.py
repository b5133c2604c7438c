"""Check-all-that-apply questions: how often each option was chosen, ranked."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from improve.errors import SpecError
from improve.results import Result, tidy_frame
from improve.survey.design import SurveyDesign
from improve.survey.items import share_with_interval, survey_design
from improve.survey.load import SurveyData


@dataclass(frozen=True)
class SelectionSummary(Result):
    """Options of one multi-select question, most chosen first.

    ``table`` holds ``term`` (option), ``count``, ``n`` (respondents who ticked at least
    one option: the denominator), ``estimate`` (share), ``std_error``, ``conf_low``,
    ``conf_high`` and ``rank``.
    """

    question: str
    label: str
    table: pd.DataFrame
    n_respondents: int
    confidence_level: float

    def tidy(self) -> pd.DataFrame:
        return self.table.copy()

    def summary(self) -> str:
        n = int(self.table["n"].iloc[0]) if len(self.table) else 0
        return (
            f"{self.label}: options chosen, most frequent first\n"
            f"Shares are of the {n} respondents who ticked at least one option "
            f"(of {self.n_respondents} respondents)."
        )

    def plot(self, **kwargs: object):
        """Ranked horizontal bars (:func:`improve.report.survey_figures.plot_selections`)."""
        from improve.report.survey_figures import plot_selections

        return plot_selections(self.table, title=self.label, **kwargs)


def summarise_selections(
    data: SurveyData,
    question: str,
    *,
    weights: pd.Series | SurveyDesign | None = None,
    confidence_level: float = 0.95,
) -> SelectionSummary:
    """Share of respondents choosing each option of a multi-select question.

    The denominator is the respondents who ticked at least one option (an export cannot
    tell "none apply" from "skipped").
    """
    if question not in data.selections:
        raise SpecError(
            f"'{question}' is not under 'multiselect:' in the survey map "
            f"(known: {', '.join(data.selections) or 'none'})"
        )
    ticks = data.selections[question]
    design = survey_design(data, weights)
    answered = ticks.any(axis=1).to_numpy()
    rows = []
    for option in ticks.columns:
        y = np.where(answered, ticks[option].to_numpy(float), np.nan)
        est, se, low, high = share_with_interval(y, design, confidence_level)
        rows.append((option, int(ticks[option].sum()), est, se, low, high))
    frame = pd.DataFrame(rows, columns=["term", "count", "estimate", "se", "low", "high"])
    frame = frame.sort_values(["estimate", "term"], ascending=[False, True], kind="mergesort")
    tidy = tidy_frame(
        frame["term"].tolist(),
        frame["estimate"].to_numpy(),
        frame["se"].to_numpy(),
        confidence_level=confidence_level,
        df=design.df,
        extra={"count": frame["count"].to_numpy(), "n": int(answered.sum())},
    )
    tidy["conf_low"], tidy["conf_high"] = frame["low"].to_numpy(), frame["high"].to_numpy()
    tidy["rank"] = np.arange(1, len(tidy) + 1)
    label = data.survey_map.multiselect[question].label
    return SelectionSummary(question, label, tidy, data.n, confidence_level)
