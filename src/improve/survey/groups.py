"""Rated items compared across groups of respondents (TA type, region, role).

Each item gets its group means and top-two-box shares, and one test of whether the groups
differ (Kruskal-Wallis on the ordered answers, which does not treat labels as equally
spaced; with weights, a design-based Wald test of equal weighted means). Groups smaller
than ``min_cell_size`` are left out of the test as well as the table, so nothing published
depends on them. The p-values of one grouping form a family:
control the false discovery rate across them (``improve.effects.bh_within_domains`` with
``domain="grouping"``) before calling a difference real.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from improve.errors import SpecError
from improve.results import Result, tidy_frame
from improve.survey.design import SurveyDesign, domain_means, wald_equal_means
from improve.survey.load import SurveyData


@dataclass(frozen=True)
class GroupComparison(Result):
    """Group means of rated items and a test of difference per item.

    Attributes
    ----------
    by_group : DataFrame
        Tidy rows per item and group: ``term`` (item label), ``item``, ``group``, ``n``,
        ``estimate`` (mean of 1..k codes), interval, ``top_two_box``.
    tests : DataFrame
        Per item: ``term``, ``item``, ``grouping``, ``statistic`` (Kruskal-Wallis H),
        ``df``, ``p_value``, ``groups_tested``.
    grouping : str
    label : str
    """

    by_group: pd.DataFrame
    tests: pd.DataFrame
    grouping: str
    label: str
    min_cell_size: int | None
    confidence_level: float

    def tidy(self) -> pd.DataFrame:
        return self.by_group.copy()

    def summary(self) -> str:
        return (
            f"Rated items by {self.label}: group means (1 = lowest answer)\n"
            "Kruskal-Wallis tests per item in .tests; groups below the minimum cell size "
            "are left out of both."
        )

    def plot(self, **kwargs: object):
        """Group means with intervals (:func:`improve.report.survey_figures.plot_group_means`)."""
        from improve.report.survey_figures import plot_group_means

        return plot_group_means(self.by_group, group_label=self.label, **kwargs)


def _item_groups(codes: pd.Series, groups: pd.Series, k: int, level: float, floor: int):
    rows, samples = [], []
    for name, values in codes.groupby(groups, observed=True, sort=True):
        x = values.dropna().to_numpy(float)
        if x.size == 0:
            continue
        small = x.size < floor
        se = float(np.std(x, ddof=1) / np.sqrt(x.size)) if x.size > 1 else np.nan
        rows.append(
            {
                "group": str(name),
                "n": int(x.size),
                "estimate": float(x.mean()),
                "std_error": se,
                "top_two_box": float(np.mean(x > k - 2)),
                "df": x.size - 1,
                "suppressed": small,
            }
        )
        if not small:
            samples.append(x)
    return rows, samples


def _weighted_item_groups(
    codes: pd.Series, groups: pd.Series, k: int, design: SurveyDesign, floor: int
) -> tuple[list[dict], tuple[float, int, float]]:
    """Weighted group means (domain estimation) and the design-based Wald test."""
    y = codes.to_numpy(float)
    names, means, vcov = domain_means(y, groups.to_numpy(dtype=object), design)
    _, tops, _ = domain_means(
        np.where(np.isnan(y), np.nan, (y > k - 2).astype(float)),
        groups.to_numpy(dtype=object),
        design,
    )
    counts = codes.groupby(groups, observed=True).count()
    rows = []
    for i, name in enumerate(names):
        n = int(counts.get(name, 0))
        rows.append(
            {
                "group": str(name),
                "n": n,
                "estimate": float(means[i]),
                "std_error": float(np.sqrt(vcov[i, i])),
                "top_two_box": float(tops[i]),
                "df": design.df,
                "suppressed": n < floor,
            }
        )
    big = [i for i, r in enumerate(rows) if not r["suppressed"]]
    return rows, wald_equal_means(means[big], vcov[np.ix_(big, big)])


def compare_groups(
    data: SurveyData,
    by: str,
    items: Sequence[str] | None = None,
    *,
    weights: SurveyDesign | None = None,
    min_cell_size: int | None = None,
    confidence_level: float = 0.95,
) -> GroupComparison:
    """Compare rated items across the groups of ``by`` (a name under ``groups:``).

    Without weights: group means with t intervals and a Kruskal-Wallis test per item. With
    a weighted design (e.g. raked): weighted group means with design-based intervals
    (domain estimation, equal to R ``svyby``) and a design-based Wald test of equal means.
    """
    if by not in data.groups.columns:
        raise SpecError(
            f"'{by}' is not under 'groups:' in the survey map "
            f"(known: {', '.join(data.groups.columns) or 'none'})"
        )
    floor = int(min_cell_size or 0)
    weighted = weights is not None and (
        bool(weights.raked_margins) or not np.allclose(weights.weights, weights.weights[0])
    )
    table, tests = [], []
    for item in items or list(data.answers.columns):
        k = len(data.answers[item].cat.categories)
        codes = data.codes([item])[item]
        if weighted:
            rows, (stat, df, p) = _weighted_item_groups(codes, data.groups[by], k, weights, floor)
            method = "Wald (design-based)"
        else:
            rows, samples = _item_groups(codes, data.groups[by], k, confidence_level, floor)
            stat, df, p, method = np.nan, len(samples) - 1, np.nan, "Kruskal-Wallis"
            if len(samples) >= 2 and np.unique(np.concatenate(samples)).size > 1:
                stat, p = (float(v) for v in stats.kruskal(*samples))
        label = data.survey_map.item_label(item)
        table += [{"term": label, "item": item, **r} for r in rows]
        tested = sum(not r["suppressed"] for r in rows)
        tests.append(
            {
                "term": label,
                "item": item,
                "grouping": by,
                "statistic": stat,
                "df": df,
                "p_value": p,
                "groups_tested": tested,
                "test": method,
            }
        )
    frame = pd.DataFrame(table)
    tidy = tidy_frame(
        frame["term"],
        frame["estimate"].to_numpy(),
        frame["std_error"].to_numpy(),
        confidence_level=confidence_level,
        df=frame["df"].to_numpy(float),
        extra={"item": frame["item"], "group": frame["group"], "n": frame["n"]},
    )
    tidy["top_two_box"] = frame["top_two_box"].to_numpy()
    tidy["suppressed"] = frame["suppressed"].to_numpy(bool)
    label = data.survey_map.groups[by].label
    return GroupComparison(tidy, pd.DataFrame(tests), by, label, min_cell_size, confidence_level)
