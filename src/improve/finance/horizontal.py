"""Horizontal equity of one per-pupil measure: every index, with bootstrap intervals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from improve.finance.bootstrap import bootstrap_draws, percentile_interval
from improve.finance.indices import (
    coefficient_of_variation,
    federal_range_ratio,
    mcloone,
    restricted_range,
    value_range,
    verstegen,
    weighted_mean,
)
from improve.finance.inequality import gini, theil
from improve.results import Result, tidy_frame

IndexFunction = Callable[[NDArray[np.float64], NDArray[np.float64]], float]

#: Index name -> (function, words, which way is more equal).
INDICES: dict[str, tuple[IndexFunction, str, str]] = {
    "mean": (weighted_mean, "Mean", "context, not an equity index"),
    "range": (value_range, "Range (highest − lowest)", "lower is more equal"),
    "restricted_range": (
        restricted_range,
        "Restricted range (95th − 5th percentile)",
        "lower is more equal",
    ),
    "federal_range_ratio": (federal_range_ratio, "Federal range ratio", "lower is more equal"),
    "coefficient_of_variation": (
        coefficient_of_variation,
        "Coefficient of variation",
        "lower is more equal",
    ),
    "mcloone": (
        mcloone,
        "McLoone index (pupils at or below the median)",
        "closer to 1 is more equal",
    ),
    "verstegen": (verstegen, "Verstegen index", "closer to 1 is more equal"),
    "gini": (gini, "Gini coefficient", "lower is more equal"),
    "theil": (theil, "Theil index", "lower is more equal"),
}

Weighting = Literal["pupils", "schools"]

#: Indices shown without an interval: a bootstrap resample never goes beyond the sample's
#: own extremes, so an interval for the range never covers a wider population range
#: (coverage 0 of 500 in ``benchmarks/montecarlo_results/finance_montecarlo.md``).
NO_INTERVAL = ("range",)


def _index_or_nan(fn: IndexFunction, values: NDArray[np.float64], w: NDArray[np.float64]) -> float:
    """An index, or NaN where it is undefined (Theil with a zero amount, a ratio to a
    5th percentile or median of zero)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        try:
            value = fn(values, w)
        except (ValueError, ZeroDivisionError):
            return float("nan")
    return value if np.isfinite(value) else float("nan")


def all_indices(values: NDArray[np.float64], weights: NDArray[np.float64]) -> NDArray[np.float64]:
    """Every index of :data:`INDICES` for one set of amounts and weights (NaN where an index
    is undefined, e.g. Theil when some amount is zero)."""
    return np.array([_index_or_nan(fn, values, weights) for fn, _, _ in INDICES.values()])


@dataclass(frozen=True)
class EquityIndices(Result):
    """Horizontal equity indices of one measure, with percentile bootstrap intervals.

    Attributes
    ----------
    measure : str
        The per-pupil measure (e.g. ``per_pupil``, ``per_weighted_pupil``).
    weighting : {"pupils", "schools"}
        What each index weights by: enrollment (the distribution across pupils) or each
        school once.
    estimate : ndarray
        One value per index of :data:`INDICES`.
    draws : ndarray
        Bootstrap draws (draws × indices), schools drawn with replacement.
    """

    measure: str
    weighting: Weighting
    estimate: NDArray[np.float64]
    draws: NDArray[np.float64]
    n_units: int
    confidence_level: float = 0.95
    seed: int = 0
    year: Any = None
    unit_label: str = "school"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return list(INDICES)

    def value(self, name: str) -> float:
        """The estimate of one index."""
        return float(self.estimate[self.names.index(name)])

    def tidy(self) -> pd.DataFrame:
        """One row per index: estimate, bootstrap SE and percentile interval.

        ``statistic`` and ``p_value`` are left empty: an index has no null value of zero
        worth testing.
        """
        has_draws = self.draws.size > 0
        se = (
            np.nanstd(self.draws, axis=0, ddof=1) if has_draws else np.full(len(self.names), np.nan)
        )
        frame = tidy_frame(
            self.names,
            self.estimate,
            se,
            confidence_level=self.confidence_level,
            extra={"measure": self.measure, "weighting": self.weighting, "year": self.year},
        )
        low, high = percentile_interval(self.draws, self.confidence_level)
        frame["conf_low"] = low if has_draws else np.nan
        frame["conf_high"] = high if has_draws else np.nan
        frame["statistic"] = np.nan
        frame["p_value"] = np.nan
        extremes = frame["term"].isin(NO_INTERVAL)
        frame.loc[extremes, ["std_error", "conf_low", "conf_high"]] = np.nan
        frame["index"] = [INDICES[n][1] for n in self.names]
        frame["reading"] = [INDICES[n][2] for n in self.names]
        frame["ci_method"] = (
            f"percentile bootstrap over {self.unit_label}s ({len(self.draws)} draws, "
            f"seed {self.seed})"
            if has_draws
            else "none"
        )
        return frame

    def _display_table(self) -> pd.DataFrame:
        return self.tidy()[["index", "estimate", "conf_low", "conf_high", "reading"]]

    def summary(self) -> str:
        from improve.results import text_table

        weight_words = (
            "each pupil counts once (weights = enrollment)"
            if self.weighting == "pupils"
            else f"each {self.unit_label} counts once"
        )
        return "\n".join(
            [
                f"Horizontal equity of {self.measure}" + (f", {self.year}" if self.year else ""),
                "",
                text_table(self._display_table()),
                "",
                f"Weighting: {weight_words}; {self.n_units} {self.unit_label}s.",
                f"Intervals: {self.tidy()['ci_method'].iloc[0]}, "
                f"level {self.confidence_level:.0%}.",
            ]
        )

    def plot(self, table: pd.DataFrame, **kwargs: Any) -> Any:
        """Distribution of the measure across pupils (see
        :func:`improve.report.finance_figures.plot_distribution`)."""
        from improve.report.finance_figures import plot_distribution

        return plot_distribution(table, self.measure, weighting=self.weighting, **kwargs)


def horizontal_equity(
    table: pd.DataFrame,
    measure: str = "per_pupil",
    *,
    weighting: Weighting = "pupils",
    bootstrap: int = 200,
    seed: int = 20240601,
    confidence_level: float = 0.95,
    unit_label: str = "school",
) -> EquityIndices:
    """Every horizontal equity index of ``measure`` across the rows of ``table``.

    Parameters
    ----------
    table : DataFrame
        One row per school (or district) in one year, with ``measure`` and ``enrollment``.
    measure : str
        Per-pupil column.
    weighting : {"pupils", "schools"}
        Weight by enrollment (the school-finance convention, Berne & Stiefel 1984) or not.
    bootstrap : int
        Bootstrap draws over rows (0: no intervals).
    seed : int
        Seed of the draws.
    confidence_level : float
        Coverage of the percentile intervals.
    """
    values = table[measure].to_numpy(dtype=float)
    weights = (
        table["enrollment"].to_numpy(dtype=float) if weighting == "pupils" else np.ones(len(table))
    )
    estimate = all_indices(values, weights)
    draws = bootstrap_draws(
        lambda rows: all_indices(values[rows], weights[rows]), len(values), bootstrap, seed
    )
    years = table["year"].unique() if "year" in table.columns else [None]
    return EquityIndices(
        measure=measure,
        weighting=weighting,
        estimate=estimate,
        draws=draws,
        n_units=len(values),
        confidence_level=confidence_level,
        seed=seed,
        year=years[0] if len(years) == 1 else None,
        unit_label=unit_label,
    )
