"""The same equity measures year by year, so a reform's effect on equity is visible."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from improve.finance.decomposition import TheilDecomposition, decompose
from improve.finance.horizontal import EquityIndices, horizontal_equity
from improve.finance.vertical import VerticalEquity, vertical_equity
from improve.results import Result


@dataclass(frozen=True)
class EquityTrend(Result):
    """Horizontal indices, the Theil decomposition and the need slope by year."""

    measure: str
    years: list[Any]
    indices: list[EquityIndices]
    decompositions: list[TheilDecomposition]
    verticals: list[VerticalEquity | None]
    change_year: Any = None

    def tidy(self) -> pd.DataFrame:
        """Every index, decomposition part and slope by year (``year`` column)."""
        parts = [i.tidy() for i in self.indices]
        parts += [d.tidy().assign(term=lambda f: "theil_" + f["term"]) for d in self.decompositions]
        parts += [v.tidy() for v in self.verticals if v is not None]
        return pd.concat(parts, ignore_index=True)

    def wide(
        self,
        terms: tuple[str, ...] = (
            "coefficient_of_variation",
            "mcloone",
            "federal_range_ratio",
            "gini",
        ),
    ) -> pd.DataFrame:
        """One row per year, one column per index (estimates only)."""
        frame = self.tidy()
        frame = frame.loc[frame["term"].isin(terms) & (frame["measure"] == self.measure)]
        return frame.pivot(index="year", columns="term", values="estimate").reset_index()

    def _display_table(self) -> pd.DataFrame:
        return self.wide()

    def summary(self) -> str:
        from improve.results import text_table

        note = f"Formula change in {self.change_year}." if self.change_year else ""
        return "\n".join(
            [f"Equity of {self.measure} by year", "", text_table(self.wide()), "", note]
        )

    def decomposition_tidy(self) -> pd.DataFrame:
        """The Theil decomposition of every year (``year`` column)."""
        return pd.concat([d.tidy() for d in self.decompositions], ignore_index=True)

    def plot(self, kind: str = "indices", **kwargs: Any) -> Any:
        """Indices by year with intervals (``kind="indices"``) or the within/between parts
        by year (``kind="decomposition"``); see :mod:`improve.report.finance_figures`."""
        from improve.report.finance_figures import plot_decomposition, plot_trends

        if kind == "decomposition":
            return plot_decomposition(self.decomposition_tidy(), **kwargs)
        return plot_trends(
            self.tidy(), measure=self.measure, change_year=self.change_year, **kwargs
        )


def equity_trend(
    table: pd.DataFrame,
    measure: str = "per_pupil",
    *,
    group: str = "district",
    bootstrap: int = 100,
    seed: int = 20240601,
    confidence_level: float = 0.95,
    change_year: Any = None,
) -> EquityTrend:
    """Equity of ``measure`` in every year of ``table`` (same seed each year)."""
    years = sorted(table["year"].unique())
    indices, decomps, verticals = [], [], []
    for year in years:
        rows = table.loc[table["year"] == year]
        indices.append(
            horizontal_equity(
                rows, measure, bootstrap=bootstrap, seed=seed, confidence_level=confidence_level
            )
        )
        decomps.append(
            decompose(
                rows,
                measure,
                group,
                bootstrap=bootstrap,
                seed=seed,
                confidence_level=confidence_level,
            )
        )
        has_need = "poverty_share" in rows.columns and rows["district"].nunique() > 1
        verticals.append(
            vertical_equity(rows, measure, confidence_level=confidence_level) if has_need else None
        )
    return EquityTrend(
        measure=measure,
        years=years,
        indices=indices,
        decompositions=decomps,
        verticals=verticals,
        change_year=change_year,
    )
