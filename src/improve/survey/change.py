"""Change from before to after: retrospective and matched pre/post items.

For each before/after pair, respondents who answered both are paired; those who answered
only one side are counted and reported, never silently mixed in. The change is the mean
paired difference (after minus before, on 1..k codes) with a t interval, the standardised
effect size ``d_z`` (mean difference / SD of differences), the share who moved up, and a
Wilcoxon signed-rank test (ties at zero dropped, as Wilcoxon proposed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from improve.errors import SpecError
from improve.results import Result, tidy_frame
from improve.survey.load import SurveyData


@dataclass(frozen=True)
class ChangeSummary(Result):
    """Paired before/after change per pair of items.

    ``table``: tidy rows with ``pair``, ``n`` (paired), ``before_only``, ``after_only``,
    ``mean_before``, ``mean_after``, ``effect_size`` (d_z), ``share_up``, ``share_down``,
    ``wilcoxon_p``.
    """

    table: pd.DataFrame
    confidence_level: float

    def tidy(self) -> pd.DataFrame:
        return self.table.copy()

    def summary(self) -> str:
        unmatched = int(self.table[["before_only", "after_only"]].to_numpy().sum())
        return (
            "Change from before to after (after minus before, 1 = lowest answer)\n"
            f"Paired respondents only; {unmatched} answers without their other half were "
            "left out (counted in before_only / after_only)."
        )

    def plot(self, **kwargs: object):
        """Before and after means (:func:`improve.report.survey_figures.plot_change`)."""
        from improve.report.survey_figures import plot_change

        return plot_change(self.table, **kwargs)


def _pair_row(before: np.ndarray, after: np.ndarray) -> dict[str, float]:
    both = ~np.isnan(before) & ~np.isnan(after)
    diff = after[both] - before[both]
    n = int(both.sum())
    sd = float(np.std(diff, ddof=1)) if n > 1 else np.nan
    if n > 0 and np.any(diff != 0):
        wilcoxon_p = float(stats.wilcoxon(diff, zero_method="wilcox").pvalue)
    else:
        wilcoxon_p = 1.0 if n > 0 else np.nan
    return {
        "n": n,
        "before_only": int((~np.isnan(before) & np.isnan(after)).sum()),
        "after_only": int((np.isnan(before) & ~np.isnan(after)).sum()),
        "mean_before": float(before[both].mean()) if n else np.nan,
        "mean_after": float(after[both].mean()) if n else np.nan,
        "estimate": float(diff.mean()) if n else np.nan,
        "std_error": sd / np.sqrt(n) if n > 1 else np.nan,
        "effect_size": float(diff.mean() / sd) if n > 1 and sd > 0 else np.nan,
        "share_up": float(np.mean(diff > 0)) if n else np.nan,
        "share_down": float(np.mean(diff < 0)) if n else np.nan,
        "wilcoxon_p": wilcoxon_p,
    }


def paired_change(
    data: SurveyData,
    pairs: Sequence[str] | None = None,
    *,
    confidence_level: float = 0.95,
) -> ChangeSummary:
    """Paired differences, effect sizes and Wilcoxon tests for the map's pre/post pairs."""
    spec = data.survey_map.prepost
    names = list(pairs or spec)
    if not names:
        raise SpecError("the survey map lists no 'prepost:' pairs")
    unknown = [p for p in names if p not in spec]
    if unknown:
        raise SpecError(f"pre/post pairs {', '.join(unknown)} are not under 'prepost:'")
    rows = []
    for name in names:
        pair = spec[name]
        codes = data.codes([pair.before, pair.after])
        rows.append(
            {
                "term": pair.label,
                "pair": name,
                **_pair_row(codes[pair.before].to_numpy(), codes[pair.after].to_numpy()),
            }
        )
    frame = pd.DataFrame(rows)
    extra_cols = ["pair", "n", "before_only", "after_only", "mean_before", "mean_after"]
    tidy = tidy_frame(
        frame["term"],
        frame["estimate"].to_numpy(),
        frame["std_error"].to_numpy(),
        confidence_level=confidence_level,
        df=np.maximum(frame["n"].to_numpy(float) - 1, 1),
        extra={c: frame[c] for c in extra_cols},
    )
    for col in ("effect_size", "share_up", "share_down", "wilcoxon_p"):
        tidy[col] = frame[col].to_numpy()
    return ChangeSummary(tidy, confidence_level)
