"""How much of the inequality lies between districts and how much within them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from improve.finance.bootstrap import bootstrap_draws, percentile_interval
from improve.finance.inequality import TheilParts, theil_decomposition
from improve.results import Result, tidy_frame

TERMS = ("total", "within", "between", "between_share")


@dataclass(frozen=True)
class TheilDecomposition(Result):
    """Theil's T of a per-pupil measure split within and between groups.

    ``between_share`` is the share of all inequality that lies between groups (what
    equalising the group means alone would remove).
    """

    measure: str
    group: str
    parts: TheilParts
    draws: NDArray[np.float64]
    confidence_level: float = 0.95
    seed: int = 0
    year: Any = None

    @property
    def estimate(self) -> NDArray[np.float64]:
        p = self.parts
        return np.array([p.total, p.within, p.between, p.between / p.total if p.total else 0.0])

    def tidy(self) -> pd.DataFrame:
        """Total, within, between and the between share, with bootstrap intervals."""
        has = self.draws.size > 0
        se = np.nanstd(self.draws, axis=0, ddof=1) if has else np.full(len(TERMS), np.nan)
        frame = tidy_frame(
            list(TERMS),
            self.estimate,
            se,
            confidence_level=self.confidence_level,
            extra={"measure": self.measure, "group": self.group, "year": self.year},
        )
        low, high = percentile_interval(self.draws, self.confidence_level)
        frame["conf_low"] = low if has else np.nan
        frame["conf_high"] = high if has else np.nan
        frame["statistic"] = np.nan
        frame["p_value"] = np.nan
        frame["ci_method"] = (
            f"percentile bootstrap over {self.group}s ({len(self.draws)} draws, seed {self.seed})"
            if has
            else "none"
        )
        return frame

    def groups_table(self) -> pd.DataFrame:
        """Each group's Theil index, share of pupils and of money, and mean."""
        p = self.parts
        return pd.DataFrame(
            {
                self.group: p.groups,
                "theil_within": p.group_within,
                "pupil_share": p.weight_share,
                "money_share": p.money_share,
                "mean": p.group_mean,
            }
        )

    def summary(self) -> str:
        from improve.results import text_table

        share = self.estimate[3]
        return "\n".join(
            [
                f"Theil decomposition of {self.measure} by {self.group}",
                "",
                text_table(self.tidy()[["term", "estimate", "conf_low", "conf_high"]]),
                "",
                f"{share:.0%} of the inequality lies between {self.group}s and "
                f"{1 - share:.0%} within them (pupil-weighted; within + between = total).",
            ]
        )

    def plot(self, **kwargs: Any) -> Any:
        """Stacked bar of within and between (see
        :func:`improve.report.finance_figures.plot_decomposition`)."""
        from improve.report.finance_figures import plot_decomposition

        return plot_decomposition(self.tidy(), **kwargs)


def decompose(
    table: pd.DataFrame,
    measure: str = "per_pupil",
    group: str = "district",
    *,
    bootstrap: int = 200,
    seed: int = 20240601,
    confidence_level: float = 0.95,
) -> TheilDecomposition:
    """Pupil-weighted Theil decomposition of ``measure`` by ``group`` in one year.

    The intervals come from a bootstrap over whole groups (districts drawn with
    replacement, each with all its schools). Drawing single schools instead would put
    copies of one school into small districts and shrink the within part, so the between
    share would be biased upwards.
    """
    values = table[measure].to_numpy(dtype=float)
    weights = table["enrollment"].to_numpy(dtype=float)
    labels = table[group].astype(str).to_numpy()
    names, codes = np.unique(labels, return_inverse=True)
    members = [np.flatnonzero(codes == g) for g in range(names.size)]

    def stat(drawn: NDArray[np.intp]) -> NDArray[np.float64]:
        rows = np.concatenate([members[g] for g in drawn])
        copy = np.concatenate([np.full(members[g].size, k) for k, g in enumerate(drawn)])
        p = theil_decomposition(values[rows], weights[rows], copy)
        return np.array([p.total, p.within, p.between, p.between / p.total if p.total else 0.0])

    years = table["year"].unique() if "year" in table.columns else [None]
    return TheilDecomposition(
        measure=measure,
        group=group,
        parts=theil_decomposition(values, weights, labels),
        draws=bootstrap_draws(stat, names.size, bootstrap, seed),
        confidence_level=confidence_level,
        seed=seed,
        year=years[0] if len(years) == 1 else None,
    )
