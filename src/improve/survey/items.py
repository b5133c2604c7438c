"""Rated items: answers per level, top-box shares, means and medians with intervals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from improve.results import Result, tidy_frame
from improve.survey.design import SurveyDesign, domain_mean, proportion_interval
from improve.survey.load import SurveyData

#: Measures in the scores table, in display order.
MEASURES = ("top_box", "top_two_box", "mean", "median")


def survey_design(data: SurveyData, weights: pd.Series | SurveyDesign | None) -> SurveyDesign:
    """The design to use: given, from weights, from the map's weight column, or equal."""
    if isinstance(weights, SurveyDesign):
        return weights
    if weights is not None:
        return SurveyDesign(np.asarray(weights, dtype=float))
    if data.weights is not None:
        return SurveyDesign(data.weights.to_numpy(float))
    return SurveyDesign.simple(data.n)


def _exact_interval(count: int, n: int, level: float) -> tuple[float, float]:
    """Clopper-Pearson interval (used when every or no respondent chose the answer)."""
    a = 1 - level
    low = 0.0 if count == 0 else stats.beta.ppf(a / 2, count, n - count + 1)
    high = 1.0 if count == n else stats.beta.ppf(1 - a / 2, count + 1, n - count)
    return float(low), float(high)


def share_with_interval(
    y: np.ndarray, design: SurveyDesign, level: float
) -> tuple[float, float, float, float]:
    """Weighted share of ``y`` (0/1, NaN = no answer), its SE and logit interval."""
    mean, vcov = domain_mean(y, design)
    p, se = float(mean[0]), float(np.sqrt(vcov[0, 0]))
    if 0 < p < 1:
        return (p, se, *proportion_interval(p, se, design.df, level))
    answered = ~np.isnan(y)
    n = int(answered.sum())
    return (p, se, *_exact_interval(int(round(p * n)), n, level))


def _median_row(codes: np.ndarray, design: SurveyDesign, level: float) -> tuple[float, ...]:
    """Median level and an order-statistic interval (equal weights only)."""
    keep = ~np.isnan(codes)
    x, w = codes[keep], design.weights[keep]
    order = np.argsort(x, kind="mergesort")
    cum = np.cumsum(w[order]) / w.sum()
    median = float(x[order][np.searchsorted(cum, 0.5)])
    if not np.allclose(w, w[0]):
        return median, np.nan, np.nan
    n = x.size
    k = int(stats.binom.ppf((1 - level) / 2, n, 0.5))
    xs = np.sort(x)
    return median, float(xs[max(k - 1, 0)]), float(xs[min(n - k, n - 1)])


@dataclass(frozen=True)
class ItemSummary(Result):
    """Answers to rated items: the distribution over levels and summary scores.

    Attributes
    ----------
    distribution : DataFrame
        ``item, label, level, level_order, n, count, percent`` (percent of respondents
        who answered the item; weighted when weights are used).
    scores : DataFrame
        Tidy rows per item and measure (``top_box``, ``top_two_box``, ``mean``,
        ``median``), with ``n``.
    """

    distribution: pd.DataFrame
    scores: pd.DataFrame
    weighted: bool
    confidence_level: float

    def tidy(self) -> pd.DataFrame:
        return self.scores.copy()

    def summary(self) -> str:
        how = "weighted, design-based intervals" if self.weighted else "unweighted"
        n_items = self.distribution["item"].nunique()
        return (
            f"Answers to {n_items} rated items ({how}, "
            f"{self.confidence_level:.0%} intervals)\n"
            "top_two_box: share choosing one of the two highest answers; means on 1..k codes."
        )

    def plot(self, **kwargs: object):
        """Diverging stacked bars (see :func:`improve.report.survey_figures.plot_likert`)."""
        from improve.report.survey_figures import plot_likert

        return plot_likert(self.distribution, **kwargs)


def _item_rows(data: SurveyData, item: str, design: SurveyDesign, level: float):
    cat = data.answers[item]
    levels = list(cat.cat.categories)
    codes = data.codes([item])[item].to_numpy(float)
    answered = ~np.isnan(codes)
    ind = np.where(answered[:, None], codes[:, None] == np.arange(1, len(levels) + 1), np.nan)
    shares, _ = domain_mean(ind, design)
    counts = [int((codes == k).sum()) for k in range(1, len(levels) + 1)]
    label = data.survey_map.item_label(item)
    dist = pd.DataFrame(
        {
            "item": item,
            "label": label,
            "level": levels,
            "level_order": np.arange(1, len(levels) + 1),
            "n": int(answered.sum()),
            "count": counts,
            "percent": 100 * shares,
        }
    )
    k = len(levels)
    rows = []
    for measure, top in (("top_box", 1), ("top_two_box", 2)):
        y = np.where(answered, (codes > k - top).astype(float), np.nan)
        rows.append((measure, *share_with_interval(y, design, level)))
    mean, vcov = domain_mean(codes[:, None], design)
    se = float(np.sqrt(vcov[0, 0]))
    crit = stats.t.ppf(0.5 + level / 2, design.df)
    rows.append(("mean", float(mean[0]), se, mean[0] - crit * se, mean[0] + crit * se))
    med, low, high = _median_row(codes, design, level)
    rows.append(("median", med, np.nan, low, high))
    return dist, rows, label, int(answered.sum())


def summarise_items(
    data: SurveyData,
    items: Sequence[str] | None = None,
    *,
    weights: pd.Series | SurveyDesign | None = None,
    confidence_level: float = 0.95,
) -> ItemSummary:
    """Counts, percentages, top-box shares, means and medians of rated items.

    Parameters
    ----------
    data : SurveyData
    items : sequence of str, optional
        Item columns (default: every item in the map).
    weights : Series or SurveyDesign, optional
        Respondent weights (e.g. raked) or a full design; default the map's weight column,
        else equal weights.
    confidence_level : float

    Notes
    -----
    Shares use the logit interval of R ``svyciprop`` (Clopper-Pearson when every or no
    respondent chose the answer); means a t interval with the design's degrees of freedom;
    medians an order-statistic interval (equal weights only).
    """
    design = survey_design(data, weights)
    dists, scores = [], []
    for item in items or list(data.answers.columns):
        dist, rows, label, n = _item_rows(data, item, design, confidence_level)
        dists.append(dist)
        for measure, est, se, low, high in rows:
            scores.append(
                {
                    "term": label,
                    "item": item,
                    "measure": measure,
                    "n": n,
                    "estimate": est,
                    "std_error": se,
                    "low": low,
                    "high": high,
                }
            )
    frame = pd.DataFrame(scores)
    tidy = tidy_frame(
        frame["term"],
        frame["estimate"].to_numpy(),
        frame["std_error"].to_numpy(),
        confidence_level=confidence_level,
        df=design.df,
        extra={"item": frame["item"], "measure": frame["measure"], "n": frame["n"]},
    )
    tidy["conf_low"], tidy["conf_high"] = frame["low"].to_numpy(), frame["high"].to_numpy()
    weighted = not np.allclose(design.weights, design.weights[0])
    return ItemSummary(pd.concat(dists, ignore_index=True), tidy, weighted, confidence_level)
