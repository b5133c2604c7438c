"""Pareto chart: categories by frequency with the cumulative share (qicharts2 ``paretochart``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from improve.errors import SpecError
from improve.results import Result


@dataclass(frozen=True)
class ParetoResult(Result):
    """Counts by category, largest first; ``tidy()`` has qicharts2's ``x, y, y.cum, p, p.cum``."""

    table: pd.DataFrame
    variable: str

    def tidy(self) -> pd.DataFrame:
        """One row per category: count, cumulative count, share, cumulative share."""
        return self.table.copy()

    def _title(self) -> str:
        return f"Pareto chart of {self.variable}"

    def _notes(self) -> list[str]:
        top = self.table[self.table["p.cum"] <= 0.8 + 1e-12]
        return [f"{len(top)} of {len(self.table)} categories account for up to 80% of cases."]

    def plot(self, **options: Any) -> Any:
        """Bars of the share per category with the cumulative share as a line."""
        from improve.report.qi_figures import plot_pareto

        return plot_pareto(self.table, title=options.pop("title", self._title()), **options)


def pareto(
    data: pd.DataFrame, category: str, count: str | None = None, *, min_cell_size: int | None = None
) -> ParetoResult:
    """Count cases per category, largest first (ties in category order), as qicharts2.

    Parameters
    ----------
    data : DataFrame
        One row per case, or one row per category with ``count``.
    category : str
        Column of the category (missing values are left out, as ``useNA = FALSE``).
    count : str, optional
        Column of counts to add up instead of counting rows.
    min_cell_size : int, optional
        Categories with fewer cases are pooled into one "Other (small counts)" bar.
    """
    if category not in data.columns:
        raise SpecError(f"The category column {category!r} is not in the data.")
    rows = data[data[category].notna()]
    counts = (
        rows.groupby(category, sort=True)[count].sum()
        if count
        else rows.groupby(category, sort=True).size()
    )
    counts = counts.sort_values(ascending=False, kind="stable")
    if min_cell_size:
        small = counts < min_cell_size
        if small.sum() > 0:
            counts = pd.concat(
                [counts[~small], pd.Series({"Other (small counts)": counts[small].sum()})]
            )
    table = pd.DataFrame({"x": counts.index.astype(str), "y": counts.to_numpy()})
    table["y.cum"] = table["y"].cumsum()
    table["p"] = table["y"] / table["y"].sum()
    table["p.cum"] = table["p"].cumsum()
    return ParetoResult(table=table, variable=category)
